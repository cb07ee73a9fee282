// @ntmm/mm-core: the public surface of the NT memory manager core.
export * from './memoryConstants.js'
export * from './ntStatus.js'
export {
  MmProtection,
  makeProtectionMask,
  maskAllowsExecute,
  maskAllowsRead,
  maskAllowsWrite,
  maskIsCopyOnWrite,
  maskIsGuard,
  protectionMaskToWin32,
} from './protectionMask.js'
export { InvariantError } from './assert.js'
export type { AddressSpaceLayout, Architecture } from './addressSpaceLayout.js'
export { addressSpaceLayout, isSystemAddress } from './addressSpaceLayout.js'
export { AddressSpace } from './addressSpace.js'
export type { MemoryArea, MemoryAreaTypeName, SectionViewInfo } from './memoryArea.js'
export { MemoryAreaType, areaContains, areaLength } from './memoryArea.js'
export type { AreaTreeAugment, GapQuery } from './areaTree.js'
export { AreaTree, checkAreaTree } from './areaTree.js'
export type {
  MmRegion,
  RegionChange,
  RegionEdit,
  RegionList,
  RegionType,
} from './region.js'
export {
  applyRegionEdit,
  checkRegionList,
  committedBytesIn,
  invertRegionEdit,
  mmFindRegion,
  mmInitializeRegion,
  planAlterRegion,
  regionListFrom,
  regionsOf,
  regionsOverlapping,
  sliceRegionList,
} from './region.js'
export type { CommitState } from './mmState.js'
export { canCharge, chargedState } from './commitCharge.js'
export type { PfnEntry, PfnListName, PfnOwner, PfnStateName } from './pfnDatabase.js'
export { PfnDatabase, PfnState } from './pfnDatabase.js'
export { MAX_PAGE_FILE_SLOTS, PageFile } from './pageFile.js'
export type { AddressSpaceState, MmCounters } from './mmState.js'
export { KERNEL_SPACE_ID, MmState } from './mmState.js'
export type { PteView } from './softwarePte.js'
export { prototypePte, readPteView } from './softwarePte.js'
export type {
  AreaRecord,
  MmAddressSpaceCreated,
  MmAddressSpaceDeleted,
  MmAreaDeleteInProgress,
  MmAreaInserted,
  MmAreaRemoved,
  MmCommitCharged,
  MmEvent,
  MmEventType,
  MmFrameReleased,
  MmFrameRequested,
  MmMappingCreated,
  MmMappingDeleted,
  MmPageAged,
  MmPageFault,
  MmPageFileSlotFreed,
  MmPageIn,
  MmPageOut,
  MmPageProtectionChanged,
  MmPageReclaimed,
  MmPageWritten,
  MmRegionsAltered,
  PageFaultKind,
  PfnRecord,
} from './events.js'
export type {
  MmCopyOnWrite,
  MmFileCreated,
  MmFileSizeSet,
  MmFileWritten,
  MmMappedPageRead,
  MmMappedPageWritten,
  MmPageModified,
  MmPrototypeEntryChanged,
  MmSectionEvent,
  MmSegmentCreated,
  MmSegmentDeleted,
  MmSegmentExtended,
  MmSegmentReferenced,
  MmSharedPageOut,
  MmViewChargeSet,
  MmViewMapped,
  MmViewUnmapped,
} from './sectionEvents.js'
export { SECTION_EVENT_TYPES } from './sectionEvents.js'
export { applyMmEvent, areaFromRecord, areaToRecord } from './events.js'
export type { AccessFaultResult, FaultException } from './accessFault.js'
export { exceptionAccessCode } from './accessFault.js'
export type { MmRecorder, ReplacementPolicyName } from './mmCore.js'
export type { CreateAddressSpaceResult } from './processAddressSpace.js'
export type { CreateAreaOptions, CreateAreaResult } from './memoryAreas.js'
export type { MemoryBasicInformation } from './queryMemoryBasicInformation.js'
export type {
  WorkingSetBlock,
  WorkingSetExBlock,
  WorkingSetExInformation,
} from './queryWorkingSet.js'
export type { MmStatistics } from './mmStatistics.js'
export type { MemoryManagerSnapshot } from './memoryManagerSnapshot.js'
export { snapshotHeldBytes } from './memoryManagerSnapshot.js'
export type { MemoryManagerOptions } from './virtualMemoryManager.js'
export {
  MAX_PAGE_FILE,
  MAX_PHYSICAL_MEMORY,
  MINIMUM_RAM_PAGES,
  VirtualMemoryManager,
  areaPages,
} from './virtualMemoryManager.js'
export type { SegmentInfo } from './memoryManager.js'
export { MemoryManager } from './memoryManager.js'
export type { ReferenceCounter } from './ntBalanceSet.js'
export type { MapViewOptions, MapViewResult } from './mapViewOfSection.js'
export type { FlushViewResult } from './flushVirtualMemory.js'
export type { ImageLayout, SegmentResult } from './sectionSegments.js'
export type { SegmentKind, SegmentRecord, ViewReference } from './segment.js'
export type { PrototypeEntryKindName, PrototypeEntryRun } from './prototypeEntries.js'
export { PrototypeEntryKind } from './prototypeEntries.js'
export type { SectionCounters } from './mmState.js'
export { MAXIMUM_FILE_SIZE } from './fileData.js'
export type {
  BalanceSetTickReason,
  MmBalanceSetTick,
  MmClusterWritten,
  MmNtPagingEvent,
  MmPagePrioritySet,
  MmPagesLocked,
  MmPageTableIn,
  MmPageTableTrimmed,
  MmPageZeroed,
  MmSharedEntryAged,
  MmWorkingSetLimitsSet,
  MmWorkingSetTrimmed,
  WorkingSetTrimReason,
} from './ntEvents.js'
export { isNtPagingEvent, NT_PAGING_EVENT_TYPES } from './ntEvents.js'
export type { NtPagingConfig, NtPagingOptions } from './ntPagingOptions.js'
export { resolveNtPagingOptions } from './ntPagingOptions.js'
export type { NtPagingCounters, NtProcessWorkingSet } from './ntPagingState.js'
export {
  MEMORY_PRIORITY_NORMAL,
  QUOTA_LIMITS_HARDWS_MAX_DISABLE,
  QUOTA_LIMITS_HARDWS_MAX_ENABLE,
  QUOTA_LIMITS_HARDWS_MIN_DISABLE,
  QUOTA_LIMITS_HARDWS_MIN_ENABLE,
} from './ntPagingState.js'
export type {
  MemoryListInformation,
  ProcessWorkingSetInformation,
  SystemPagingCounters,
  WorkingSetEntry,
} from './ntPagingInformation.js'
export type { NtServiceStatus, WorkingSetLimits } from './ntWorkingSetServices.js'
export { MemoryListCommand, lockablePages } from './ntWorkingSetServices.js'
