// The event list: the events matching the filter (types with `mm.*` prefixes, a process, an
// address or range) around the current seq — only that window is fetched and drawn, so a trace of
// millions of events stays responsive — and the causal chain of the selected event ("why is this
// page mapped?"): each link back to the input, the system call it was part of, and its effects.

import { useEffect, useRef, useState } from 'preact/hooks'
import { api, type EventFilter, type ExplorerEvents, type ExplorerWhy } from './api.ts'

interface EventListProps {
  readonly seq: number
  readonly generation: number
  readonly filter: EventFilter
  readonly onFilter: (filter: EventFilter) => void
  readonly onSeq: (seq: number) => void
}

const presets: readonly [string, string][] = [
  ['all', ''],
  ['faults', 'mm.pageFault,hw.pageFault,nt.exceptionRaised'],
  ['system calls', 'nt.syscallEntered,nt.syscallReturned'],
  ['mm', 'mm.*'],
  ['PTE writes', 'hw.pteWritten'],
  ['TLB', 'hw.tlbHit,hw.tlbMiss,hw.tlbFill,hw.tlbEvict,hw.tlbFlush'],
]

export function EventList({ seq, generation, filter, onFilter, onSeq }: EventListProps) {
  const [events, setEvents] = useState<ExplorerEvents | undefined>(undefined)
  const [why, setWhy] = useState<ExplorerWhy | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [draft, setDraft] = useState(filter)
  const scroller = useRef<HTMLDivElement>(null)
  useEffect(() => setDraft(filter), [filter])

  useEffect(() => {
    const controller = new AbortController()
    const timer = setTimeout(() => {
      api.events(seq, filter, controller.signal).then(
        (loaded) => {
          setEvents(loaded)
          setError(undefined)
        },
        (failure: unknown) => {
          if ((failure as Error).name !== 'AbortError') setError((failure as Error).message)
        },
      )
    }, 40)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [seq, filter, generation])

  useEffect(() => {
    if (seq < 0) return setWhy(undefined)
    const controller = new AbortController()
    api.why(seq, controller.signal).then(setWhy, () => undefined)
    return () => controller.abort()
  }, [seq, generation])

  // The current row is brought into view inside the list only: scrollIntoView would scroll the
  // window too, moving the timeline away from under the mouse.
  useEffect(() => {
    const list = scroller.current
    const row = list?.querySelector<HTMLElement>('.event-row.current')
    if (!list || !row) return
    const top = row.offsetTop // the list is the rows' offset parent (position: relative)
    if (top < list.scrollTop || top + row.offsetHeight > list.scrollTop + list.clientHeight)
      list.scrollTop = Math.max(0, top - list.clientHeight / 2)
  }, [events])

  return (
    <div class="events-panel">
      <div class="events-column">
        <div class="panel-head">
          <h2>Events</h2>
          <form
            class="filter"
            onSubmit={(event) => {
              event.preventDefault()
              onFilter(draft)
            }}
          >
            <select
              aria-label="filter preset"
              onChange={(event) => {
                const next = { ...draft, types: (event.target as HTMLSelectElement).value }
                setDraft(next)
                onFilter(next)
              }}
            >
              {presets.map(([label, types]) => (
                <option key={label} value={types} selected={types === filter.types}>
                  {label}
                </option>
              ))}
            </select>
            <input
              type="text"
              placeholder="types: mm.*,hw.pteWritten"
              data-testid="filter-types"
              value={draft.types}
              onInput={(event) => setDraft({ ...draft, types: (event.target as HTMLInputElement).value })}
            />
            <input
              type="text"
              class="short"
              placeholder="pid"
              data-testid="filter-pid"
              value={draft.pid}
              onInput={(event) => setDraft({ ...draft, pid: (event.target as HTMLInputElement).value })}
            />
            <input
              type="text"
              placeholder="address 0x11000"
              data-testid="filter-address"
              value={draft.address}
              onInput={(event) => setDraft({ ...draft, address: (event.target as HTMLInputElement).value })}
            />
            <button type="submit" data-testid="filter-apply">
              filter
            </button>
          </form>
        </div>
        {error === undefined ? null : <p class="inline-error">{error}</p>}
        <div class="event-scroll" data-testid="events" ref={scroller}>
          {events?.moreBefore ? <div class="muted more">… earlier matches</div> : null}
          {events?.events.map((row) => (
            <button
              type="button"
              key={row.seq}
              class={`event-row layer-${row.type.slice(0, 2)}${row.seq === seq ? ' current' : ''}`}
              data-testid="event-row"
              data-seq={row.seq}
              data-type={row.type}
              title={`#${row.seq} ${row.type} — ${row.text}`}
              onClick={() => onSeq(row.seq)}
            >
              <span class="event-seq">#{row.seq}</span>
              <span class="event-type">{row.type}</span>
              <span class="event-text">{row.text}</span>
              {row.cause === null ? null : <span class="event-cause">← #{row.cause}</span>}
            </button>
          ))}
          {events?.events.length === 0 ? <div class="muted more">no event matches</div> : null}
          {events?.moreAfter ? <div class="muted more">later matches …</div> : null}
        </div>
      </div>
      <div class="why-column" data-testid="why">
        <h2>Why? #{why?.seq ?? '—'}</h2>
        {why === undefined ? (
          <p class="muted">Select an event.</p>
        ) : (
          <>
            <ol class="chain">
              {why.chain.map((link, index) => (
                <li key={link.seq} data-testid="why-link" data-seq={link.seq}>
                  <button type="button" class="link" onClick={() => onSeq(link.seq)}>
                    {index === 0 ? '' : '← '}#{link.seq} {link.type}
                  </button>
                  <div class="muted small">{link.text}</div>
                </li>
              ))}
            </ol>
            <p class="muted">
              {why.chain.length <= 1
                ? 'An input: nothing caused it.'
                : `${why.chain.length - 1} link(s) back to the input.`}
              {why.syscall === null
                ? ''
                : ` Inside ${why.syscall.service} of process ${why.syscall.pid} (#${why.syscall.seq}).`}
              {` It caused ${why.effectCount} event(s) directly.`}
            </p>
            {why.effects.length === 0 ? null : (
              <ul class="effects">
                {why.effects.slice(0, 12).map((effect) => (
                  <li key={effect.seq}>
                    <button type="button" class="link" onClick={() => onSeq(effect.seq)}>
                      → #{effect.seq} {effect.type}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </div>
  )
}
