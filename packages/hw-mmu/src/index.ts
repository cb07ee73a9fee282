// @ntmm/hw-mmu: what a real x86 CPU and its RAM provide — physical frames, the paging structures
// of 32-bit, PAE and 4-level paging, the page walk, the TLB and the page-fault exception. It knows
// nothing about the OS. This is the public API (docs/versioning.md); the fine-grained apply
// functions the other ntmm packages share are in './internal.js' (`@ntmm/hw-mmu/internal`).
export type {
  AccessOptions,
  AccessResult,
  FailedAccess,
  TranslateResult,
  Translation,
  WriteResult,
} from './accessResult.js'
export { AccessRun, RUN_EXECUTE, RUN_READ, RUN_WRITE } from './accessRun.js'
export { applyHwEvent, undoHwEvent } from './applyHwEvent.js'
export { InvariantError } from './assert.js'
export { checkTlbConsistency } from './checkTlbConsistency.js'
export type { ControlBits } from './controlBits.js'
export { defaultControlBits } from './controlBits.js'
export type { ControlResult } from './controlRegisters.js'
export type {
  HwAccessedDirtySet,
  HwControlChanged,
  HwCr3Loaded,
  HwEvent,
  HwFrameAllocated,
  HwFrameFreed,
  HwFrameZeroed,
  HwPageFault,
  HwPageWalk,
  HwPhysicalBytesWritten,
  HwPhysicalWrite,
  HwPteWritten,
  HwStatisticsReset,
  HwTlbEvict,
  HwTlbFill,
  HwTlbFlush,
  HwTlbHit,
  HwTlbMiss,
  TlbEntryRecord,
} from './events.js'
export { HW_EVENT_TYPES } from './events.js'
export { eventLane } from './eventLane.js'
export { LANE_STORE_LIMIT, scalarPieceSize } from './scalarStores.js'
export type { FrameStoreOptions } from './frameStore.js'
export { FrameDelta } from './frameDelta.js'
export { FrameStore, MAX_FRAME_COUNT } from './frameStore.js'
export { FrameStoreCheckpoint } from './frameStoreCheckpoint.js'
export type { HwRecorder, HwRecordingLane } from './hwRecorder.js'
export type { HwConfig } from './hwState.js'
export { digestHwState, HwSnapshot, HwState, restoreHwState, snapshotHwState } from './hwState.js'
export type { MmuOptions } from './mmu.js'
export { Mmu } from './mmu.js'
export type { CachedTranslation, MmuStatistics, TlbEntryView, WalkExplanation } from './mmuInspection.js'
export type {
  CpuFault,
  FaultHandler,
  FaultResponse,
  GeneralProtectionFault,
  PageFault,
} from './pageFault.js'
export {
  decodePageFault,
  PF_INSTRUCTION_FETCH,
  PF_PRESENT,
  PF_RESERVED,
  PF_USER,
  PF_WRITE,
} from './pageFault.js'
export type { EntryLocation, EntryRead } from './pageTableEditor.js'
export { PageTableEditor } from './pageTableEditor.js'
export type { WalkLevel } from './pageWalker.js'
export type { AccessKind, PagingMode, PrivilegeMode } from './paging.js'
export {
  entryName,
  entrySize,
  isPagingMode,
  levelCount,
  PAGE_SHIFT,
  PAGE_SIZE,
  PAGING_MODES,
  x64AddressFromBigInt,
  x64AddressToBigInt,
} from './paging.js'
export type { DecodedEntry, EntryValue, PteFields } from './pte.js'
export {
  decodePte,
  encodePte,
  maxPfn,
  PTE_ACCESSED,
  PTE_CACHE_DISABLE,
  PTE_DIRTY,
  PTE_FRAME_MASK,
  PTE_GLOBAL,
  PTE_HIGH_NO_EXECUTE,
  PTE_LARGE_PAGE,
  PTE_PRESENT,
  PTE_SOFTWARE_MASK,
  PTE_SOFTWARE_SHIFT,
  PTE_USER,
  PTE_WRITABLE,
  PTE_WRITE_THROUGH,
  reservedBits,
} from './pte.js'
export {
  TLB_DIRTY,
  TLB_EXECUTABLE,
  TLB_GLOBAL,
  TLB_USER,
  TLB_WRITABLE,
  TlbLevel,
} from './tlb.js'
export type {
  FlushKind,
  ReplacementPolicy,
  TlbConfig,
  TlbIndex,
  TlbLevelConfig,
  TlbName,
  TlbPresetName,
  TlbStatistics,
} from './tlbConfig.js'
export {
  resolveTlbConfig,
  TLB_DATA,
  TLB_INSTRUCTION,
  TLB_NAMES,
  TLB_PRESETS,
  TLB_SECOND,
} from './tlbConfig.js'
export { walkLeafEntries } from './walkLeafEntries.js'
