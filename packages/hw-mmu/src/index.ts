// @ntmm/hw-mmu: what a real x86 CPU and its RAM provide — physical frames, the paging structures
// of 32-bit, PAE and 4-level paging, the page walk, the TLB and the page-fault exception. It knows
// nothing about the OS.
export { InvariantError } from './assert.js'
export { checkTlbConsistency } from './checkTlbConsistency.js'
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
export { applyHwEvent, HW_EVENT_TYPES, undoHwEvent } from './events.js'
export { eventLane } from './eventLane.js'
export { LANE_STORE_LIMIT, scalarPieceSize } from './scalarStores.js'
export type { FrameStoreOptions, HwRecorder, HwRecordingLane } from './frameStore.js'
export {
  applyFrameAllocated,
  applyFrameFreed,
  applyFrameZeroed,
  applyPhysicalBytesWritten,
  applyPhysicalWrite,
  FrameDelta,
  FrameStore,
  FrameStoreCheckpoint,
  MAX_FRAME_COUNT,
} from './frameStore.js'
export type { ControlBits, HwConfig } from './hwState.js'
export {
  applyControlChanged,
  applyCr3Loaded,
  applyPageFault,
  defaultControlBits,
  digestHwState,
  HwSnapshot,
  HwState,
  restoreHwState,
  snapshotHwState,
} from './hwState.js'
export type {
  AccessOptions,
  AccessResult,
  CachedTranslation,
  ControlResult,
  FailedAccess,
  FaultHandler,
  FaultResponse,
  MmuOptions,
  MmuStatistics,
  TlbEntryView,
  TranslateResult,
  Translation,
  WalkExplanation,
  WriteResult,
} from './mmu.js'
export { Mmu } from './mmu.js'
export type { CpuFault, GeneralProtectionFault, PageFault } from './pageFault.js'
export {
  decodePageFault,
  PF_INSTRUCTION_FETCH,
  PF_PRESENT,
  PF_RESERVED,
  PF_USER,
  PF_WRITE,
} from './pageFault.js'
export type { EntryLocation, EntryRead } from './pageTableEditor.js'
export { applyPteWritten, PageTableEditor } from './pageTableEditor.js'
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
export type {
  FlushKind,
  ReplacementPolicy,
  TlbConfig,
  TlbIndex,
  TlbLevelConfig,
  TlbName,
  TlbPresetName,
  TlbStatistics,
} from './tlb.js'
export {
  applyTlbEvict,
  applyTlbFill,
  applyTlbHit,
  applyTlbMiss,
  resolveTlbConfig,
  TLB_DATA,
  TLB_DIRTY,
  TLB_EXECUTABLE,
  TLB_GLOBAL,
  TLB_INSTRUCTION,
  TLB_NAMES,
  TLB_PRESETS,
  TLB_SECOND,
  TLB_USER,
  TLB_WRITABLE,
  TlbLevel,
  undoTlbHit,
} from './tlb.js'
export { walkLeafEntries } from './walkLeafEntries.js'
