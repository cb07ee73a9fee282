// A guided tour: a JSON file a teacher writes (or exports from bookmarks) listing stops — a seq
// with a note, optionally the process and address to show — loaded by URL (`?tour=…`) or picked
// as a file. The format is in docs/explorer.md.

import { parseAddress } from '../format.ts'

/** One stop of a tour. */
export interface TourStop {
  readonly seq: number
  readonly note: string
  readonly pid?: number
  readonly va?: number
}

/** A tour: a title and its stops in order. */
export interface Tour {
  readonly title: string
  /** The trace it was written for (shown; not enforced). */
  readonly trace?: string
  readonly stops: readonly TourStop[]
}

/** Reads a tour from JSON text; throws an Error naming what is wrong (never quoting the text). */
export function parseTour(text: string): Tour {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error('the tour is not JSON')
  }
  const tour = value as { title?: unknown; trace?: unknown; stops?: unknown }
  if (typeof tour !== 'object' || tour === null || !Array.isArray(tour.stops))
    throw new Error('a tour is { "title": …, "stops": [{ "seq": …, "note": … }] }')
  const stops = tour.stops.map((item: unknown, index: number): TourStop => {
    const stop = item as { seq?: unknown; note?: unknown; pid?: unknown; va?: unknown }
    if (typeof stop !== 'object' || stop === null || !Number.isInteger(stop.seq) || (stop.seq as number) < -1)
      throw new Error(`stop ${index + 1}: "seq" must be an integer ≥ -1`)
    if (typeof stop.note !== 'string') throw new Error(`stop ${index + 1}: "note" must be a string`)
    const va =
      typeof stop.va === 'number' ? stop.va : typeof stop.va === 'string' ? parseAddress(stop.va) : undefined
    if (stop.va !== undefined && va === undefined)
      throw new Error(`stop ${index + 1}: "va" must be an address`)
    if (stop.pid !== undefined && !Number.isInteger(stop.pid))
      throw new Error(`stop ${index + 1}: "pid" must be an integer`)
    return {
      seq: stop.seq as number,
      note: stop.note,
      ...(stop.pid === undefined ? {} : { pid: stop.pid as number }),
      ...(va === undefined ? {} : { va }),
    }
  })
  return {
    title: typeof tour.title === 'string' ? tour.title : 'tour',
    ...(typeof tour.trace === 'string' ? { trace: tour.trace } : {}),
    stops,
  }
}
