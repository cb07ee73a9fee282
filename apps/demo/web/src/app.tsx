// The explorer page: the timeline (sticky, so it stays on screen) over the whole trace and every
// view of the machine right after the current event, each refetched from the local server as the
// seq changes (the newest request wins; older ones are aborted). The views follow the current
// event — its process and the address of its access — unless the user pins them. The state lives
// in the URL (urlState.ts), so a view can be shared.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import {
  ApiError,
  api,
  type EventFilter,
  type ExplorerMeta,
  type ExplorerState,
  type ExplorerWalk,
} from './api.ts'
import { Charts } from './charts.tsx'
import { EventList } from './eventList.tsx'
import { OpenTrace } from './openTrace.tsx'
import { PredictCard } from './teaching/predictCard.tsx'
import { TeachingPanel } from './teaching/teachingPanel.tsx'
import { Timeline } from './timeline.tsx'
import { readUrlState, writeUrlState } from './urlState.ts'
import { AddressMap } from './views/addressMap.tsx'
import { AreaTree } from './views/areaTree.tsx'
import { FrameGrid } from './views/frameGrid.tsx'
import { HandleTable } from './views/handleTable.tsx'
import { PageWalk } from './views/pageWalk.tsx'
import { PfnLists } from './views/pfnLists.tsx'
import { PolicyCharts } from './views/policyCharts.tsx'
import { StepDiff } from './views/stepDiff.tsx'
import { TlbView } from './views/tlbView.tsx'
import { WorkingSetChart } from './views/workingSetChart.tsx'

const initial = readUrlState(window.location.search)

/** The whole page. */
export function App() {
  const [meta, setMeta] = useState<ExplorerMeta | undefined>(undefined)
  const [generation, setGeneration] = useState(0)
  const [seq, setSeqState] = useState(0)
  // Pinned process and address; undefined: follow the current event.
  const [pinnedPid, setPinnedPid] = useState<number | undefined>(initial.pid)
  const [pinnedVa, setPinnedVa] = useState<number | undefined>(initial.va)
  const [state, setState] = useState<ExplorerState | undefined>(undefined)
  const [walk, setWalk] = useState<ExplorerWalk | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [filter, setFilter] = useState<EventFilter>(initial.filter)
  const [predict, setPredict] = useState(initial.predict)
  const [asking, setAsking] = useState(false)
  const [tour, setTour] = useState<string | undefined>(initial.tour)
  const metaRef = useRef<ExplorerMeta | undefined>(undefined)
  const predictRef = useRef(predict)
  predictRef.current = predict

  const setSeq = useCallback((next: number) => {
    const length = metaRef.current?.length ?? 0
    setSeqState(Math.max(-1, Math.min(length - 1, Math.round(next))))
  }, [])

  // In predict mode a step forward first asks what the next access will do.
  const step = useCallback((delta: number) => {
    if (predictRef.current && delta > 0) return setAsking(true)
    const length = metaRef.current?.length ?? 0
    setSeqState((current) => Math.max(-1, Math.min(length - 1, current + delta)))
  }, [])

  const adopt = useCallback((next: ExplorerMeta, seqWanted?: number) => {
    metaRef.current = next
    setMeta(next)
    setGeneration((value) => value + 1)
    setSeqState(
      seqWanted !== undefined && Number.isFinite(seqWanted)
        ? Math.max(-1, Math.min(next.length - 1, seqWanted))
        : next.length - 1,
    )
  }, [])

  useEffect(() => {
    api.meta().then(
      (loaded) => adopt(loaded, initial.seq),
      (failure: unknown) => setError((failure as Error).message),
    )
  }, [adopt])

  // The machine at the current event (the server follows the event's process unless one is pinned).
  useEffect(() => {
    if (meta === undefined) return
    const controller = new AbortController()
    api.state(seq, pinnedPid, controller.signal).then(setState, (failure: unknown) => {
      if ((failure as Error).name !== 'AbortError') setError((failure as Error).message)
    })
    return () => controller.abort()
  }, [meta, generation, seq, pinnedPid])

  // An event without an address (a process created, a handle closed) keeps the last one followed.
  const lastFocus = useRef<number | undefined>(undefined)
  if (state?.focus.address != null) lastFocus.current = state.focus.address
  const va =
    pinnedVa ??
    (state === undefined ? undefined : (state.focus.address ?? lastFocus.current ?? defaultAddress(state)))

  // The page walk of the pinned address, or of the current event's.
  useEffect(() => {
    if (meta === undefined || va === undefined || state === undefined || state.pid === null)
      return setWalk(undefined)
    const controller = new AbortController()
    api.walk(state.seq, state.pid, va, controller.signal).then(setWalk, (failure: unknown) => {
      if ((failure as Error).name !== 'AbortError') setWalk(undefined)
    })
    return () => controller.abort()
  }, [meta, generation, state, va])

  // The URL follows the view.
  useEffect(() => {
    if (meta === undefined) return
    const query = writeUrlState({ seq, pid: pinnedPid, va: pinnedVa, filter, predict, tour })
    window.history.replaceState(null, '', query)
  }, [meta, seq, pinnedPid, pinnedVa, filter, predict, tour])

  const opened = useCallback(
    (next: ExplorerMeta) => {
      setError(undefined)
      setState(undefined)
      setWalk(undefined)
      setPinnedVa(undefined)
      setPinnedPid(undefined)
      lastFocus.current = undefined
      adopt(next)
    },
    [adopt],
  )
  const failed = useCallback((message: string) => setError(message), [])

  // Jumps start from the newest seq (a key may be pressed before the page re-renders). Faults and
  // system calls are found whatever the event list's filter; "match" uses the filter.
  const seqRef = useRef(seq)
  seqRef.current = seq
  const jump = useCallback(
    async (types: string | 'match', direction: 'next' | 'previous') => {
      try {
        const found = await api.find(
          seqRef.current,
          direction,
          types === 'match' ? filter : { types, pid: '', address: '' },
        )
        if (found.seq !== null) setSeq(found.seq)
      } catch (failure) {
        setError(failure instanceof ApiError ? failure.message : String(failure))
      }
    },
    [filter, setSeq],
  )

  const pinVa = (address: number) => setPinnedVa(address)

  return (
    <div class="page">
      <header class="top">
        <h1>
          ntmm <span class="subtitle">explorer</span>
        </h1>
        <div class="source" data-testid="source">
          {meta === undefined
            ? 'loading…'
            : `${meta.source} · ${meta.length} events · ${meta.arch} · ${meta.replacementPolicy}`}
        </div>
        <OpenTrace onOpened={opened} onError={failed} />
      </header>
      {error === undefined ? null : (
        <div class="error" role="alert" data-testid="error">
          <span>{error}</span>
          <button type="button" onClick={() => setError(undefined)} aria-label="dismiss">
            ×
          </button>
        </div>
      )}
      {meta === undefined ? null : (
        <Timeline
          meta={meta}
          seq={seq}
          event={state?.event ?? null}
          onSeq={setSeq}
          onStep={step}
          onJump={jump}
        />
      )}
      {meta === undefined || !asking ? null : (
        <PredictCard
          seq={seq}
          onReveal={(end) => setSeq(end)}
          onClose={() => setAsking(false)}
          onError={failed}
        />
      )}
      {meta === undefined || state === undefined ? null : (
        <main class="grid" data-testid="views" data-state-seq={state.seq} data-pid={state.pid ?? ''}>
          <section class="panel span2" aria-label="address space">
            <div class="panel-head">
              <h2>Address space</h2>
              <label>
                process{' '}
                <select
                  data-testid="pid"
                  value={state.pid ?? ''}
                  onChange={(event) => setPinnedPid(Number((event.target as HTMLSelectElement).value))}
                >
                  {state.processes.map((process) => (
                    <option key={process.pid} value={process.pid}>
                      {process.pid} {process.name}
                    </option>
                  ))}
                </select>
              </label>
              <PinToggle
                label="process"
                pinned={pinnedPid !== undefined}
                onToggle={() => setPinnedPid(pinnedPid === undefined ? (state.pid ?? undefined) : undefined)}
              />
            </div>
            <AddressMap state={state} arch={meta.arch} selected={va} onSelect={pinVa} />
          </section>
          <section class="panel" aria-label="page walk">
            <PageWalk walk={walk} va={va} onVa={pinVa} arch={meta.arch} changes={state.changes} />
            <PinToggle
              label="address"
              pinned={pinnedVa !== undefined}
              onToggle={() => setPinnedVa(pinnedVa === undefined ? va : undefined)}
            />
          </section>
          <section class="panel" aria-label="this step">
            <StepDiff seq={state.seq} generation={generation} arch={meta.arch} />
          </section>
          <section class="panel" aria-label="TLB">
            <TlbView state={state} />
          </section>
          <section class="panel" aria-label="physical frames">
            <FrameGrid state={state} />
          </section>
          <section class="panel" aria-label="PFN lists">
            <PfnLists seq={state.seq} generation={generation} />
          </section>
          <section class="panel span2" aria-label="AVL tree">
            <AreaTree state={state} onSelect={pinVa} />
          </section>
          <section class="panel" aria-label="teaching">
            <TeachingPanel
              seq={seq}
              source={meta.source}
              tourUrl={tour}
              predict={predict}
              onPredict={setPredict}
              onTour={setTour}
              onSeq={setSeq}
              onPin={(pid, address) => {
                if (pid !== undefined) setPinnedPid(pid)
                if (address !== undefined) setPinnedVa(address)
              }}
              onError={failed}
            />
          </section>
          <section class="panel span2" aria-label="events">
            <EventList
              seq={seq}
              generation={generation}
              filter={filter}
              onFilter={setFilter}
              onSeq={setSeq}
            />
          </section>
          <section class="panel" aria-label="handles">
            <HandleTable state={state} />
          </section>
          <section class="panel span2" aria-label="charts">
            <Charts generation={generation} seq={seq} onSeq={setSeq} />
          </section>
          <section class="panel span2" aria-label="working sets">
            <WorkingSetChart generation={generation} seq={seq} onSeq={setSeq} />
          </section>
          <section class="panel" aria-label="replacement policies">
            <PolicyCharts generation={generation} />
          </section>
        </main>
      )}
    </div>
  )
}

/** Pins a view to what it shows now, or lets it follow the current event again. */
function PinToggle(props: {
  readonly label: string
  readonly pinned: boolean
  readonly onToggle: () => void
}) {
  return (
    <button
      type="button"
      class={`pin${props.pinned ? ' pinned' : ''}`}
      data-testid={`pin-${props.label}`}
      aria-pressed={props.pinned}
      title={
        props.pinned
          ? `${props.label} pinned: click to follow the current event`
          : `follow the current event's ${props.label}: click to pin it`
      }
      onClick={props.onToggle}
    >
      {props.pinned
        ? `${props.label} pinned (click to follow the event)`
        : `following the event's ${props.label}`}
    </button>
  )
}

/** The first committed address of the process, for the page walk when the event has no address. */
function defaultAddress(state: ExplorerState): number | undefined {
  const committed = state.regions.find((region) => region.state === 0x1000 && region.baseAddress < 0x7ffe0000)
  return committed?.baseAddress ?? state.regions.find((region) => region.state !== 0x10000)?.baseAddress
}
