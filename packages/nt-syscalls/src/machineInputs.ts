// The inputs of a deferred recording (createKernel({ record: true })): what a machine is given
// while it runs, kept in the order it was given, so that a companion machine of the same
// configuration re-executes them and records every event when the trace is read (rr's record
// and replay; see replayInputs.ts for why the inputs determine the trace). Memory accesses, the
// bulk of them, are rows of typed arrays (no object, no log index, no cause cell: 25 bytes); the
// rest (process creation and termination, system calls with their arguments, debug calls, Win32
// last-error changes) are kept as the events eager recording stores for them. How one input is
// re-executed (`replayInput`, `runAccess`) is here too: replayInputs.ts uses it for a recorded
// trace's inputs.

import type { Cpu } from './cpu.js'
import type { KernelDebug } from './kernelDebug.js'
import type { MachineEvent } from './machineSchema.js'
import { isSyscallName, SYSCALL_PARAMETERS, type SyscallName } from './syscallParameters.js'
import type { NtSyscalls } from './syscalls.js'
import type { Win32Api } from './win32.js'

const ROWS = 1 << 16
const ROW_MASK = ROWS - 1
const ROW_BITS = 16

/**
 * What re-executing inputs calls: the input surface of a Kernel (processes, system calls, CPUs,
 * the Win32 layer's last error, the debugger). A Kernel is one; naming only what is called keeps
 * this file below kernel.ts.
 */
export interface MachineInputTarget {
  createProcess(options: { readonly name?: string }): { readonly pid: number }
  terminateProcess(pid: number): void
  syscalls(pid: number): NtSyscalls
  cpu(pid: number): Cpu
  win32(pid: number): Win32Api
  readonly debug: KernelDebug
  /** An explicit balance-set tick (the 'nt' policy). */
  tick(): number
}

/** Rows of the first chunk at first (it doubles up to ROWS, so a short run stays small). */
const FIRST_ROWS = 1024

/** One chunk of access rows. */
class AccessRows {
  readonly pid: Uint32Array
  readonly kind: Uint8Array
  readonly address: Float64Array
  readonly length: Uint32Array
  /** Bytes 0–3 and 4–7 of a write's data, little-endian. */
  readonly low: Uint32Array
  readonly high: Uint32Array

  /** `capacity` rows, the first `from.pid.length` copied from `from`. */
  constructor(capacity: number, from?: AccessRows) {
    this.pid = new Uint32Array(capacity)
    this.kind = new Uint8Array(capacity)
    this.address = new Float64Array(capacity)
    this.length = new Uint32Array(capacity)
    this.low = new Uint32Array(capacity)
    this.high = new Uint32Array(capacity)
    if (from === undefined) return
    this.pid.set(from.pid)
    this.kind.set(from.kind)
    this.address.set(from.address)
    this.length.set(from.length)
    this.low.set(from.low)
    this.high.set(from.high)
  }
}

/** An input other than a memory access, with the number of accesses given before it. */
interface OtherInput {
  readonly after: number
  readonly event: MachineEvent
}

/** The inputs of a machine since its trace was last brought up to date. */
export class MachineInputs {
  readonly #chunks: AccessRows[] = []
  #rows: AccessRows | undefined
  /** Next row in `#rows`, and its capacity (`#at === #capacity`: room is needed). */
  #at = 0
  #capacity = 0
  readonly #others: OtherInput[] = []
  /** The whole data of each write longer than 8 bytes, by access index. */
  readonly #longWrites = new Map<number, Uint8Array>()

  /** Number of memory accesses given so far. */
  get accesses(): number {
    return this.#chunks.length === 0 ? 0 : (this.#chunks.length - 1) * ROWS + this.#at
  }

  /** Number of inputs given so far. */
  get size(): number {
    return this.accesses + this.#others.length
  }

  /**
   * A memory access (`kind` an ACCESS_CODE); `low`/`high` are bytes 0–7 of a write's data, and
   * `data` (copied) the whole of a write longer than 8 bytes.
   */
  access(
    pid: number,
    kind: number,
    address: number,
    length: number,
    low: number,
    high: number,
    data: ArrayLike<number> | undefined,
  ): void {
    let at = this.#at
    if (at === this.#capacity) at = this.#grow()
    const rows = this.#rows as AccessRows
    rows.pid[at] = pid
    rows.kind[at] = kind
    rows.address[at] = address
    rows.length[at] = length
    rows.low[at] = low
    rows.high[at] = high
    this.#at = at + 1
    if (data !== undefined && data.length > 8) this.#longWrites.set(this.accesses - 1, Uint8Array.from(data))
  }

  /** An input other than a memory access (its event, as eager recording stores it). */
  other(event: MachineEvent): void {
    this.#others.push({ after: this.accesses, event })
  }

  /** Makes room for the next row; returns its offset in `#rows`. */
  #grow(): number {
    const last = this.#rows
    if (last !== undefined && this.#capacity < ROWS) {
      // The first chunk doubles in place until it is a full one.
      const bigger = new AccessRows(this.#capacity * 2, last)
      this.#chunks[0] = bigger
      this.#rows = bigger
      this.#capacity *= 2
      return this.#at
    }
    const rows = new AccessRows(last === undefined ? FIRST_ROWS : ROWS)
    this.#chunks.push(rows)
    this.#rows = rows
    this.#capacity = rows.pid.length
    this.#at = 0
    return 0
  }

  /** Forgets every input (they have been re-executed), keeping the first chunk for the next ones. */
  clear(): void {
    const first = this.#chunks[0]
    this.#chunks.length = 0
    if (first !== undefined) this.#chunks.push(first)
    this.#rows = first
    this.#at = 0
    this.#capacity = first?.pid.length ?? 0
    this.#others.length = 0
    this.#longWrites.clear()
  }

  /**
   * Re-executes every input, in the order given, on `kernel` (a machine of the same configuration
   * in the state this one was in before the first of them). An input whose live call threw
   * throws again there and is passed over: the caller saw that error when it happened.
   */
  replay(kernel: MachineInputTarget): void {
    const others = this.#others
    const chunks = this.#chunks
    const longWrites = this.#longWrites
    const total = this.accesses
    // Writes of up to 8 bytes: the data rebuilt in a buffer of its length, reused (the machine
    // copies what it is given).
    const buffers = Array.from({ length: 9 }, (_, length) => new Uint8Array(length))
    let other = 0
    // The CPU of the last access's process (looked up again after any other input, which may
    // create or end a process).
    let pid = -1
    let cpu: Cpu | undefined
    for (let index = 0; index <= total; index++) {
      while (other < others.length && (others[other] as OtherInput).after === index) {
        try {
          replayInput((others[other] as OtherInput).event, kernel)
        } catch {
          // Thrown live too (see above).
        }
        other++
        pid = -1
      }
      if (index === total) break
      const rows = chunks[index >>> ROW_BITS] as AccessRows
      const row = index & ROW_MASK
      const kind = rows.kind[row] as number
      const length = rows.length[row] as number
      try {
        if (rows.pid[row] !== pid) {
          pid = rows.pid[row] as number
          cpu = kernel.cpu(pid)
        }
        const write = kind !== 0 && kind !== 8
        const data = !write
          ? undefined
          : length > 8
            ? longWrites.get(index)
            : shortWrite(buffers[length] as Uint8Array, rows.low[row] as number, rows.high[row] as number)
        runAccess(cpu as Cpu, kind, rows.address[row] as number, length, data)
      } catch {
        // Thrown live too (see above).
      }
    }
  }
}

/** `bytes` (a write of up to 8 bytes) filled from its two little-endian words. */
function shortWrite(bytes: Uint8Array, low: number, high: number): Uint8Array {
  for (let byte = 0; byte < bytes.length; byte++)
    bytes[byte] = ((byte < 4 ? low : high) >>> (8 * (byte & 3))) & 0xff
  return bytes
}

/**
 * A recorded argument as the service is given it again: an array of bytes (a Uint8Array's, as
 * syscalls.ts argumentJson records it; no other value is recorded as an array) as a Uint8Array, an
 * integer beyond 2^53 (`{ number: '<decimal>' }`) as that number, anything else as recorded.
 */
function argumentValue(value: unknown): unknown {
  if (Array.isArray(value)) return Uint8Array.from(value as number[])
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const encoded = (value as { readonly number?: unknown }).number
    if (typeof encoded === 'string' && Object.keys(value).length === 1) return Number(encoded)
    // A structure passed by value (see numberFields in syscalls.ts): its fields decoded alike.
    return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, argumentValue(field)]))
  }
  return value
}

/**
 * The arguments of a recorded call of `service`, by its parameters' names in their order (an
 * argument not recorded, one the caller left out, is passed as undefined again).
 */
function argumentList(service: SyscallName, args: Readonly<Record<string, unknown>>): unknown[] {
  return SYSCALL_PARAMETERS[service].map((name) =>
    argumentValue(Object.hasOwn(args, name) ? args[name] : undefined),
  )
}

/** Re-executes one memory access on `cpu` (`kind` an ACCESS_CODE; `data` the bytes of a write). */
export function runAccess(
  cpu: Cpu,
  kind: number,
  address: number,
  length: number,
  data: Uint8Array | undefined,
): void {
  if (kind === 0) cpu.read(address, length)
  else if (kind === 8) cpu.execute(address)
  else cpu.write(address, data as Uint8Array)
}

/**
 * Re-executes `event` on `kernel` if it is an input other than a memory access (those need their
 * data, see {@link runAccess}); false if it is not such an input.
 */
export function replayInput(event: Readonly<MachineEvent>, kernel: MachineInputTarget): boolean {
  switch (event.type) {
    case 'nt.processCreated':
      kernel.createProcess({ name: event.name })
      return true
    case 'nt.processTerminated':
      kernel.terminateProcess(event.pid)
      return true
    case 'nt.syscallEntered': {
      const service = event.service
      const syscalls = kernel.syscalls(event.pid) as unknown as Record<
        string,
        (...args: unknown[]) => unknown
      >
      if (isSyscallName(service)) syscalls[service]?.(...argumentList(service, event.arguments))
      return true
    }
    case 'nt.debugInput': {
      const debug = kernel.debug
      if (event.call === 'writePte')
        debug.writePte(event.pid, event.address, { low: event.low, high: event.high })
      else if (event.call === 'invlpg') debug.invlpg(event.pid, event.address)
      else if (event.call === 'noteAccess') debug.noteAccess(event.pid, event.address)
      else debug.setFutureReferences(event.pid, event.addresses)
      return true
    }
    case 'mm.balanceSetTick':
      // kernel.tick(); the ticks that references and frame requests run are caused, not inputs.
      if (event.reason !== 'explicit') return false
      kernel.tick()
      return true
    case 'nt.lastErrorChanged':
      // SetLastError outside a system call (the Win32 layer after a failed call, or the caller).
      kernel.win32(event.pid).SetLastError(event.value)
      return true
    default:
      return false
  }
}
