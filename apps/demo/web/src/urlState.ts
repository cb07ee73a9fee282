// The page's state in its URL, so a view can be shared: the seq; the process and address when the
// user pinned them (otherwise the views follow the current event); the event list's filter
// (types, pid, address); predict mode; and the tour being followed.

import type { EventFilter } from './api.ts'
import { hex, parseAddress } from './format.ts'

/** What the URL holds. */
export interface UrlState {
  readonly seq: number | undefined
  /** A pinned process; undefined: follow the current event's. */
  readonly pid: number | undefined
  /** A pinned address; undefined: follow the current event's. */
  readonly va: number | undefined
  readonly filter: EventFilter
  readonly predict: boolean
  /** The URL of a tour file to load. */
  readonly tour: string | undefined
}

function integer(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined
  const value = Number(text)
  return Number.isInteger(value) ? value : undefined
}

/** Reads the state from `search` (`window.location.search`). */
export function readUrlState(search: string): UrlState {
  const url = new URLSearchParams(search)
  return {
    seq: integer(url.get('seq')),
    pid: integer(url.get('pid')),
    va: parseAddress(url.get('va') ?? ''),
    filter: { types: url.get('types') ?? '', pid: url.get('fpid') ?? '', address: url.get('faddress') ?? '' },
    predict: url.get('predict') === '1',
    tour: url.get('tour') ?? undefined,
  }
}

/** The query string of `state` (`?seq=33&…`). */
export function writeUrlState(state: UrlState): string {
  const params = new URLSearchParams()
  if (state.seq !== undefined) params.set('seq', String(state.seq))
  if (state.pid !== undefined) params.set('pid', String(state.pid))
  if (state.va !== undefined) params.set('va', hex(state.va, 0))
  if (state.filter.types !== '') params.set('types', state.filter.types)
  if (state.filter.pid !== '') params.set('fpid', state.filter.pid)
  if (state.filter.address !== '') params.set('faddress', state.filter.address)
  if (state.predict) params.set('predict', '1')
  if (state.tour !== undefined) params.set('tour', state.tour)
  return `?${params}`
}
