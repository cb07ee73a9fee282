// Commit charge (Windows MmTotalCommittedPages / MmTotalCommitLimit, per-process
// EPROCESS.CommitCharge and CommitChargePeak; ReactOS MmReserveSwapPages in the source article):
// every committed private page is charged against the commit limit, RAM plus page file, when it is
// committed — not when it is first touched — so a later demand-zero fault can always be satisfied.
// Windows fails a commit past the limit with STATUS_COMMITMENT_LIMIT; ReactOS never checks.

/** The system-wide commit state, in pages. */
export interface CommitState {
  /** Pages charged now (MmTotalCommittedPages). */
  readonly charge: number
  /** Highest charge seen (MmPeakCommitment). */
  readonly peak: number
  /** The limit (MmTotalCommitLimit): RAM pages plus page-file pages. */
  readonly limit: number
}

/** Whether `pages` more can be charged (a negative count always can). */
export function canCharge(state: CommitState, pages: number): boolean {
  return pages <= 0 || state.charge + pages <= state.limit
}

/** The state after charging `pages` (negative = return). */
export function chargedState(state: CommitState, pages: number): CommitState {
  const charge = state.charge + pages
  return { charge, peak: Math.max(state.peak, charge), limit: state.limit }
}
