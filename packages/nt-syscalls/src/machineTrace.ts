// The machine trace: one @ntmm/trace log holding every input (system calls, memory accesses,
// process creation) and every event of every layer (hw-mmu, mm-core, the executive, the Kernel's
// own state) in one sequence, with causes. Per-access kinds (the access itself, TLB hits, misses,
// fills, walks, accessed/dirty updates, small physical writes, PTE writes) are high-volume
// typed-array columns, appended without creating objects; rare kinds are frozen objects.
// `machineModel` plugs the whole machine into trace's Timeline: a MemoryManager (hw + mm state),
// the object-manager state and the Kernel state, applied through the layers' own apply functions.

import type { HwEvent, HwTlbFill, TlbConfig, TlbPresetName } from '@ntmm/hw-mmu'
import { applyTlbHit, undoHwEvent, undoTlbHit } from '@ntmm/hw-mmu'
import {
  MemoryManager,
  type MemoryManagerOptions,
  type MemoryManagerSnapshot,
  type MmEvent,
  snapshotHeldBytes,
} from '@ntmm/mm-core'
import {
  defineSchema,
  NO_CAUSE,
  type RowAppender,
  StateHasher,
  TraceLog,
  type TraceModel,
  type TraceSchema,
} from '@ntmm/trace'
import * as v from 'valibot'
import { InvariantError } from './assert.js'
import { applyNtEvent, type NtCpuAccessEvent, type NtEvent, revertNtEvent } from './events.js'
import {
  applyKernelEvent,
  KERNEL_EVENT_TYPES,
  type KernelEvent,
  KernelState,
  revertKernelEvent,
} from './kernelState.js'
import type { DebugCall } from './kernelDebug.js'
import { ObjectManagerState } from './objectManagerState.js'
import type { Arch } from './userAddressLimits.js'

/** The first pid handed out; pids are multiples of 4 (4, 8, 12, ...), never reused. */
export const FIRST_PID = 4

/** The configuration a machine is built from (the trace header carries it). */
export interface MachineConfig {
  readonly arch: Arch
  readonly physicalMemory: number
  readonly pageFile: number
  readonly tlb: TlbConfig | TlbPresetName | null
  readonly replacementPolicy: 'working-set' | 'fifo' | 'lru' | 'clock' | 'opt'
  readonly seed: number
}

/** Access codes of `nt.cpuAccess` rows (the exception-record access kinds). */
export const ACCESS_CODE = { read: 0, write: 1, execute: 8 } as const

/** A memory access made by a thread (an input), as the trace stores it. */
export interface MachineCpuAccessEvent {
  readonly type: 'nt.cpuAccess'
  readonly pid: number
  /** 0 read, 1 write, 8 execute. */
  readonly access: number
  readonly address: number
  readonly length: number
  /** A write: its bytes 0 to 3, little-endian (a longer write's bytes from 8 on follow as nt.cpuWriteWords rows). */
  readonly value: number
  /** A write of 5 bytes or more: bytes 4 to 7, little-endian. */
  readonly valueHigh: number
  /**
   * The TLB hit of the access's first lookup, when that lookup was the first thing the access
   * did and hit: level × 2^24 + entry index (set × ways + way); else -1 (then the lookup's own
   * events follow the access). Stored with the access so a hit costs no row of its own.
   */
  readonly tlbHit: number
  /** The hit entry's age before the hit (for stepping back over it); 0 without a hit. */
  readonly tlbHitAge: number
}

/** Level of a `tlbHit` of {@link MachineCpuAccessEvent} (the entry index is `tlbHit & 0xffffff`). */
export const TLB_HIT_LEVEL_SHIFT = 24
// Module constants for the recording hot path: under a CommonJS transform of ESM (tsx runs the
// benches that way) each read of an exported or imported binding is a getter call.
const HIT_LEVEL_SHIFT = 24
const NONE = NO_CAUSE

/**
 * The bytes of a write longer than 8 bytes, as traces of machine-trace version 2 carry them
 * (an input; its cause is the access). Version 3 records {@link MachineCpuWriteWordsEvent} rows
 * instead; this kind stays readable and re-executable.
 */
export interface MachineCpuWriteDataEvent {
  readonly type: 'nt.cpuWriteData'
  readonly bytes: readonly number[]
}

/**
 * Sixteen bytes of a write longer than 8 bytes (an input; its cause is the access): the access
 * row carries bytes 0 to 7, then row k carries bytes 8 + 16k to 23 + 16k as four little-endian
 * words (zero past the write's end). A 16-byte SSE store is one row, a 32-byte AVX store two.
 */
export interface MachineCpuWriteWordsEvent {
  readonly type: 'nt.cpuWriteWords'
  readonly w0: number
  readonly w1: number
  readonly w2: number
  readonly w3: number
}

/** Bytes of a write carried by its access row (value, valueHigh); the rest go in nt.cpuWriteWords rows. */
export const ACCESS_ROW_DATA_BYTES = 8
/** Bytes of a write per nt.cpuWriteWords row. */
export const WRITE_WORDS_ROW_BYTES = 16

/**
 * A call of `kernel.debug` that changes the machine (an input, like a system call): its effects
 * (PTE writes, TLB flushes, CR3 loads) are caused by it. It changes no state by itself.
 */
export type MachineDebugInputEvent = { readonly type: 'nt.debugInput'; readonly pid: number } & DebugCall

/** A TLB fill as the trace stores it: the entry written and the tag it replaced (see docs/time-travel.md). */
export type MachineTlbFillEvent = Pick<
  HwTlbFill,
  'type' | 'tlb' | 'set' | 'way' | 'tag' | 'frame' | 'flags' | 'pcid' | 'previousTag'
>

/** Every event of the machine trace. */
export type MachineEvent =
  | Exclude<HwEvent, HwTlbFill>
  | MachineTlbFillEvent
  | MmEvent
  | Exclude<NtEvent, NtCpuAccessEvent>
  | MachineCpuAccessEvent
  | MachineCpuWriteDataEvent
  | MachineCpuWriteWordsEvent
  | MachineDebugInputEvent
  | KernelEvent

const MM_TYPES = [
  'mm.addressSpaceCreated',
  'mm.addressSpaceDeleted',
  'mm.areaInserted',
  'mm.areaRemoved',
  'mm.areaDeleteInProgress',
  'mm.regionsAltered',
  'mm.commitCharged',
  'mm.pageFault',
  'mm.frameRequested',
  'mm.frameReleased',
  'mm.mappingCreated',
  'mm.mappingDeleted',
  'mm.pageProtectionChanged',
  'mm.pageAged',
  'mm.pageOut',
  'mm.pageWritten',
  'mm.pageIn',
  'mm.pageReclaimed',
  'mm.pageFileSlotFreed',
] as const satisfies readonly MmEvent['type'][]

const NT_TYPES = [
  'nt.syscallEntered',
  'nt.syscallReturned',
  'nt.objectCreated',
  'nt.objectDeleted',
  'nt.objectReferenced',
  'nt.objectDereferenced',
  'nt.handleCreated',
  'nt.handleClosed',
  'nt.handleTableCreated',
  'nt.handleTableDeleted',
  'nt.processExited',
  'nt.exceptionRaised',
  'nt.cpuWriteData',
  'nt.debugInput',
] as const

const LOW_HW_TYPES = [
  'hw.frameZeroed',
  'hw.physicalBytesWritten',
  'hw.tlbFlush',
  'hw.pageFault',
  'hw.cr3Loaded',
  'hw.controlChanged',
  'hw.statisticsReset',
] as const

const ADDRESS_KINDS: Readonly<Record<string, readonly string[]>> = {
  'hw.pageFault': ['address'],
  'mm.pageFault': ['address'],
  'mm.frameRequested': ['address'],
  'mm.mappingCreated': ['address'],
  'mm.mappingDeleted': ['address'],
  'mm.pageProtectionChanged': ['address'],
  'mm.pageOut': ['address'],
  'mm.pageIn': ['address'],
  'mm.pageReclaimed': ['address'],
  'nt.exceptionRaised': ['address'],
}

function lowKind(type: string) {
  const addressFields = ADDRESS_KINDS[type]
  return {
    volume: 'low' as const,
    schema: v.looseObject({ type: v.literal(type) }),
    ...(addressFields === undefined ? {} : { addressFields }),
  }
}

function buildSchema(): TraceSchema<MachineEvent> {
  const kinds: Record<string, unknown> = {
    'nt.cpuAccess': {
      volume: 'high',
      fields: {
        pid: 'u32',
        access: 'u8',
        address: 'f64',
        length: 'u32',
        value: 'u32',
        valueHigh: 'u32',
        tlbHit: 'i32',
        tlbHitAge: 'f64',
      },
      addressFields: ['address'],
    },
    'hw.tlbHit': { volume: 'high', fields: { tlb: 'u8', set: 'u32', way: 'u8', previousAge: 'f64' } },
    'hw.tlbMiss': { volume: 'high', fields: { tlb: 'u8' } },
    'hw.tlbFill': {
      volume: 'high',
      fields: {
        tlb: 'u8',
        set: 'u32',
        way: 'u8',
        tag: 'f64',
        frame: 'f64',
        flags: 'f64',
        pcid: 'u16',
        previousTag: 'f64',
      },
    },
    'hw.tlbEvict': {
      volume: 'high',
      fields: {
        tlb: 'u8',
        set: 'u32',
        way: 'u8',
        tag: 'f64',
        frame: 'f64',
        flags: 'f64',
        pcid: 'u16',
        age: 'f64',
      },
    },
    'hw.pageWalk': {
      volume: 'high',
      fields: { tlb: 'u8', address: 'f64', memoryReferences: 'u8' },
      addressFields: ['address'],
    },
    'hw.accessedDirtySet': {
      volume: 'high',
      fields: { address: 'f64', level: 'u8', oldValue: 'f64', newValue: 'f64' },
    },
    'hw.physicalWrite': {
      volume: 'high',
      fields: { address: 'f64', size: 'u8', value: 'f64', previousValue: 'f64' },
    },
    'hw.pteWritten': {
      volume: 'high',
      fields: {
        address: 'f64',
        level: 'u8',
        size: 'u8',
        oldLow: 'f64',
        oldHigh: 'f64',
        newLow: 'f64',
        newHigh: 'f64',
      },
    },
    'hw.frameAllocated': { volume: 'high', fields: { pfn: 'u32' } },
    'hw.frameFreed': { volume: 'high', fields: { pfn: 'u32' } },
  }
  for (const type of [...LOW_HW_TYPES, ...MM_TYPES, ...NT_TYPES, ...KERNEL_EVENT_TYPES])
    kinds[type] = lowKind(type)
  // Added in machine-trace version 3, last so the kind ids of version 2 stay what they were.
  kinds['nt.cpuWriteWords'] = { volume: 'high', fields: { w0: 'u32', w1: 'u32', w2: 'u32', w3: 'u32' } }
  return defineSchema<MachineEvent>({ kinds } as unknown as Parameters<typeof defineSchema<MachineEvent>>[0])
}

/** The schema of the machine trace (one instance; kind ids are stable across runs). */
export const machineSchema: TraceSchema<MachineEvent> = buildSchema()

/** Producer written into trace headers. */
export const MACHINE_TRACE_PRODUCER = { name: '@ntmm/nt-syscalls', version: '3' } as const

/**
 * Appends a machine's events to a TraceLog: high-volume kinds through typed-array appenders (no
 * object kept), the rest as frozen objects. Live events are trusted (not re-validated).
 *
 * An access is held back until the next event (`beginAccess`): when that event is the TLB hit
 * of the access's first lookup (`tlbHit`), both become one `nt.cpuAccess` row; anything else
 * writes the access first. So an access that only hits the TLB appends one row, and a stream of
 * such accesses is one run of one kind.
 */
export class MachineRecorder {
  readonly log: TraceLog<MachineEvent>
  readonly #access: RowAppender
  readonly #hit: RowAppender
  readonly #miss: RowAppender
  readonly #fill: RowAppender
  readonly #evict: RowAppender
  readonly #walk: RowAppender
  readonly #accessedDirty: RowAppender
  readonly #physicalWrite: RowAppender
  readonly #pteWritten: RowAppender
  readonly #frameAllocated: RowAppender
  readonly #frameFreed: RowAppender
  readonly #writeWords: RowAppender
  /** Ways of each TLB level (to number a merged hit's entry). */
  readonly #ways: readonly number[]
  // The access held back (seq -1: none).
  #pendingSeq = -1
  #pid = 0
  #accessCode = 0
  #address = 0
  #length = 0
  #value = 0
  #valueHigh = 0
  /** The seq the next event gets (checked whenever the held-back access is written). */
  #next: number
  /**
   * The cause stack of the producer (the Kernel's: system call, access, fault); events of the
   * recording lane are caused by its top, or by nothing when it is empty.
   */
  causes: readonly number[] = []

  /** `ways`: the number of ways of each TLB level (data, instruction, second; 0 when absent). */
  constructor(
    log: TraceLog<MachineEvent> = new TraceLog(machineSchema, { validateLowVolume: false }),
    ways: readonly number[] = [],
  ) {
    this.log = log
    this.#next = log.length
    this.#ways = ways
    this.#access = log.appender('nt.cpuAccess')
    this.#hit = log.appender('hw.tlbHit')
    this.#miss = log.appender('hw.tlbMiss')
    this.#fill = log.appender('hw.tlbFill')
    this.#evict = log.appender('hw.tlbEvict')
    this.#walk = log.appender('hw.pageWalk')
    this.#accessedDirty = log.appender('hw.accessedDirtySet')
    this.#physicalWrite = log.appender('hw.physicalWrite')
    this.#pteWritten = log.appender('hw.pteWritten')
    this.#frameAllocated = log.appender('hw.frameAllocated')
    this.#frameFreed = log.appender('hw.frameFreed')
    this.#writeWords = log.appender('nt.cpuWriteWords')
  }

  /**
   * Records the bytes of write `data` past the first 8 (which its access row carries) as
   * nt.cpuWriteWords rows caused by the access `cause`. Returns the seq of the first row, or -1
   * for a write of 8 bytes or fewer (nothing to record; a held-back access stays held back).
   */
  writeData(data: ArrayLike<number>, cause: number): number {
    if (data.length <= ACCESS_ROW_DATA_BYTES) return -1
    if (this.#pendingSeq >= 0) this.flushAccess()
    const first = this.#next
    for (let offset = ACCESS_ROW_DATA_BYTES; offset < data.length; offset += WRITE_WORDS_ROW_BYTES) {
      this.#next =
        this.#writeWords.append(
          littleEndian(data, offset, 4),
          littleEndian(data, offset + 4, 4),
          littleEndian(data, offset + 8, 4),
          littleEndian(data, offset + 12, 4),
          cause,
        ) + 1
    }
    return first
  }

  /** Record a memory access (an input) at once; returns its seq. */
  access(
    pid: number,
    access: number,
    address: number,
    length: number,
    value: number,
    valueHigh: number,
  ): number {
    this.flushAccess()
    const seq = this.#access.append(pid, access, address, length, value, valueHigh, -1, 0)
    this.#next = seq + 1
    return seq
  }

  /**
   * Start recording a memory access (an input): returns the seq it gets. Its row is written by
   * the next event recorded (merged with it when that is the access's TLB hit) or by
   * {@link MachineRecorder.flushAccess}, which the caller must call when the access ends.
   */
  beginAccess(
    pid: number,
    access: number,
    address: number,
    length: number,
    value: number,
    valueHigh: number,
  ): number {
    if (this.#pendingSeq >= 0) this.flushAccess()
    // Every append of this recorder's log goes through it: the next seq follows the last one
    // (log.length would be a call on whichever appender owns the open run).
    const seq = this.#next
    this.#pendingSeq = seq
    this.#pid = pid
    this.#accessCode = access
    this.#address = address
    this.#length = length
    this.#value = value
    this.#valueHigh = valueHigh
    return seq
  }

  /** Write the access held back by {@link MachineRecorder.beginAccess}, if any. */
  flushAccess(): void {
    if (this.#pendingSeq >= 0) this.#writeAccess(-1, 0)
  }

  /** Writes the held-back access's row with its TLB hit (`tlbHit` -1: none); returns its seq. */
  #writeAccess(tlbHit: number, tlbHitAge: number): number {
    const seq = this.#pendingSeq
    this.#pendingSeq = -1
    const written = this.#access.append(
      this.#pid,
      this.#accessCode,
      this.#address,
      this.#length,
      this.#value,
      this.#valueHigh,
      tlbHit,
      tlbHitAge,
    )
    if (written !== seq) throw new InvariantError(`access recorded at ${written}, expected ${seq}`)
    this.#next = seq + 1
    return seq
  }

  /**
   * hw-mmu's recording lane (`HwRecordingLane`): a TLB hit caused by the top of {@link causes}
   * (the access, or the fault being handled). The recorder itself is the lane when nothing else
   * listens, so the MMU's call site sees one class.
   */
  tlbHit(tlb: number, set: number, way: number, previousAge: number): void {
    this.recordTlbHit(tlb, set, way, previousAge, this.#top())
  }

  /** hw-mmu's recording lane: a store of 1, 2 or 4 bytes caused by the top of {@link causes}. */
  physicalWrite(address: number, size: number, value: number, previousValue: number): void {
    this.recordPhysicalWrite(address, size, value, previousValue, this.#top())
  }

  /** The cause of a lane event: the top of {@link causes} (NONE when empty). */
  #top(): number {
    const causes = this.causes
    const depth = causes.length
    return depth === 0 ? NONE : (causes[depth - 1] as number)
  }

  /** hw-mmu's recording lane: hw.tlbMiss, caused by the top of {@link causes}. */
  tlbMiss(tlb: number): void {
    if (this.#pendingSeq >= 0) this.flushAccess()
    this.#next = this.#miss.append(tlb, this.#top()) + 1
  }

  /** hw-mmu's recording lane: hw.pageWalk, caused by the top of {@link causes}. */
  pageWalk(tlb: number, address: number, memoryReferences: number): void {
    if (this.#pendingSeq >= 0) this.flushAccess()
    this.#next = this.#walk.append(tlb, address, memoryReferences, this.#top()) + 1
  }

  /** hw-mmu's recording lane: hw.tlbEvict, caused by the top of {@link causes}. */
  tlbEvict(
    tlb: number,
    set: number,
    way: number,
    tag: number,
    frame: number,
    flags: number,
    pcid: number,
    age: number,
  ): void {
    if (this.#pendingSeq >= 0) this.flushAccess()
    this.#next = this.#evict.append(tlb, set, way, tag, frame, flags, pcid, age, this.#top()) + 1
  }

  /**
   * hw-mmu's recording lane: hw.tlbFill, caused by the top of {@link causes}. The trace keeps the
   * previous tag only (as `#recordNow` does): the rest of the entry before is the eviction's.
   */
  tlbFill(
    tlb: number,
    set: number,
    way: number,
    tag: number,
    frame: number,
    flags: number,
    pcid: number,
    previousTag: number,
  ): void {
    if (this.#pendingSeq >= 0) this.flushAccess()
    this.#next = this.#fill.append(tlb, set, way, tag, frame, flags, pcid, previousTag, this.#top()) + 1
  }

  /** hw-mmu's recording lane: hw.accessedDirtySet, caused by the top of {@link causes}. */
  accessedDirtySet(address: number, level: number, oldValue: number, newValue: number): void {
    if (this.#pendingSeq >= 0) this.flushAccess()
    this.#next = this.#accessedDirty.append(address, level, oldValue, newValue, this.#top()) + 1
  }

  /** Record hw.tlbHit with `cause`; returns its seq (the access's when merged into it). */
  recordTlbHit(tlb: number, set: number, way: number, previousAge: number, cause: number): number {
    const pending = this.#pendingSeq
    if (pending >= 0) {
      if (pending === cause)
        return this.#writeAccess((tlb << HIT_LEVEL_SHIFT) + set * (this.#ways[tlb] ?? 1) + way, previousAge)
      this.flushAccess()
    }
    const seq = this.#hit.append(tlb, set, way, previousAge, cause)
    this.#next = seq + 1
    return seq
  }

  /** Record hw.physicalWrite with `cause`; returns its seq. */
  recordPhysicalWrite(
    address: number,
    size: number,
    value: number,
    previousValue: number,
    cause: number,
  ): number {
    if (this.#pendingSeq >= 0) this.flushAccess()
    const seq = this.#physicalWrite.append(address, size, value, previousValue, cause)
    this.#next = seq + 1
    return seq
  }

  /** Record any event of any layer with `cause` (NO_CAUSE for none); returns its seq. */
  record(event: MachineEvent | { readonly type: string }, cause: number): number {
    if (this.#pendingSeq >= 0) this.flushAccess()
    const seq = this.#recordNow(event, cause)
    this.#next = seq + 1
    return seq
  }

  #recordNow(event: MachineEvent | { readonly type: string }, cause: number): number {
    const e = event as HwEvent
    switch (e.type) {
      case 'hw.tlbHit':
        return this.#hit.append(e.tlb, e.set, e.way, e.previousAge, cause)
      case 'hw.tlbMiss':
        return this.#miss.append(e.tlb, cause)
      case 'hw.tlbFill':
        return this.#fill.append(e.tlb, e.set, e.way, e.tag, e.frame, e.flags, e.pcid, e.previousTag, cause)
      case 'hw.tlbEvict':
        return this.#evict.append(e.tlb, e.set, e.way, e.tag, e.frame, e.flags, e.pcid, e.age, cause)
      case 'hw.pageWalk':
        return this.#walk.append(e.tlb, e.address, e.memoryReferences, cause)
      case 'hw.accessedDirtySet':
        return this.#accessedDirty.append(e.address, e.level, e.oldValue, e.newValue, cause)
      case 'hw.physicalWrite':
        return this.#physicalWrite.append(e.address, e.size, e.value, e.previousValue, cause)
      case 'hw.physicalBytesWritten': {
        // A store of 1, 2 or 4 bytes is the same state change as a scalar physical write.
        const n = e.bytes.length
        if (n === 1 || n === 2 || n === 4) {
          return this.#physicalWrite.append(
            e.address,
            n,
            littleEndian(e.bytes),
            littleEndian(e.previousBytes),
            cause,
          )
        }
        break
      }
      case 'hw.pteWritten':
        return this.#pteWritten.append(
          e.address,
          e.level,
          e.size,
          e.oldLow,
          e.oldHigh,
          e.newLow,
          e.newHigh,
          cause,
        )
      case 'hw.frameAllocated':
        return this.#frameAllocated.append(e.pfn, cause)
      case 'hw.frameFreed':
        return this.#frameFreed.append(e.pfn, cause)
      default:
        break
    }
    return this.log.append(event as MachineEvent, cause === NONE ? {} : { cause })
  }
}

/** Little-endian value of up to 4 bytes of `bytes` from `offset` (unsigned). */
export function littleEndian(bytes: ArrayLike<number>, offset = 0, count = bytes.length - offset): number {
  let value = 0
  for (let index = Math.min(bytes.length, offset + count) - 1; index >= offset; index--)
    value = value * 256 + (bytes[index]! & 0xff)
  return value
}

/** The whole machine's state, as time travel rebuilds it. */
export interface MachineState {
  /** The memory manager and its machine (hw-mmu state inside: `mm.mmu.state`). */
  readonly mm: MemoryManager
  readonly ob: ObjectManagerState
  readonly kernel: KernelState
}

/** A checkpoint of {@link MachineState}. */
export interface MachineSnapshot {
  readonly mm: MemoryManagerSnapshot
  readonly ob: ObjectManagerState
  readonly kernel: KernelState
}

/** The memory-manager options of a machine of `config` (shared by every place that rebuilds one). */
export function machineOptionsOf(config: MachineConfig): MemoryManagerOptions {
  return {
    arch: config.arch,
    physicalMemory: config.physicalMemory,
    pageFile: config.pageFile,
    ...(config.tlb === null ? {} : { tlb: config.tlb }),
    replacementPolicy: config.replacementPolicy,
    seed: config.seed,
  }
}

/** A fresh MemoryManager for `config` (the machine's initial state). */
export function memoryManagerFor(config: MachineConfig): MemoryManager {
  return new MemoryManager(machineOptionsOf(config))
}

/** Apply one machine event to a machine state (the same apply functions the live layers use). */
export function applyMachineEvent(state: MachineState, event: Readonly<MachineEvent>): void {
  const type = event.type
  if (type.charCodeAt(0) === 104 /* h */ || type.charCodeAt(0) === 109 /* m */) {
    state.mm.applyRecordedEvent(event as HwEvent | MmEvent)
    return
  }
  switch (type) {
    case 'nt.cpuAccess': {
      const entry = (event as Readonly<MachineCpuAccessEvent>).tlbHit
      if (entry >= 0) {
        const tlb = state.mm.mmu.state.tlbs[entry >>> TLB_HIT_LEVEL_SHIFT]
        if (tlb === undefined) throw new InvariantError(`nt.cpuAccess hit a TLB level this machine lacks`)
        applyTlbHit(tlb, entry & 0xffffff)
      }
      return
    }
    case 'nt.cpuWriteData':
    case 'nt.cpuWriteWords':
    case 'nt.debugInput':
      return
    case 'nt.processCreated':
    case 'nt.processTerminated':
    case 'nt.lastErrorChanged':
    case 'nt.writeWatchChanged':
      applyKernelEvent(state.kernel, event as KernelEvent)
      return
    default:
      applyNtEvent(state.ob, event as NtEvent)
  }
}

/**
 * The machine as a trace model. Its state is mutable (typed arrays, COW frames): checkpoints copy
 * what changes in place and share the rest. Undo covers the per-access kinds and the executive's
 * events; mm events and TLB fills step back through a checkpoint instead.
 */
export function machineModel(
  config: MachineConfig,
): TraceModel<MachineState, MachineEvent, MachineConfig, MachineSnapshot> {
  return {
    initial: (c) => ({
      mm: memoryManagerFor(c),
      ob: new ObjectManagerState(),
      kernel: new KernelState(FIRST_PID),
    }),
    apply(state, event) {
      applyMachineEvent(state, event)
      return state
    },
    undo(state, event) {
      const type = event.type
      if (type === 'hw.tlbFill') return undefined
      if (type.startsWith('hw.')) {
        undoHwEvent(state.mm.mmu.state, event as HwEvent)
        return state
      }
      if (type.startsWith('mm.')) return undefined
      switch (type) {
        case 'nt.cpuAccess': {
          const access = event as Readonly<MachineCpuAccessEvent>
          const entry = access.tlbHit
          const tlb = entry >= 0 ? state.mm.mmu.state.tlbs[entry >>> TLB_HIT_LEVEL_SHIFT] : undefined
          if (tlb !== undefined) undoTlbHit(tlb, entry & 0xffffff, access.tlbHitAge)
          return state
        }
        case 'nt.cpuWriteData':
        case 'nt.cpuWriteWords':
        case 'nt.debugInput':
          return state
        // ---- immer records (docs/decisions/005): undone by the inverse patches their undo
        // journals hold; an event applied before this state's restore is not in them, and the
        // timeline restores a checkpoint instead. ----
        case 'nt.processCreated':
        case 'nt.processTerminated':
        case 'nt.lastErrorChanged':
        case 'nt.writeWatchChanged':
          return revertKernelEvent(state.kernel, event as KernelEvent) ? state : undefined
        default:
          return revertNtEvent(state.ob, event as NtEvent) ? state : undefined
        // ---- end of immer records ----
      }
    },
    checkpoint: (state) => ({ mm: state.mm.snapshot(), ob: state.ob.clone(), kernel: state.kernel.clone() }),
    restore(snapshot) {
      const mm = memoryManagerFor(config)
      mm.restore(snapshot.mm)
      return { mm, ob: snapshot.ob.clone(), kernel: snapshot.kernel.clone() }
    },
    digest: (state) =>
      new StateHasher()
        .string(state.mm.digest())
        .string(state.ob.digestInput())
        .string(state.kernel.digestInput())
        .digest(),
    // What a checkpoint keeps alive: the frames and page-file slots written since the previous
    // checkpoint (copy-on-write leaves their old buffers to it), the PFN database, TLB and
    // register copies; plus the object manager's and Kernel's clones (small, estimated). Counting
    // pointers only (as before) let a 10M-event trace's checkpoints take 5× their budget.
    snapshotBytes: (snapshot) => snapshotHeldBytes(snapshot.mm) + 64 * 1024,
  }
}
