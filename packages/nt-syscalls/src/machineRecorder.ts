// The recorder of a machine trace: appends a running machine's events to one @ntmm/trace log in
// seq order, the per-access kinds (the access itself, TLB hits, misses, fills, walks,
// accessed/dirty updates, small physical writes, PTE writes) straight into typed-array columns
// without creating objects, and is hw-mmu's recording lane. No NT counterpart: an ETW session's
// buffers come closest, but they may drop events under load; this recorder never drops one.

import type { HwEvent } from '@ntmm/hw-mmu'
import { NO_CAUSE, type RowAppender, TraceLog } from '@ntmm/trace'
import { InvariantError } from './assert.js'
import {
  ACCESS_ROW_DATA_BYTES,
  littleEndian,
  type MachineEvent,
  machineSchema,
  TLB_HIT_LEVEL_SHIFT,
  WRITE_WORDS_ROW_BYTES,
} from './machineSchema.js'

// Module constants for the recording hot path: under a CommonJS transform of ESM (tsx runs the
// benches that way) each read of an exported or imported binding is a getter call.
const HIT_LEVEL_SHIFT = TLB_HIT_LEVEL_SHIFT
const NONE = NO_CAUSE
const toLittleEndian = littleEndian

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
          toLittleEndian(data, offset, 4),
          toLittleEndian(data, offset + 4, 4),
          toLittleEndian(data, offset + 8, 4),
          toLittleEndian(data, offset + 12, 4),
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
            toLittleEndian(e.bytes),
            toLittleEndian(e.previousBytes),
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
