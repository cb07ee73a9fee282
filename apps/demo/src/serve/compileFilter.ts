// The explorer's event filter as a TraceQuery match: exact types go to the query's per-block type
// summaries (so a search skips blocks without them), prefixes and a pid to a predicate, an address
// range to the query's address match.

/** Which events the list, the searches and the timeline's "next match" keep. */
export interface ExplorerFilter {
  /** Types; a pattern ending in '.' or '*' matches a prefix (`mm.*`). Empty or absent: every type. */
  readonly types?: readonly string[]
  readonly pid?: number
  /** Events with an address field in [low, high). */
  readonly address?: { readonly low: number; readonly high: number }
}

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

/** The TraceQuery match of a filter. */
export function compileFilter(filter: ExplorerFilter) {
  const types = (filter.types ?? []).filter((type) => type !== '')
  const exact = types.filter((type) => !type.endsWith('.') && !type.endsWith('*'))
  const prefixes = types
    .filter((type) => type.endsWith('.') || type.endsWith('*'))
    .map((type) => type.replace(/\*$/, ''))
  const typeTest =
    types.length === 0
      ? undefined
      : (type: string) => exact.includes(type) || prefixes.some((prefix) => type.startsWith(prefix))
  const where =
    typeTest === undefined && filter.pid === undefined
      ? undefined
      : (event: AnyEvent) =>
          (typeTest === undefined || typeTest(event.type)) &&
          (filter.pid === undefined || event.pid === filter.pid)
  // Exact types alone go through the query's per-block type summaries, so a search skips blocks.
  const onlyExact = types.length > 0 && prefixes.length === 0
  return {
    ...(onlyExact ? { type: exact } : {}),
    ...(filter.address === undefined ? {} : { address: filter.address }),
    ...(where === undefined ? {} : { where }),
  } as never
}
