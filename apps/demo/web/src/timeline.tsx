// The timeline: a scrubber over every event of the trace (-1: before the first), the seq as a
// number, stepping with the arrow keys (Shift: 100 at a time; Home/End), and jumps to the next or
// previous page fault (F / Shift+F: the trap itself, hw.pageFault, where the PTE is still not
// present), system call (S / Shift+S) — both whatever the event list's filter — or event matching
// the filter (N / Shift+N). It sticks to the top of the window, so it never scrolls away.

import { useEffect, useRef, useState } from 'preact/hooks'
import { api, type EventRow, type ExplorerDensity, type ExplorerMeta } from './api.ts'
import { faultColour, syscallColour } from './palette.ts'

/** Which kinds the jump buttons look for: the trap, not the memory manager's record after it. */
const jumpKinds = {
  fault: 'hw.pageFault',
  syscall: 'nt.syscallEntered',
} as const

interface TimelineProps {
  readonly meta: ExplorerMeta
  readonly seq: number
  readonly event: EventRow | null
  readonly onSeq: (seq: number) => void
  /** Moves by `delta` events from the newest seq (keys may repeat faster than renders). */
  readonly onStep: (delta: number) => void
  /** Jumps to the next/previous event of `types`, or ('match') matching the event list's filter. */
  readonly onJump: (types: string | 'match', direction: 'next' | 'previous') => void
}

export function Timeline({ meta, seq, event, onSeq, onStep, onJump }: TimelineProps) {
  // One listener for the page's life, reading the newest props: a key pressed right after a
  // change must step from the new seq, not from the one a stale listener captured.
  const latest = useRef({ length: meta.length, onSeq, onStep, onJump })
  latest.current = { length: meta.length, onSeq, onStep, onJump }
  useEffect(() => {
    const onKey = (key: KeyboardEvent) => {
      const { length, onSeq, onStep, onJump } = latest.current
      const target = key.target as HTMLElement | null
      if (
        target !== null &&
        (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')
      )
        return
      if (key.ctrlKey || key.metaKey || key.altKey) return
      const step = key.shiftKey ? 100 : 1
      const direction = key.shiftKey ? 'previous' : 'next'
      switch (key.key) {
        case 'ArrowRight':
          onStep(step)
          break
        case 'ArrowLeft':
          onStep(-step)
          break
        case 'Home':
          onSeq(-1)
          break
        case 'End':
          onSeq(length - 1)
          break
        case 'f':
        case 'F':
          onJump(jumpKinds.fault, direction)
          break
        case 's':
        case 'S':
          onJump(jumpKinds.syscall, direction)
          break
        case 'n':
        case 'N':
          onJump('match', direction)
          break
        default:
          return
      }
      key.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  return (
    <div class="timeline" data-testid="timeline">
      <div class="timeline-row">
        <button type="button" title="previous event (←)" onClick={() => onStep(-1)}>
          ◀
        </button>
        <div class="scrub-column">
          <DensityStrip meta={meta} />
          <input
            type="range"
            class="scrubber"
            aria-label="timeline"
            data-testid="scrubber"
            min={-1}
            max={meta.length - 1}
            value={seq}
            onInput={(input) => onSeq(Number((input.target as HTMLInputElement).value))}
          />
        </div>
        <button type="button" title="next event (→)" onClick={() => onStep(1)}>
          ▶
        </button>
        <label class="seq-box">
          seq{' '}
          <input
            type="number"
            data-testid="seq-input"
            min={-1}
            max={meta.length - 1}
            value={seq}
            onChange={(input) => onSeq(Number((input.target as HTMLInputElement).value))}
          />
          <span class="muted"> / {meta.length - 1}</span>
        </label>
      </div>
      <div class="timeline-row">
        <span class="current" data-testid="seq" data-seq={seq}>
          #{seq}
        </span>
        <span
          class="current-event"
          data-testid="current-event"
          title={event === null ? '' : `${event.type} — ${event.text}`}
        >
          {event === null ? 'before the first event' : `${event.type} — ${event.text}`}
        </span>
        <span class="jumps">
          <JumpPair label="fault" keyName="F" onJump={(direction) => onJump(jumpKinds.fault, direction)} />
          <JumpPair
            label="syscall"
            keyName="S"
            onJump={(direction) => onJump(jumpKinds.syscall, direction)}
          />
          <JumpPair label="match" keyName="N" onJump={(direction) => onJump('match', direction)} />
        </span>
      </div>
    </div>
  )
}

/** Page faults (vermillion, above) and system calls (blue, below) along the trace, aligned with the scrubber. */
function DensityStrip({ meta }: { readonly meta: ExplorerMeta }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const [density, setDensity] = useState<ExplorerDensity | undefined>(undefined)
  useEffect(() => {
    api.density().then(setDensity, () => setDensity(undefined))
  }, [meta])
  useEffect(() => {
    const element = canvas.current
    const context = element?.getContext('2d')
    if (!element || !context || density === undefined) return
    element.width = element.clientWidth
    const width = element.width
    const height = element.height
    context.clearRect(0, 0, width, height)
    const peak = Math.max(1, ...density.faults, ...density.syscalls)
    const slice = width / density.bins
    density.faults.forEach((count, bin) => {
      if (count === 0) return
      context.fillStyle = faultColour
      const bar = Math.max(1, (count / peak) * (height / 2))
      context.fillRect(bin * slice, height / 2 - bar, Math.max(1, slice), bar)
    })
    density.syscalls.forEach((count, bin) => {
      if (count === 0) return
      context.fillStyle = syscallColour
      context.fillRect(
        bin * slice,
        height / 2,
        Math.max(1, slice),
        Math.max(1, (count / peak) * (height / 2)),
      )
    })
  }, [density])
  return (
    <canvas
      ref={canvas}
      class="density"
      height={18}
      data-testid="density"
      title="page faults (vermillion, above) and system calls (blue, below) along the trace"
    />
  )
}

function JumpPair(props: {
  readonly label: string
  readonly keyName: string
  readonly onJump: (direction: 'next' | 'previous') => void
}) {
  return (
    <span class="jump">
      <button
        type="button"
        data-testid={`previous-${props.label}`}
        title={`previous ${props.label} (Shift+${props.keyName})`}
        onClick={() => props.onJump('previous')}
      >
        ‹ {props.label}
      </button>
      <button
        type="button"
        data-testid={`next-${props.label}`}
        title={`next ${props.label} (${props.keyName})`}
        onClick={() => props.onJump('next')}
      >
        {props.label} ›
      </button>
    </span>
  )
}
