// The page's client of the local server's JSON API (`ntmm serve`): one function per endpoint, each
// rejecting with an ApiError carrying the server's one-line message.

import type {
  ExplorerDensity,
  ExplorerEvents,
  ExplorerFind,
  ExplorerLists,
  ExplorerMeta,
  ExplorerOutcome,
  ExplorerSeries,
  ExplorerState,
  ExplorerStep,
  ExplorerSweep,
  ExplorerWalk,
  ExplorerWhy,
  ExplorerWorkingSets,
} from '../../src/serve/explorerApi.ts'

export type {
  ExplorerDensity,
  AreaInfo,
  AreaTreeNode,
  EventRow,
  ExplorerEvents,
  ExplorerLists,
  ExplorerWorkingSets,
  EventChanges,
  ListMove,
  ExplorerMeta,
  ExplorerOutcome,
  ExplorerSeries,
  ExplorerState,
  ExplorerStep,
  ExplorerSweep,
  ExplorerWalk,
  ExplorerWhy,
  RegionInfo,
  StepSide,
  TlbEntryInfo,
  WalkLevel,
} from '../../src/serve/explorerApi.ts'

/** An answer of the server other than 200, or a network failure. */
export class ApiError extends Error {}

/** The filter of the event list and of "next/previous match". */
export interface EventFilter {
  readonly types: string
  readonly pid: string
  readonly address: string
}

async function getJson<T>(
  path: string,
  params: Record<string, string | number | undefined>,
  signal?: AbortSignal,
) {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.set(name, String(value))
  let response: Response
  try {
    response = await fetch(`${path}?${query}`, signal === undefined ? {} : { signal })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(`the explorer's server does not answer (${(error as Error).message})`)
  }
  return readJson<T>(response)
}

/** The body of an answer: its JSON when 200, else an ApiError with the server's message. */
async function readJson<T>(response: Response): Promise<T> {
  let body: T & { error?: string }
  try {
    body = (await response.json()) as T & { error?: string }
  } catch (error) {
    // Aborted while reading (a newer request replaced this one): not an error to show.
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(`HTTP ${response.status}: the answer is not JSON`)
  }
  if (!response.ok) throw new ApiError(body.error ?? `HTTP ${response.status}`)
  return body
}

const filterParams = (filter: EventFilter) => ({
  types: filter.types.replace(/\s+/g, ''),
  pid: filter.pid.trim(),
  address: filter.address.trim(),
})

export const api = {
  meta: () => getJson<ExplorerMeta>('/api/meta', {}),
  state: (seq: number, pid: number | undefined, signal: AbortSignal) =>
    getJson<ExplorerState>('/api/state', { seq, pid }, signal),
  walk: (seq: number, pid: number | undefined, va: number, signal: AbortSignal) =>
    getJson<ExplorerWalk>('/api/walk', { seq, pid, va }, signal),
  events: (seq: number, filter: EventFilter, signal: AbortSignal) =>
    getJson<ExplorerEvents>('/api/events', { seq, before: 30, after: 70, ...filterParams(filter) }, signal),
  find: (seq: number, direction: 'next' | 'previous', filter: EventFilter) =>
    getJson<ExplorerFind>('/api/find', { seq, direction, ...filterParams(filter) }),
  why: (seq: number, signal: AbortSignal) => getJson<ExplorerWhy>('/api/why', { seq }, signal),
  series: () => getJson<ExplorerSeries>('/api/series', {}),
  density: () => getJson<ExplorerDensity>('/api/density', {}),
  step: (seq: number, signal: AbortSignal) => getJson<ExplorerStep>('/api/step', { seq }, signal),
  outcome: (seq: number) => getJson<ExplorerOutcome>('/api/outcome', { seq }),
  sweep: () => getJson<ExplorerSweep>('/api/sweep', {}),
  lists: (seq: number, signal: AbortSignal) => getJson<ExplorerLists>('/api/lists', { seq }, signal),
  workingSets: () => getJson<ExplorerWorkingSets>('/api/workingsets', {}),
  /** Uploads a trace file's bytes (or asks the server to open a path); resolves to the new meta. */
  async open(source: { file: File } | { path: string }): Promise<ExplorerMeta> {
    const init: RequestInit =
      'file' in source
        ? {
            method: 'POST',
            headers: { 'x-ntmm-explorer': '1', 'content-type': 'application/octet-stream' },
            body: source.file,
          }
        : {
            method: 'POST',
            headers: { 'x-ntmm-explorer': '1', 'content-type': 'application/json' },
            body: JSON.stringify({ path: source.path }),
          }
    const name = 'file' in source ? source.file.name : source.path
    let response: Response
    try {
      response = await fetch(`/api/open?name=${encodeURIComponent(name)}`, init)
    } catch (error) {
      throw new ApiError(`${name}: the upload failed (${(error as Error).message})`)
    }
    return readJson<ExplorerMeta>(response)
  },
}
