// The machine trace's schema: the kinds of event one machine trace holds (every layer's events,
// the inputs, the Kernel's own), how each is stored (high-volume kinds as typed-array row layouts,
// rare kinds as frozen objects), the producer and configuration a trace header names. The @ntmm/trace
// TraceSchema of the machine; no NT counterpart (ReactOS keeps no such log), closest to an ETW
// provider's manifest.

import type { HwEvent, HwTlbFill, TlbConfig, TlbPresetName } from '@ntmm/hw-mmu'
import { type MmEvent, NT_PAGING_EVENT_TYPES, SECTION_EVENT_TYPES } from '@ntmm/mm-core'
import { defineSchema, type TraceSchema } from '@ntmm/trace'
import { InvariantError } from './assert.js'
import type { NtCpuAccessEvent, NtEvent } from './events.js'
import type { DebugCall } from './kernelDebug.js'
import { KERNEL_EVENT_TYPES, type KernelEvent } from './kernelState.js'
import { lowVolumeSchema } from './machineEventSchemas.js'
import type { Arch } from './userAddressLimits.js'
import type { NtPagingConfig } from '@ntmm/mm-core'

/** The configuration a machine is built from (the trace header carries it). */
export interface MachineConfig {
  readonly arch: Arch
  readonly physicalMemory: number
  readonly pageFile: number
  readonly tlb: TlbConfig | TlbPresetName | null
  readonly replacementPolicy: 'working-set' | 'fifo' | 'lru' | 'clock' | 'opt' | 'nt'
  /** The 'nt' policy's configuration with its scaled defaults applied (absent for other policies). */
  readonly nt?: NtPagingConfig
  /**
   * The seed the machine was created with, written in the trace header so a run can be
   * reproduced; nothing in the simulation draws from it (a random TLB policy has its own seed in
   * the TLB configuration).
   */
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
  // Added in machine-trace version 4 (sections, issue #20), last so the earlier kinds keep their order.
  ...SECTION_EVENT_TYPES,
  // Added in machine-trace version 5 (the 'nt' policy, issue #21), last for the same reason.
  ...NT_PAGING_EVENT_TYPES,
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
  // Added in machine-trace version 4 (sections).
  'nt.sectionExtended',
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
  'mm.copyOnWrite': ['address'],
  'mm.mappedPageRead': ['address'],
  'mm.workingSetTrimmed': ['address'],
  'nt.exceptionRaised': ['address'],
}

function lowKind(type: string) {
  const addressFields = ADDRESS_KINDS[type]
  const schema = lowVolumeSchema(type)
  if (schema === undefined) throw new InvariantError(`machine schema: no field schema for ${type}`)
  return {
    volume: 'low' as const,
    schema,
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
export const MACHINE_TRACE_PRODUCER = { name: '@ntmm/nt-syscalls', version: '5' } as const

/** Little-endian value of up to 4 bytes of `bytes` from `offset` (unsigned). */
export function littleEndian(bytes: ArrayLike<number>, offset = 0, count = bytes.length - offset): number {
  let value = 0
  for (let index = Math.min(bytes.length, offset + count) - 1; index >= offset; index--)
    value = value * 256 + (bytes[index]! & 0xff)
  return value
}
