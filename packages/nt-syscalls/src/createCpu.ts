// The CPU of a process's thread as the Kernel hands it out (kernel.cpu(pid)): user-mode loads,
// stores and instruction fetches through the MMU with the process's address space loaded. A #PF
// goes to the memory manager (ReactOS ke/i386/traphdlr.c KiTrap0EHandler → mm/mmfault.c
// MmAccessFault → mm/ARM3/pagfault.c); what it cannot resolve is raised in the thread as an
// exception (KiDispatchException) and recorded as nt.exceptionRaised. Each access is an input of
// the recording and the cause of everything it does (cpuAccessTrace.ts). This is the access path:
// when nothing records, an access costs its checks and the MMU's work only, and an aligned word
// whose page hits in the TLB costs a few compares (the hit paths at the end).

import type { AccessFaultResult } from '@ntmm/mm-core'
import type { FailedAccess, Mmu } from '@ntmm/hw-mmu'
import { capturePointer } from './captureArguments.js'
import {
  byteCount,
  type Cpu,
  type CpuAccessResult,
  type CpuReadResult,
  exceptionFor,
  MAX_ACCESS_LENGTH,
} from './cpu.js'
import { closeAccess, openAccess, traceAccess } from './cpuAccessTrace.js'
import { accessRunner, type RecordedEffects } from './cpuBatch.js'
import type { KernelContext } from './kernelContext.js'
import { ACCESS_CODE, littleEndian } from './machineSchema.js'
import {
  ntStatusName,
  STATUS_ACCESS_VIOLATION,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { noteWrite, writeWatchProbe } from './writeWatch.js'

// Module constants for the per-access path: under a CommonJS transform of ESM (tsx runs the
// benches that way) each read of an imported binding is a getter call.
const SUCCESS = STATUS_SUCCESS
const READ_CODE = ACCESS_CODE.read
const WRITE_CODE = ACCESS_CODE.write
const EXECUTE_CODE = ACCESS_CODE.execute
const toLittleEndian = littleEndian
/** A word read (0 to 2^32 - 1) put into `buffer` at `offset` as x86 stores it: little-endian. */
function storeWord(buffer: Uint8Array, offset: number, value: number): void {
  buffer[offset] = value & 0xff
  buffer[offset + 1] = (value >>> 8) & 0xff
  buffer[offset + 2] = (value >>> 16) & 0xff
  buffer[offset + 3] = value >>> 24
}
/** A successful write's or fetch's answer: one shared object, so a TLB hit allocates nothing. */
const DONE: CpuAccessResult = Object.freeze({ status: STATUS_SUCCESS })
/** The options of a user-mode access (one object, not a literal per access). */
const USER = Object.freeze({ mode: 'user' } as const)

/** The thread of `pid` executing user-mode accesses on the machine of `context`. */
export function createCpu(context: KernelContext, pid: number): Cpu {
  const { mm, ob, sequencer } = context
  const bad = (kind: 0 | 1 | 8, address: unknown) => ({
    status: STATUS_ACCESS_VIOLATION,
    exception: {
      code: STATUS_ACCESS_VIOLATION,
      accessKind: kind,
      address: typeof address === 'number' && Number.isFinite(address) ? address : 0,
    },
  })
  // Recorded accesses (cpuAccessTrace.ts).
  const traced = <R>(
    access: 'read' | 'write' | 'execute',
    address: number,
    length: number,
    data: ArrayLike<number> | undefined,
    run: () => R,
  ): R => traceAccess(context, pid, access, address, length, data, run)
  // Nothing records and this is no view of the past: an access is its MMU work and nothing else
  // (traceAccess's first branch, without the closure it takes). Anything else goes through traced.
  // The four are fixed when the kernel (or the view) is made (readonly fields set by their
  // constructors), so this is decided once per CPU, not per access.
  const silent =
    context.viewOf === undefined &&
    sequencer.inputs === undefined &&
    sequencer.recorder === undefined &&
    sequencer.onEvent === undefined
  const quiet = (): boolean => silent
  // Recorded eagerly with no listener (the machine recorder of `import -o`, `record`): a plain
  // access is recorded as traceAccess records it (openAccess / closeAccess), without the
  // general path's second round of checks and the closure it hands traceAccess. Fixed as
  // `silent` is.
  const eager =
    context.viewOf === undefined &&
    sequencer.inputs === undefined &&
    sequencer.recorder !== undefined &&
    sequencer.onEvent === undefined
  const raise = (failed: FailedAccess<AccessFaultResult>) => {
    const exception = exceptionFor(failed.fault, failed.response?.status)
    ob.emit(() => ({
      type: 'nt.exceptionRaised',
      pid,
      code: exception.code,
      codeName: ntStatusName(exception.code),
      accessKind: exception.accessKind,
      address: exception.address,
    }))
    return exception
  }
  // One address rule for read, write, execute and peek, the services' (captureArguments.ts): on
  // x86 an address is a C pointer, an integer truncated to 32 bits (2^32 + B is B); on x64 the
  // canonical halves as signed numbers (the kernel half negative, as hw-mmu takes them). An access
  // that cannot start there, or would run past the top of the address space (x64: outside the
  // canonical range), faults as an access violation without reaching the MMU.
  const limits = context.limits
  const x86 = limits.pointerBits === 32
  const startOf = (address: unknown): number | undefined => {
    if (typeof address !== 'number' || !Number.isInteger(address)) return undefined
    if (x86) return capturePointer(address, limits)
    return Number.isSafeInteger(address) ? address : undefined
  }
  const inSpace = (start: number, length: number): boolean =>
    x86 ? start + length <= 0x1_0000_0000 : start >= -0x800000000000 && start + length <= 0x800000000000
  /**
   * Why a read or peek of `length` bytes at `start` is refused before the MMU, or undefined: a
   * length that is no byte count or runs past the top is an access violation; one beyond what one
   * access may move (2^30 bytes, hw-mmu's bound) is STATUS_INVALID_PARAMETER.
   */
  const refusedRange = (start: number | undefined, length: unknown): number | undefined => {
    if (start === undefined || typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
      return STATUS_ACCESS_VIOLATION
    if (!inSpace(start, length)) return STATUS_ACCESS_VIOLATION
    return length > MAX_ACCESS_LENGTH ? STATUS_INVALID_PARAMETER : undefined
  }
  const refusedRead = (kind: 0 | 8, start: number | undefined, address: unknown, status: number) =>
    status === STATUS_ACCESS_VIOLATION
      ? { ...bad(kind, start ?? address), data: new Uint8Array(0) }
      : { status, data: new Uint8Array(0) }
  // The MMU with `pid`'s address space loaded. Its #PF handler is the memory manager's own
  // (KiTrap0EHandler → MmAccessFault for the process whose CR3 is loaded); a failed access carries
  // MmAccessFault's answer, which classifies the exception.
  // The thread holds its process's context: the CR3 mmuFor loaded for it, kept while the MMU
  // still has that CR3 loaded and no address space was created, deleted or restored since (the
  // memory manager's spaceGeneration). Then an access is a compare, not a lookup of the process's
  // record; otherwise mmuFor switches (MOV CR3) or fails as before.
  const unit = mm.mmu
  let loadedCr3 = -1
  let loadedGeneration = -1
  const mmu = () => {
    if (unit.cr3 === loadedCr3 && mm.spaceGeneration === loadedGeneration) return unit
    const switched = mm.mmuFor(pid)
    loadedCr3 = switched.cr3
    loadedGeneration = mm.spaceGeneration
    return switched
  }
  // Under 'nt' each access that reaches the MMU is one CPU reference toward the next balance-set
  // tick (mm-core's countReferences; tickEvery): counted after the access, so a tick that falls
  // due is caused by it. A multi-byte or multi-page access is one reference. The counter counts
  // in place and enters mm-core only when a tick falls due (undefined: references tick nothing).
  const references = mm.referenceCounter()
  // Write watch (noteWrite) on every successful write the process watches (writeWatchProbe).
  const watching = writeWatchProbe(context, pid)
  const written = (address: number, length: number): void => {
    if (watching()) noteWrite(context, pid, address, length)
  }
  // Where a quiet instruction fetch puts its byte (the fetch is for its effect: no allocation).
  const fetched = new Uint8Array(1)
  /**
   * The hit path's address rule, the same as startOf + inSpace for the addresses it accepts: a
   * number that is its own captured pointer and leaves room for `length` bytes (x86: an integer in
   * [0, 2^32 - length]). Anything else takes the general checks.
   */
  const plain = (address: unknown, length: number): address is number =>
    typeof address !== 'number'
      ? false
      : x86
        ? address >>> 0 === address && address <= 0x1_0000_0000 - length
        : Number.isSafeInteger(address) && address >= -0x800000000000 && address <= 0x800000000000 - length
  const readNow = (address: number, length: number): CpuReadResult => {
    const unit = mmu()
    if (length <= 4096) {
      // Mmu.read's translations, faults and events, into the result's own buffer (no second result
      // object); a long read allocates its buffer only once every page translated (Mmu.read).
      const data = new Uint8Array(length)
      if (unit.readInto(address, data, 0, length, 'user')) {
        if (references !== undefined) references.count()
        return { status: SUCCESS, data }
      }
      const exception = raise(failedAccess(unit))
      return { status: exception.code, data: new Uint8Array(0), exception }
    }
    const result = unit.read(address, length, USER)
    if (references !== undefined) references.count()
    if (result.ok) return { status: SUCCESS, data: result.data }
    const exception = raise(result)
    return { status: exception.code, data: new Uint8Array(0), exception }
  }
  /** A failed access's failure as Mmu.read would have returned it, its reference counted. */
  const failedAccess = (unit: Mmu<AccessFaultResult>): FailedAccess<AccessFaultResult> => {
    const failure = unit.lastFailure()!
    if (references !== undefined) references.count()
    return failure
  }
  const readIntoNow = (address: number, buffer: Uint8Array, offset: number, length: number): number => {
    const unit = mmu()
    const ok = unit.readInto(address, buffer, offset, length, 'user')
    const failure = ok ? undefined : unit.lastFailure()!
    if (references !== undefined) references.count()
    return failure === undefined ? SUCCESS : raise(failure).code
  }
  const writeNow = (
    address: number,
    data: Uint8Array | readonly number[],
    bytes: number,
  ): CpuAccessResult => {
    const result = mmu().write(address, data, USER)
    if (references !== undefined) references.count()
    if (result.ok) {
      written(address, bytes)
      return DONE
    }
    const exception = raise(result)
    return { status: exception.code, exception }
  }
  // Each access below is a small fast path (the common case: plain arguments, nothing recording,
  // the process's context loaded), kept small so V8 inlines it into the caller with the MMU's hit
  // path, and a general path for everything else with the full checks and the recording.
  const readGeneral = (rawAddress: unknown, length: unknown): CpuReadResult => {
    const address = startOf(rawAddress)
    const refused = refusedRange(address, length)
    if (refused !== undefined) return refusedRead(0, address, rawAddress, refused)
    const count = length as number
    if (quiet()) return readNow(address as number, count)
    return traced('read', address as number, count, undefined, () => readNow(address as number, count))
  }
  const readIntoGeneral = (
    rawAddress: unknown,
    buffer: unknown,
    offset: unknown,
    length: unknown,
  ): number => {
    const address = startOf(rawAddress)
    if (
      !(buffer instanceof Uint8Array) ||
      typeof offset !== 'number' ||
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      offset > buffer.length
    )
      return STATUS_ACCESS_VIOLATION
    const count = length === undefined ? buffer.length - offset : length
    if (
      typeof count !== 'number' ||
      !Number.isSafeInteger(count) ||
      count < 0 ||
      offset + count > buffer.length
    )
      return STATUS_ACCESS_VIOLATION
    const refused = refusedRange(address, count)
    if (refused !== undefined) return refused
    if (quiet()) return readIntoNow(address as number, buffer, offset, count)
    return traced('read', address as number, count, undefined, () =>
      readIntoNow(address as number, buffer, offset, count),
    )
  }
  const readUint32General = (rawAddress: unknown): number => {
    const address = startOf(rawAddress)
    if (refusedRange(address, 4) !== undefined) return -1
    if (quiet()) {
      const unit = mmu()
      const value = unit.read32(address as number, 'user')
      const failure = value < 0 ? unit.lastFailure()! : undefined
      if (references !== undefined) references.count()
      if (failure !== undefined) raise(failure)
      return value
    }
    // Recorded as read(address, 4) is, by the same path.
    const word = new Uint8Array(4)
    const status = traced('read', address as number, 4, undefined, () =>
      readIntoNow(address as number, word, 0, 4),
    )
    return status === SUCCESS ? (word[0]! | (word[1]! << 8) | (word[2]! << 16) | (word[3]! << 24)) >>> 0 : -1
  }
  const writeGeneral = (rawAddress: unknown, data: Uint8Array | readonly number[]): CpuAccessResult => {
    const address = startOf(rawAddress)
    const bytes = byteCount(data)
    if (address === undefined || bytes === undefined || !inSpace(address, bytes))
      return bad(1, address ?? rawAddress)
    if (bytes > MAX_ACCESS_LENGTH) return { status: STATUS_INVALID_PARAMETER }
    if (quiet()) return writeNow(address, data, bytes)
    return traced('write', address, bytes, data, () => writeNow(address, data, bytes))
  }
  const writeUint32General = (rawAddress: unknown, value: unknown): number => {
    const address = startOf(rawAddress)
    if (address === undefined || !inSpace(address, 4)) return STATUS_ACCESS_VIOLATION
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff)
      return STATUS_INVALID_PARAMETER
    if (quiet()) return writeUint32Now(address, value)
    // Recorded as write(address, bytes) is (its data the input), by the same path.
    const data = new Uint8Array(4)
    for (let b = 0; b < 4; b++) data[b] = (value >>> (8 * b)) & 0xff
    return traced('write', address, 4, data, () => writeNow(address, data, 4)).status
  }
  const writeUint32Now = (address: number, value: number): number => {
    const unit = mmu()
    const ok = unit.write32(address, value, 'user')
    const failure = ok ? undefined : unit.lastFailure()!
    if (references !== undefined) references.count()
    if (failure === undefined) {
      written(address, 4)
      return SUCCESS
    }
    return raise(failure).code
  }
  /** An instruction fetch of the byte at `address` (recorded by the caller). */
  const fetchNow = (address: number): CpuAccessResult => {
    // Into one byte of scratch, as the quiet path: Mmu.fetch's translation, fault and events
    // without its result object and byte array.
    const unit = mmu()
    const ok = unit.fetchInto(address, fetched, 0, 1, 'user')
    if (references !== undefined) references.count()
    if (ok) return DONE
    const exception = raise(unit.lastFailure()!)
    return { status: exception.code, exception }
  }
  /** A failed quiet access: its failure read, its reference counted, its exception raised. */
  const failedStatus = (unit: Mmu<AccessFaultResult>): number => raise(failedAccess(unit)).code
  const readPlain = (rawAddress: unknown, length: number): CpuReadResult =>
    length >>> 0 === length && length <= MAX_ACCESS_LENGTH && plain(rawAddress, length) && quiet()
      ? readNow(rawAddress, length)
      : readGeneral(rawAddress, length)
  const readIntoPlain = (
    rawAddress: unknown,
    buffer: Uint8Array,
    offset: number,
    length?: number,
  ): number => {
    // `>>> 0 ===`: a byte count or offset (an integer in [0, 2^32)) in one compare each, which
    // also refuses undefined, strings and fractions (they take the general path).
    const count = length as number
    if (
      offset >>> 0 === offset &&
      count >>> 0 === count &&
      buffer instanceof Uint8Array &&
      offset + count <= buffer.length &&
      count <= MAX_ACCESS_LENGTH &&
      plain(rawAddress, count) &&
      quiet()
    ) {
      const unit = mmu()
      if (count === 4 && (rawAddress & 0xfff) <= 0xffc) {
        // A word within one page: Mmu.read32 is the same translation (and fault) as readInto
        // of 4 bytes there, and small enough to be inlined here.
        const value = unit.read32(rawAddress, 'user')
        if (value < 0) return failedStatus(unit)
        storeWord(buffer, offset, value)
      } else if (!unit.readInto(rawAddress, buffer, offset, count, 'user')) return failedStatus(unit)
      if (references !== undefined) references.count()
      return SUCCESS
    }
    if (
      eager &&
      offset >>> 0 === offset &&
      count >>> 0 === count &&
      buffer instanceof Uint8Array &&
      offset + count <= buffer.length &&
      count <= MAX_ACCESS_LENGTH &&
      plain(rawAddress, count)
    ) {
      const depth = openAccess(sequencer, pid, READ_CODE, rawAddress, count, 0, 0)
      try {
        return readIntoNow(rawAddress, buffer, offset, count)
      } finally {
        closeAccess(sequencer, depth)
      }
    }
    return readIntoGeneral(rawAddress, buffer, offset, length)
  }
  const readUint32Plain = (rawAddress: unknown): number => {
    if (plain(rawAddress, 4) && quiet()) {
      const unit = mmu()
      const value = unit.read32(rawAddress, 'user')
      if (value < 0) {
        failedStatus(unit)
        return -1
      }
      if (references !== undefined) references.count()
      return value
    }
    return readUint32General(rawAddress)
  }
  const writePlain = (rawAddress: unknown, data: Uint8Array | readonly number[]): CpuAccessResult =>
    data instanceof Uint8Array &&
    data.length <= MAX_ACCESS_LENGTH &&
    plain(rawAddress, data.length) &&
    quiet()
      ? writeNow(rawAddress, data, data.length)
      : eager && data instanceof Uint8Array && data.length <= 8 && plain(rawAddress, data.length)
        ? writeRecorded(rawAddress, data)
        : writeGeneral(rawAddress, data)
  /** A plain write of at most 8 bytes, recorded (`eager`): its data is the access row's value. */
  const writeRecorded = (address: number, data: Uint8Array): CpuAccessResult => {
    const bytes = data.length
    const low = toLittleEndian(data, 0, 4)
    const high = bytes > 4 ? toLittleEndian(data, 4, 4) : 0
    const depth = openAccess(sequencer, pid, WRITE_CODE, address, bytes, low, high)
    try {
      return writeNow(address, data, bytes)
    } finally {
      closeAccess(sequencer, depth)
    }
  }
  const writeUint32Plain = (rawAddress: unknown, value: number): number =>
    // A value that fits 32 bits, signed or not: `| 0` and `>>> 0` give it back unchanged.
    plain(rawAddress, 4) && ((value | 0) === value || value >>> 0 === value) && quiet()
      ? writeUint32Now(rawAddress, value)
      : writeUint32General(rawAddress, value)
  // A recorded run's loads and fetches (cpuBatch.ts, `eager` only): what readIntoPlain's and
  // execute's eager branches record and do, the access made for its effect (Mmu.readForEffect /
  // fetchForEffect: the same translation, TLB and walk events, #PF and exception, without copying
  // the bytes, which the run discards). An address those branches would not take goes to the Cpu.
  const recordedEffects: RecordedEffects = {
    read: (address: number, length: number, scratch: Uint8Array): number => {
      if (length > MAX_ACCESS_LENGTH || !plain(address, length))
        return cpu.readInto(address, scratch, 0, length)
      const depth = openAccess(sequencer, pid, READ_CODE, address, length, 0, 0)
      try {
        const unit = mmu()
        const ok = unit.readForEffect(address, length, 'user')
        const failure = ok ? undefined : unit.lastFailure()!
        if (references !== undefined) references.count()
        return failure === undefined ? SUCCESS : raise(failure).code
      } finally {
        closeAccess(sequencer, depth)
      }
    },
    execute: (address: number): number => {
      if (!plain(address, 1)) return cpu.execute(address).status
      const depth = openAccess(sequencer, pid, EXECUTE_CODE, address, 1, 0, 0)
      try {
        const unit = mmu()
        const ok = unit.fetchForEffect(address, 1, 'user')
        if (references !== undefined) references.count()
        return ok ? SUCCESS : raise(unit.lastFailure()!).code
      } finally {
        closeAccess(sequencer, depth)
      }
    },
  }
  // The TLB-hit paths: nothing recording, the process's context held, an aligned word whose page
  // hits in the data TLB's mirror row (hw-mmu's userRead32Hit / userWrite32Hit, which answer -1 /
  // false having done nothing when that is not so: the access is then made in full by the path
  // above). Each is a few compares and V8 inlines it whole into the caller with the MMU's hit;
  // `typeof` first, so no argument's valueOf runs before the general checks see it.
  const held = (): boolean => silent && unit.cr3 === loadedCr3 && mm.spaceGeneration === loadedGeneration
  const cpu: Cpu = {
    pid,
    read: (rawAddress, length): CpuReadResult => {
      if (length === 4 && typeof rawAddress === 'number' && held()) {
        const value = unit.userRead32Hit(rawAddress)
        if (value >= 0) {
          const data = new Uint8Array(4)
          storeWord(data, 0, value)
          if (references !== undefined) references.count()
          return { status: SUCCESS, data }
        }
      }
      return readPlain(rawAddress, length)
    },
    readInto: (rawAddress, buffer, offset = 0, length?: number): number => {
      if (
        length === 4 &&
        typeof rawAddress === 'number' &&
        typeof offset === 'number' &&
        held() &&
        buffer instanceof Uint8Array &&
        offset >>> 0 === offset &&
        offset + 4 <= buffer.length
      ) {
        const value = unit.userRead32Hit(rawAddress)
        if (value >= 0) {
          storeWord(buffer, offset, value)
          if (references !== undefined) references.count()
          return SUCCESS
        }
      }
      return readIntoPlain(rawAddress, buffer, offset, length)
    },
    readUint32: (rawAddress): number => {
      if (typeof rawAddress === 'number' && held()) {
        const value = unit.userRead32Hit(rawAddress)
        if (value >= 0) {
          if (references !== undefined) references.count()
          return value
        }
      }
      return readUint32Plain(rawAddress)
    },
    write: (rawAddress, data): CpuAccessResult => {
      if (
        typeof rawAddress === 'number' &&
        held() &&
        data instanceof Uint8Array &&
        data.length === 4 &&
        unit.userWrite32Hit(rawAddress, data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24))
      ) {
        if (references !== undefined) references.count()
        written(rawAddress, 4)
        return DONE
      }
      return writePlain(rawAddress, data)
    },
    writeUint32: (rawAddress, value): number => {
      if (
        typeof rawAddress === 'number' &&
        typeof value === 'number' &&
        held() &&
        unit.userWrite32Hit(rawAddress, value)
      ) {
        if (references !== undefined) references.count()
        written(rawAddress, 4)
        return SUCCESS
      }
      return writeUint32Plain(rawAddress, value)
    },
    execute: (rawAddress): CpuAccessResult => {
      if (plain(rawAddress, 1) && quiet()) {
        const unit = mmu()
        const ok = unit.fetchInto(rawAddress, fetched, 0, 1, 'user')
        if (references !== undefined) references.count()
        if (ok) return DONE
        const exception = raise(unit.lastFailure()!)
        return { status: exception.code, exception }
      }
      if (eager && plain(rawAddress, 1)) {
        const depth = openAccess(sequencer, pid, EXECUTE_CODE, rawAddress, 1, 0, 0)
        try {
          return fetchNow(rawAddress)
        } finally {
          closeAccess(sequencer, depth)
        }
      }
      const address = startOf(rawAddress)
      if (address === undefined || !inSpace(address, 1)) return bad(8, address ?? rawAddress)
      return traced('execute', address, 1, undefined, () => fetchNow(address))
    },
    peek: (rawAddress, length): CpuReadResult => {
      const address = startOf(rawAddress)
      const refused = refusedRange(address, length)
      if (refused !== undefined) return { status: refused, data: new Uint8Array(0) }
      // Inspection through the memory manager's PTE reader: no CR3 load, no TLB fill, no event.
      const data = mm.peekSpace(pid, address as number, length)
      if (data) return { status: STATUS_SUCCESS, data }
      return { status: STATUS_ACCESS_VIOLATION, data: new Uint8Array(0) }
    },
    // A run of accesses, made as the methods above make each (cpuBatch.ts).
    runAccesses: accessRunner(context, pid, () => cpu, eager ? recordedEffects : undefined),
  }
  return cpu
}
