// Page faults by process and kind, counted from the machine's mm.pageFault events. Windows keeps
// only each process's total (VM_COUNTERS.PageFaultCount); a per-kind breakdown per process is what
// WPA derives from ETW's PageFault_TypeGroup1 events (TransitionFault, DemandZeroFault,
// HardPageFault, ...), and the `ws` view derives it the same way from a recorded trace.

/** Faults of each process by mm.pageFault kind ('demand-zero', 'soft', 'hard', ...). */
export type FaultKindCounts = ReadonlyMap<number, Readonly<Record<string, number>>>

/** The event fields counted (an mm.pageFault; other events are skipped). */
type FaultLike = { readonly type: string } & Readonly<Record<string, unknown>>

/**
 * Counts the mm.pageFault events of `events` by pid and kind, and under 'nt' the page tables'
 * own faults (mm.pageTableIn: each level counts in PageFaultCount, NT-PAGING.md §3.4) as the kind
 * 'page table'.
 */
export function countFaultKinds(events: Iterable<FaultLike>): FaultKindCounts {
  const counts = new Map<number, Record<string, number>>()
  for (const event of events) {
    if (event.type !== 'mm.pageFault' && event.type !== 'mm.pageTableIn') continue
    const pid = event.pid as number
    const kind = event.type === 'mm.pageTableIn' ? 'page table' : (event.kind as string)
    const row = counts.get(pid) ?? {}
    row[kind] = (row[kind] ?? 0) + 1
    counts.set(pid, row)
  }
  return counts
}

/** The kinds in the order the views print them: the common ones first, the rest by name. */
export const FAULT_KIND_ORDER = [
  'demand-zero',
  'soft',
  'hard',
  'copy-on-write',
  'shared-data',
  'page table',
] as const

/** `demand-zero 16, soft 3, hard 2` (kinds with a count only), or '' for none. */
export function faultKindsLabel(row: Readonly<Record<string, number>> | undefined): string {
  if (row === undefined) return ''
  const known: readonly string[] = FAULT_KIND_ORDER
  const kinds = [
    ...known,
    ...Object.keys(row)
      .filter((kind) => !known.includes(kind))
      .sort(),
  ]
  return kinds
    .filter((kind) => (row[kind] ?? 0) > 0)
    .map((kind) => `${kind} ${row[kind]}`)
    .join(', ')
}
