// Commit charge (Windows MmTotalCommittedPages / MmTotalCommitLimit, per-process
// EPROCESS.CommitCharge and CommitChargePeak; ReactOS MmReserveSwapPages in the source article):
// every committed private page is charged against the commit limit, RAM plus page file, when it is
// committed — not when it is first touched — so a later demand-zero fault can always be satisfied.
// Windows fails a commit past the limit with STATUS_COMMITMENT_LIMIT; ReactOS never checks.

import type { MmCore } from './mmCore.js'
import type { CommitState } from './mmState.js'

/** Whether `pages` more can be charged (a negative count always can). */
export function canCharge(state: CommitState, pages: number): boolean {
  return pages <= 0 || state.charge + pages <= state.limit
}

/** The state after charging `pages` (negative = return). */
export function chargedState(state: CommitState, pages: number): CommitState {
  const charge = state.charge + pages
  return { charge, peak: Math.max(state.peak, charge), limit: state.limit }
}

/**
 * Charge `pages` (negative: return them) to the system and to process `pid` (mm.commitCharged).
 * The caller has checked {@link canCharge} first.
 */
export function chargeCommit(core: MmCore, pid: number, pages: number): void {
  const before = core.state.commit
  const after = chargedState(before, pages)
  const process = core.state.space(pid)
  const processBefore = { charge: process?.commitCharge ?? 0, peak: process?.commitChargePeak ?? 0 }
  const processCharge = processBefore.charge + pages
  core.emit({
    type: 'mm.commitCharged',
    pid,
    pages,
    before: { charge: before.charge, peak: before.peak },
    after: { charge: after.charge, peak: after.peak },
    processBefore,
    processAfter: { charge: processCharge, peak: Math.max(processBefore.peak, processCharge) },
  })
}
