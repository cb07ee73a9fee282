// The valibot schemas of the machine trace's low-volume event kinds: every field of every kind,
// checked when a trace is read (a fractional pid, a protection that is not a number, a region type
// that is neither MEM_COMMIT nor MEM_RESERVE, an unknown key are refused as a TraceFormatError naming
// the field). Whether an event holds against the machine it applies to is checked afterwards, as it
// is applied (loadMachineState.ts). The high-volume kinds are typed-array rows whose field types
// machineSchema.ts declares. No NT counterpart: an ETW manifest's field types come closest.

import * as v from 'valibot'
import {
  address,
  byte,
  count,
  integer,
  NT_PAGING_FIELDS,
  pageSet,
  pfnRecord,
  pid,
  uint32,
} from './machineFieldSchemas.js'
import { MEM_COMMIT, MEM_RESERVE } from './memoryConstants.js'
import { SYSCALL_PARAMETERS } from './syscallParameters.js'

/**
 * `schema` whose output is its input unchanged: the trace keeps the event as recorded, so its key
 * order (which the determinism check compares through JSON) is the producer's, not the schema's.
 */
function keepInput(schema: v.GenericSchema): v.GenericSchema {
  return v.pipe(
    v.unknown(),
    v.rawCheck(({ dataset, addIssue }) => {
      const result = v.safeParse(schema, dataset.value)
      if (result.success) return
      const issue = result.issues[0]
      addIssue({
        message: issue.message,
        ...(issue.path === undefined ? {} : { path: issue.path }),
      })
    }),
  )
}

// ---- field types (the basic ones in machineFieldSchemas.ts) ----
const bool = v.boolean()
const text = v.string()

type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue }
const jsonValue: v.GenericSchema<JsonValue> = v.lazy(() =>
  v.union([
    v.number(),
    v.string(),
    v.boolean(),
    v.null(),
    v.array(jsonValue),
    v.record(v.string(), jsonValue),
  ]),
)
const jsonRecord = v.record(v.string(), jsonValue)
const service = v.picklist(Object.keys(SYSCALL_PARAMETERS))

const region = v.strictObject({
  start: address,
  length: count,
  type: v.union([v.literal(MEM_COMMIT), v.literal(MEM_RESERVE)]),
  protect: uint32,
})
const areaRecord = v.strictObject({
  startingAddress: address,
  endingAddress: address,
  type: v.picklist(['SECTION_VIEW', 'SYSTEM', 'VIRTUAL_MEMORY', 'SHARED_DATA', 'PAGED_POOL', 'PEB_OR_TEB']),
  protect: uint32,
  deleteInProgress: bool,
  regions: v.array(region),
  view: v.optional(v.strictObject({ segmentId: count, offsetPages: count, copyOnWriteCharge: count })),
})
const pfnChange = v.strictObject({ before: pfnRecord, after: pfnRecord })
const protectionValue = uint32
const prototypeKind = v.picklist(['RESERVED', 'DEMAND_ZERO', 'VALID', 'TRANSITION', 'PAGE_FILE', 'FILE'])
const prototypeRun = v.tuple([prototypeKind, v.pipe(v.number(), v.safeInteger()), count])
const segmentRecord = v.strictObject({
  id: count,
  kind: v.picklist(['pagefile', 'file', 'image']),
  fileId: v.pipe(v.number(), v.safeInteger(), v.minValue(-1)),
  sizeBytes: count,
  entries: v.array(prototypeRun),
  mappedViews: count,
  sectionReferences: count,
  views: v.array(v.strictObject({ pid, start: address })),
  protections: v.optional(v.array(protectionValue)),
  imagePages: v.optional(v.array(v.nullable(v.array(byte)))),
})
const chargeFigures = v.strictObject({ charge: integer, peak: integer })
const tlbIndex = v.picklist([0, 1, 2])
const pagingMode = v.picklist(['x86', 'x86-pae', 'x64'])
const controlBits = v.strictObject({
  paging: bool,
  writeProtect: bool,
  pageSizeExtension: bool,
  physicalAddressExtension: bool,
  globalPages: bool,
  processContextIds: bool,
  noExecute: bool,
})
const pdptes = v.array(uint32)
const tlbStatistics = v.strictObject({
  lookups: count,
  hits: count,
  misses: count,
  walks: count,
  walkMemoryReferences: count,
  evictions: count,
  flushes: v.strictObject({ full: count, nonGlobal: count, single: count, pcid: count }),
})
const tlbEntry = v.strictObject({
  set: count,
  way: count,
  tag: v.pipe(v.number(), v.finite()),
  frame: count,
  flags: count,
  pcid: count,
  age: v.pipe(v.number(), v.finite()),
})
/** An image section's facts (objectHeader.ts SectionImage; SECTION_IMAGE_INFORMATION as peImage.ts names it). */
const sectionImage = v.strictObject({
  information: v.strictObject({
    transferAddress: count,
    zeroBits: count,
    maximumStackSize: count,
    committedStackSize: count,
    subSystemType: count,
    subSystemMinorVersion: count,
    subSystemMajorVersion: count,
    majorOperatingSystemVersion: count,
    minorOperatingSystemVersion: count,
    imageCharacteristics: uint32,
    dllCharacteristics: uint32,
    machine: uint32,
    imageContainsCode: bool,
    imageFlags: uint32,
    loaderFlags: uint32,
    imageFileSize: count,
    checkSum: uint32,
  }),
  imageBase: count,
  viewSize: count,
  relocatable: bool,
})
const objectBody = v.variant('kind', [
  v.strictObject({ kind: v.literal('Process'), pid, name: text, exited: bool }),
  v.strictObject({ kind: v.literal('Thread'), tid: integer, pid }),
  v.strictObject({
    kind: v.literal('File'),
    fileId: count,
    name: text,
    dataAccess: uint32,
    shareAccess: uint32,
  }),
  v.strictObject({
    kind: v.literal('Section'),
    segmentId: count,
    size: count,
    attributes: uint32,
    protection: uint32,
    fileId: v.pipe(v.number(), v.safeInteger(), v.minValue(-1)),
    name: v.nullable(text),
    image: v.optional(sectionImage),
  }),
])
const objectType = v.picklist(['Process', 'Thread', 'File', 'Section'])

/** The fields of each low-volume kind besides `type`. */
const FIELDS: Readonly<Record<string, v.ObjectEntries | readonly v.ObjectEntries[]>> = {
  // hw-mmu
  'hw.frameZeroed': { pfn: count, previousWords: v.array(uint32) },
  'hw.physicalBytesWritten': { address: count, bytes: v.array(byte), previousBytes: v.array(byte) },
  'hw.tlbFlush': {
    tlb: tlbIndex,
    kind: v.picklist(['full', 'nonGlobal', 'single', 'pcid']),
    address: v.nullable(address),
    pcid: count,
    removed: v.array(tlbEntry),
  },
  'hw.pageFault': {
    address,
    errorCode: uint32,
    access: v.picklist(['read', 'write', 'execute']),
    mode: v.picklist(['user', 'supervisor']),
    previousCr2: address,
  },
  'hw.cr3Loaded': {
    cr3: count,
    pcid: count,
    pdptes: v.nullable(pdptes),
    previousCr3: count,
    previousPcid: count,
    previousPdptes: pdptes,
  },
  'hw.controlChanged': {
    mode: pagingMode,
    control: controlBits,
    pdptes: v.nullable(pdptes),
    previousMode: pagingMode,
    previousControl: controlBits,
    previousPdptes: pdptes,
  },
  'hw.statisticsReset': { previous: v.array(v.nullable(tlbStatistics)) },
  // mm-core
  'mm.addressSpaceCreated': { pid, directoryPfn: count },
  'mm.addressSpaceDeleted': { pid, directoryPfn: count, commitChargePeak: count, workingSetPeak: count },
  'mm.areaInserted': { pid, area: areaRecord },
  'mm.areaRemoved': { pid, area: areaRecord },
  'mm.areaDeleteInProgress': { pid, startingAddress: address, deleteInProgress: bool, previous: bool },
  'mm.regionsAltered': {
    pid,
    areaStart: address,
    start: address,
    length: count,
    newType: v.union([v.literal(MEM_COMMIT), v.literal(MEM_RESERVE)]),
    newProtect: uint32,
    removed: v.array(region),
    added: v.array(region),
  },
  'mm.commitCharged': {
    pid,
    pages: integer,
    before: chargeFigures,
    after: chargeFigures,
    processBefore: chargeFigures,
    processAfter: chargeFigures,
  },
  'mm.pageFault': {
    pid,
    address,
    access: v.picklist(['read', 'write', 'execute']),
    mode: v.picklist(['user', 'supervisor']),
    kind: v.picklist([
      'demand-zero',
      'hard',
      'soft',
      'guard',
      'access-violation',
      'shared-data',
      'spurious',
      'no-memory',
      'copy-on-write',
    ]),
    outcome: v.picklist(['resolved', 'exception']),
    status: uint32,
    cause: text,
  },
  'mm.frameRequested': {
    pfn: count,
    purpose: v.picklist(['private-page', 'page-table', 'system', 'segment-page']),
    pid,
    address,
    before: pfnRecord,
    after: pfnRecord,
  },
  'mm.frameReleased': { pfn: count, before: pfnRecord, after: pfnRecord },
  'mm.mappingCreated': {
    pid,
    address,
    pfn: count,
    protectMask: pfnRecord.entries.protectMask,
    before: pfnRecord,
    after: pfnRecord,
  },
  'mm.mappingDeleted': { pid, address, pfn: count, before: pfnRecord, after: pfnRecord },
  'mm.pageProtectionChanged': {
    pid,
    address,
    pfn: count,
    protectMask: pfnRecord.entries.protectMask,
    previousProtectMask: pfnRecord.entries.protectMask,
  },
  'mm.pageAged': { pfn: count, age: byte, previousAge: byte, movedToTail: bool },
  'mm.pageOut': {
    pid,
    address,
    pfn: count,
    outcome: v.picklist(['modified', 'standby', 'dropped']),
    before: pfnRecord,
    after: pfnRecord,
  },
  'mm.pageWritten': {
    pfn: count,
    slot: count,
    before: pfnRecord,
    after: pfnRecord,
    // The 'nt' policy's modified page writer (machine-trace version 5).
    tick: v.optional(count),
    cluster: v.optional(count),
  },
  'mm.pageIn': { pid, address, pfn: count, slot: count },
  'mm.pageReclaimed': { pid, address, pfn: count, before: pfnRecord, after: pfnRecord },
  'mm.pageFileSlotFreed': { slot: count },
  // mm-core's sections (SECTION_EVENT_TYPES, machine-trace version 4)
  'mm.fileCreated': { fileId: count },
  'mm.fileSizeSet': { fileId: count, size: count, previousSize: count },
  'mm.fileWritten': { fileId: count, offset: count, bytes: v.array(byte), previousBytes: v.array(byte) },
  'mm.segmentCreated': { segment: segmentRecord },
  'mm.segmentExtended': {
    segmentId: count,
    sizeBytes: count,
    pageCount: count,
    previousSizeBytes: count,
    previousPageCount: count,
  },
  'mm.segmentReferenced': { segmentId: count, sectionReferences: count, previous: count },
  'mm.segmentDeleted': {
    segment: segmentRecord,
    cause: v.picklist(['last section reference dropped', 'last view unmapped']),
  },
  'mm.prototypeEntryChanged': {
    segmentId: count,
    page: count,
    kind: prototypeKind,
    value: v.pipe(v.number(), v.safeInteger()),
    previousKind: prototypeKind,
    previousValue: v.pipe(v.number(), v.safeInteger()),
  },
  'mm.viewMapped': { segmentId: count, pid, start: address, mappedViews: count, previous: count },
  'mm.viewUnmapped': { segmentId: count, pid, start: address, mappedViews: count, previous: count },
  'mm.viewChargeSet': { pid, start: address, pages: count, previous: count },
  'mm.copyOnWrite': {
    pid,
    address,
    segmentId: count,
    page: count,
    sharedPfn: count,
    privatePfn: count,
    protectMask: pfnRecord.entries.protectMask,
    shared: pfnChange,
    private: pfnChange,
  },
  'mm.pageModified': { pfn: count, before: pfnRecord, after: pfnRecord },
  'mm.sharedPageOut': {
    pfn: count,
    segmentId: count,
    page: count,
    outcome: v.picklist(['modified', 'standby', 'dropped']),
    before: pfnRecord,
    after: pfnRecord,
  },
  'mm.mappedPageWritten': {
    pfn: count,
    segmentId: count,
    page: count,
    fileId: count,
    offset: count,
    length: count,
    before: pfnRecord,
    after: pfnRecord,
    cause: v.picklist(['modified page writer', 'flush', 'segment deleted']),
  },
  'mm.mappedPageRead': { pid, address, pfn: count, segmentId: count, page: count },
  // mm-core's 'nt' policy (machine-trace version 5)
  ...NT_PAGING_FIELDS,
  // the executive
  'nt.syscallEntered': { pid, service, arguments: jsonRecord },
  'nt.syscallReturned': { pid, service, status: uint32, statusName: text, out: jsonRecord },
  'nt.objectCreated': { objectId: count, objectType, body: objectBody },
  'nt.objectDeleted': { objectId: count, objectType, body: objectBody },
  'nt.objectReferenced': { objectId: count, previousPointerCount: count, pointerCount: count },
  'nt.objectDereferenced': { objectId: count, previousPointerCount: count, pointerCount: count },
  'nt.handleCreated': { pid, handle: count, objectId: count, grantedAccess: uint32, reusedSlot: bool },
  'nt.handleClosed': { pid, handle: count, objectId: count, grantedAccess: uint32 },
  'nt.handleTableCreated': { pid },
  'nt.handleTableDeleted': { pid },
  'nt.processExited': { pid, objectId: count },
  'nt.exceptionRaised': {
    pid,
    code: uint32,
    codeName: text,
    accessKind: v.picklist([0, 1, 8]),
    address,
  },
  'nt.cpuWriteData': { bytes: v.array(byte) },
  'nt.sectionExtended': { objectId: count, size: count, previousSize: count },
  'nt.debugInput': [
    { pid, call: v.literal('writePte'), address, low: uint32, high: uint32 },
    { pid, call: v.literal('invlpg'), address },
    { pid, call: v.literal('noteAccess'), address },
    { pid, call: v.literal('setFutureReferences'), addresses: v.array(address) },
  ],
  // the Kernel's process table
  'nt.processCreated': {
    pid,
    tid: integer,
    name: text,
    processObjectId: count,
    threadObjectId: count,
  },
  'nt.processTerminated': {
    pid,
    processObjectId: count,
    threadObjectId: count,
    lastError: uint32,
    writeWatch: v.array(v.strictObject({ base: address, pages: pageSet })),
  },
  'nt.lastErrorChanged': { pid, value: uint32, previous: uint32 },
  'nt.writeWatchChanged': { pid, base: address, pages: v.nullable(pageSet), previous: v.nullable(pageSet) },
}

/** The schema of low-volume kind `type` (every field; unknown keys refused); undefined for others. */
export function lowVolumeSchema(type: string): v.GenericSchema | undefined {
  const fields = FIELDS[type]
  if (fields === undefined) return undefined
  const withType = (entries: v.ObjectEntries) => v.strictObject({ type: v.literal(type), ...entries })
  return keepInput(
    Array.isArray(fields)
      ? v.variant('call', (fields as readonly v.ObjectEntries[]).map(withType) as never)
      : withType(fields as v.ObjectEntries),
  )
}

/** Every low-volume kind with a schema here (the test checks it is every low-volume kind of the machine schema). */
export const LOW_VOLUME_KINDS: readonly string[] = Object.keys(FIELDS)
