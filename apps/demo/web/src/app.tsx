// The explorer page: the timeline over the whole trace and every view of the machine right after
// the current event, each refetched from the local server as the seq changes (the newest request
// wins; older ones are aborted). The seq, process and address live in the URL, so a view can be shared.

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
import { hex, parseAddress } from './format.ts'
import { OpenTrace } from './openTrace.tsx'
import { Timeline } from './timeline.tsx'
import { AddressMap } from './views/addressMap.tsx'
import { AreaTree } from './views/areaTree.tsx'
import { FrameGrid } from './views/frameGrid.tsx'
import { HandleTable } from './views/handleTable.tsx'
import { PageWalk } from './views/pageWalk.tsx'
import { TlbView } from './views/tlbView.tsx'

const url = new URLSearchParams(window.location.search)
const initialSeq = url.get('seq') === null ? undefined : Number(url.get('seq'))
const initialPid = url.get('pid') === null ? undefined : Number(url.get('pid'))
const initialVa = parseAddress(url.get('va') ?? '')

export function App() {
  const [meta, setMeta] = useState<ExplorerMeta | undefined>(undefined)
  const [generation, setGeneration] = useState(0)
  const [seq, setSeqState] = useState(0)
  const [pid, setPid] = useState<number | undefined>(initialPid)
  const [va, setVa] = useState<number | undefined>(initialVa)
  const [state, setState] = useState<ExplorerState | undefined>(undefined)
  const [walk, setWalk] = useState<ExplorerWalk | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [filter, setFilter] = useState<EventFilter>({ types: '', pid: '', address: '' })
  const metaRef = useRef<ExplorerMeta | undefined>(undefined)

  const setSeq = useCallback((next: number) => {
    const length = metaRef.current?.length ?? 0
    setSeqState(Math.max(-1, Math.min(length - 1, Math.round(next))))
  }, [])

  const step = useCallback((delta: number) => {
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
      (loaded) => adopt(loaded, initialSeq),
      (failure: unknown) => setError((failure as Error).message),
    )
  }, [adopt])

  // The machine at the current event.
  useEffect(() => {
    if (meta === undefined) return
    const controller = new AbortController()
    api.state(seq, pid, controller.signal).then(
      (loaded) => {
        setState(loaded)
        if (va === undefined) setVa(defaultAddress(loaded))
      },
      (failure: unknown) => {
        if ((failure as Error).name !== 'AbortError') setError((failure as Error).message)
      },
    )
    return () => controller.abort()
  }, [meta, generation, seq, pid])

  // The page walk of the selected address.
  useEffect(() => {
    if (meta === undefined || va === undefined || state?.pid === null) return
    const controller = new AbortController()
    api.walk(seq, state?.pid ?? pid, va, controller.signal).then(setWalk, (failure: unknown) => {
      if ((failure as Error).name !== 'AbortError') setWalk(undefined)
    })
    return () => controller.abort()
  }, [meta, generation, seq, state?.pid, va])

  // The URL follows the view.
  useEffect(() => {
    if (meta === undefined) return
    const params = new URLSearchParams()
    params.set('seq', String(seq))
    if (state?.pid !== undefined && state.pid !== null) params.set('pid', String(state.pid))
    if (va !== undefined) params.set('va', hex(va, 0))
    window.history.replaceState(null, '', `?${params}`)
  }, [meta, seq, state?.pid, va])

  const opened = useCallback(
    (next: ExplorerMeta) => {
      setError(undefined)
      setState(undefined)
      setWalk(undefined)
      setVa(undefined)
      setPid(undefined)
      adopt(next)
    },
    [adopt],
  )
  const failed = useCallback((message: string) => setError(message), [])

  // Jumps start from the newest seq (a key may be pressed before the page re-renders).
  const seqRef = useRef(seq)
  seqRef.current = seq
  const jump = useCallback(
    async (types: string, direction: 'next' | 'previous') => {
      try {
        const found = await api.find(seqRef.current, direction, { ...filter, types })
        if (found.seq !== null) setSeq(found.seq)
      } catch (failure) {
        setError(failure instanceof ApiError ? failure.message : String(failure))
      }
    },
    [filter, setSeq],
  )

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
          filterTypes={filter.types}
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
                  onChange={(event) => setPid(Number((event.target as HTMLSelectElement).value))}
                >
                  {state.processes.map((process) => (
                    <option key={process.pid} value={process.pid}>
                      {process.pid} {process.name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <AddressMap state={state} arch={meta.arch} selected={va} onSelect={setVa} />
          </section>
          <section class="panel" aria-label="page walk">
            <PageWalk walk={walk} va={va} onVa={setVa} arch={meta.arch} />
          </section>
          <section class="panel span2" aria-label="AVL tree">
            <AreaTree state={state} onSelect={setVa} />
          </section>
          <section class="panel" aria-label="TLB">
            <TlbView state={state} />
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
          <section class="panel" aria-label="physical frames">
            <FrameGrid state={state} />
          </section>
          <section class="panel span2" aria-label="charts">
            <Charts generation={generation} seq={seq} onSeq={setSeq} />
          </section>
          <section class="panel" aria-label="handles">
            <HandleTable state={state} />
          </section>
        </main>
      )}
    </div>
  )
}

/** The first committed address of the process, for the page walk before anything is selected. */
function defaultAddress(state: ExplorerState): number | undefined {
  const committed = state.regions.find((region) => region.state === 0x1000 && region.baseAddress < 0x7ffe0000)
  return committed?.baseAddress ?? state.regions.find((region) => region.state !== 0x10000)?.baseAddress
}
