// Predict, then reveal: in predict mode a step forward first asks what the next memory access
// will do — fault or not, which frame the page will get, which page the replacement policy will
// evict (under 'nt': the page local replacement trims, or the standby page whose frame is
// repurposed) — then reveals what the trace recorded (the server's /api/outcome), marks each answer,
// and moves the timeline to the end of that access.

import { useEffect, useState } from 'preact/hooks'
import { api, type ExplorerOutcome } from '../api.ts'
import { hex, parseAddress } from '../format.ts'

interface PredictCardProps {
  readonly seq: number
  readonly onReveal: (end: number) => void
  readonly onClose: () => void
  readonly onError: (message: string) => void
}

/** One victim in words: the page, its process and frame, and how it went (ExplorerVictim.how). */
function victimText(page: ExplorerOutcome['victims'][number]): string {
  const owner = page.pid >= 0 ? ` of process ${page.pid}` : ''
  const how =
    page.how === 'repurposed'
      ? `its ${page.from ?? 'standby'} frame repurposed`
      : page.how === 'paged out'
        ? `paged out to ${page.to}`
        : `${page.how}${page.reason !== undefined ? ` by ${page.reason}` : ''}, to ${page.to}`
  return `${hex(page.address)}${owner} (PFN ${hex(page.pfn, 0)}, ${how})`
}

/** The question about the next access, then its answer (predict mode). */
export function PredictCard({ seq, onReveal, onClose, onError }: PredictCardProps) {
  const [outcome, setOutcome] = useState<ExplorerOutcome | undefined>(undefined)
  const [fault, setFault] = useState<'yes' | 'no' | ''>('')
  const [frame, setFrame] = useState('')
  const [victim, setVictim] = useState('')
  const [revealed, setRevealed] = useState(false)
  useEffect(() => {
    api.outcome(seq).then(setOutcome, (failure: unknown) => onError((failure as Error).message))
  }, [])

  if (outcome === undefined) return <div class="predict card">asking the trace…</div>
  if (outcome.access === null)
    return (
      <div class="predict card" data-testid="predict">
        <p>No memory access comes after this event.</p>
        <button type="button" onClick={onClose}>
          close
        </button>
      </div>
    )
  const access = outcome.access
  const victimPage = outcome.victims[0]
  const guessedFrame = parseAddress(frame)
  const guessedVictim = parseAddress(victim)
  const marks = {
    fault: fault === (outcome.fault ? 'yes' : 'no'),
    frame:
      outcome.frame === null
        ? frame.trim() === '' || frame.trim() === 'none'
        : guessedFrame === outcome.frame,
    // Any page the access took out of a working set or whose frame it took ('nt': a local
    // replacement's page and the standby page repurposed are both right answers).
    victim:
      victimPage === undefined
        ? victim.trim() === '' || victim.trim() === 'none'
        : guessedVictim !== undefined &&
          outcome.victims.some(
            (page) => Math.floor(guessedVictim / 4096) === Math.floor(page.address / 4096),
          ),
  }
  return (
    <div class="predict card" data-testid="predict" data-access={access.seq}>
      <h2>Predict the next access</h2>
      <p class="mono">
        #{access.seq}: {access.text} (process {access.pid})
      </p>
      <form
        class="predict-form"
        onSubmit={(event) => {
          event.preventDefault()
          setRevealed(true)
          onReveal(outcome.end)
        }}
      >
        <fieldset disabled={revealed}>
          <span>Will it page-fault?</span>
          <label>
            <input
              type="radio"
              name="fault"
              data-testid="predict-fault-yes"
              checked={fault === 'yes'}
              onChange={() => setFault('yes')}
            />{' '}
            yes
          </label>
          <label>
            <input
              type="radio"
              name="fault"
              data-testid="predict-fault-no"
              checked={fault === 'no'}
              onChange={() => setFault('no')}
            />{' '}
            no
          </label>
          <label>
            which frame (PFN)?{' '}
            <input
              type="text"
              class="short"
              data-testid="predict-frame"
              placeholder="none"
              value={frame}
              onInput={(event) => setFrame((event.target as HTMLInputElement).value)}
            />
          </label>
          <label>
            which page is evicted?{' '}
            <input
              type="text"
              data-testid="predict-victim"
              placeholder="none"
              value={victim}
              onInput={(event) => setVictim((event.target as HTMLInputElement).value)}
            />
          </label>
        </fieldset>
        {revealed ? null : (
          <button type="submit" data-testid="predict-reveal">
            reveal
          </button>
        )}
      </form>
      {revealed ? (
        <div class="reveal" data-testid="predict-result">
          <p data-testid="reveal-fault" data-correct={marks.fault}>
            {marks.fault ? '✓' : '✗'}{' '}
            {outcome.fault ? `it faulted (${outcome.kind ?? 'trap'})` : 'no fault: the translation was there'}
          </p>
          <p data-testid="reveal-frame" data-correct={marks.frame}>
            {marks.frame ? '✓' : '✗'}{' '}
            {outcome.frame === null ? 'no frame was given' : `frame PFN ${hex(outcome.frame, 0)}`}
          </p>
          <p data-testid="reveal-victim" data-correct={marks.victim}>
            {marks.victim ? '✓' : '✗'}{' '}
            {victimPage === undefined
              ? 'nothing was evicted'
              : `evicted: ${outcome.victims.map(victimText).join(', ')}`}
          </p>
          <p class="muted">The timeline is now at #{outcome.end}, the access's last event.</p>
          <button type="button" data-testid="predict-continue" onClick={onClose}>
            continue
          </button>
        </div>
      ) : (
        <button type="button" class="link" onClick={onClose}>
          cancel
        </button>
      )}
    </div>
  )
}
