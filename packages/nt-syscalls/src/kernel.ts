// The Kernel: one simulated machine composing the MMU (@ntmm/hw-mmu), the memory manager
// (@ntmm/mm-core) and the executive of this package (object manager, handle tables, system
// services, Win32 layer), with processes. It owns the event log's sequence numbers and causes:
// every event of every layer reaches `onEvent` in order, stamped with the system call or access
// that caused it (docs/decisions/002).

import type { Mmu, PageFault, TlbConfig, TlbPresetName } from '@ntmm/hw-mmu'
import type { AddressSpace, MemoryArea, MemoryManager } from '@ntmm/mm-core'
import { InvariantError } from './assert.js'
import { capturePointer } from './captureArguments.js'
import { PAGE_SIZE } from './memoryConstants.js'
import { type Cpu, type CpuAccessResult, type CpuReadResult, exceptionFor } from './cpu.js'
import type { NtEvent } from './events.js'
import { NT_SUCCESS, ntStatusName, STATUS_ACCESS_VIOLATION, STATUS_SUCCESS } from './ntStatus.js'
import type { ProcessBody } from './objectHeader.js'
import { ObjectManager } from './objectManager.js'
import type { ServiceContext } from './serviceContext.js'
import { createSyscalls, type NtSyscalls, type SyscallTracer } from './syscalls.js'
import { type Arch, type UserAddressLimits, userAddressLimits } from './userAddressLimits.js'
import type { VirtualMemoryPort } from './virtualMemoryPort.js'
import { createWin32Api, type LastErrorSlot, type Win32Api } from './win32.js'

/** One entry of the machine's event log as `onEvent` receives it. */
export interface KernelEventRecord {
  /** Dense sequence number, from 0. */
  readonly seq: number
  /** The seq of the syscall or access that caused this event (undefined for top-level inputs). */
  readonly cause: number | undefined
  /** The event of whichever layer emitted it (`hw.*`, `mm.*` or `nt.*`). */
  readonly event: NtEvent | { readonly type: string }
}

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /** 'x86' (default, 32-bit two-level paging), 'x86-pae' or 'x64'. */
  readonly arch?: Arch
  /** Bytes of RAM (default 64 MiB). */
  readonly physicalMemory?: number
  /** Bytes of page file (default 128 MiB). */
  readonly pageFile?: number
  /** TLB configuration or preset name, passed to hw-mmu. */
  readonly tlb?: TlbConfig | TlbPresetName
  /** Seed of the machine's pseudo-random generator. */
  readonly seed?: number
  /** Receives every event of every layer, in order. */
  readonly onEvent?: (record: KernelEventRecord) => void
}

/** A process as the kernel lists it. */
export interface ProcessInfo {
  readonly pid: number
  readonly name: string
  readonly exited: boolean
}

/** The first pid handed out; pids are multiples of 4 (4, 8, 12, ...), never reused. */
export const FIRST_PID = 4

interface ProcessRecord {
  readonly pid: number
  readonly processObjectId: number
  readonly threadObjectId: number
  readonly lastError: LastErrorSlot
  /** MEM_WRITE_WATCH allocations: base → written page addresses. */
  readonly writeWatch: Map<number, Set<number>>
  syscalls?: NtSyscalls
  cpu?: Cpu
  win32?: Win32Api
}

/** One simulated machine with processes. */
export class Kernel {
  readonly arch: Arch
  readonly limits: UserAddressLimits
  readonly ob = new ObjectManager()
  readonly mm: MemoryManager
  readonly #processes = new Map<number, ProcessRecord>()
  #nextPid = FIRST_PID
  #nextTid = FIRST_PID + 2
  readonly #onEvent: ((record: KernelEventRecord) => void) | undefined
  #seq = 0
  readonly #causes: number[] = []
  #faultPid = 0
  #lastFaultStatus: number | undefined
  readonly #vm: VirtualMemoryPort
  readonly #tracer: SyscallTracer

  constructor(mm: MemoryManager, options: KernelOptions = {}) {
    this.arch = options.arch ?? 'x86'
    this.limits = userAddressLimits(this.arch)
    this.mm = mm
    this.#onEvent = options.onEvent
    if (this.#onEvent) {
      const record = (event: NtEvent | { readonly type: string }) => this.#record(event, this.#causes.at(-1))
      this.ob.setRecorder(record)
      mm.setRecorder((event) => record(event as { readonly type: string }))
    }
    this.#vm = this.#createPort()
    this.#tracer = {
      enter: (pid, service, args) => {
        const seq = this.#record(
          { type: 'nt.syscallEntered', pid, service, arguments: args },
          this.#causes.at(-1),
        )
        this.#causes.push(seq)
        return seq
      },
      leave: (token, pid, service, status, out) => {
        this.#causes.pop()
        this.#record(
          { type: 'nt.syscallReturned', pid, service, status, statusName: ntStatusName(status), out },
          token,
        )
      },
    }
  }

  #record(event: NtEvent | { readonly type: string }, cause: number | undefined): number {
    const seq = this.#seq++
    this.#onEvent?.({ seq, cause, event })
    return seq
  }

  /** Create a process: its object, its thread, its handle table and its address space. */
  createProcess(options: { readonly name?: string } = {}): { readonly pid: number } {
    const pid = this.#nextPid
    this.#nextPid += 4
    const process = this.ob.createObject('Process', {
      kind: 'Process',
      pid,
      name: options.name ?? `process${pid}.exe`,
      exited: false,
    })
    const thread = this.ob.createObject('Thread', { kind: 'Thread', tid: this.#nextTid, pid })
    this.#nextTid += 4
    this.ob.createHandleTable(pid)
    this.mm.createAddressSpace(pid)
    this.#processes.set(pid, {
      pid,
      processObjectId: process.id,
      threadObjectId: thread.id,
      lastError: { lastError: 0 },
      writeWatch: new Map(),
    })
    return { pid }
  }

  /**
   * Terminate a process: close its handles, tear down its address space, mark it exited and drop
   * its own references. The process object lives on while other processes hold handles to it
   * (their services then get STATUS_PROCESS_IS_TERMINATING).
   */
  terminateProcess(pid: number): void {
    const record = this.#live(pid)
    this.ob.deleteHandleTable(pid)
    this.ob.markProcessExited(record.processObjectId)
    this.mm.deleteAddressSpace(pid)
    this.#processes.delete(pid)
    this.ob.dereferenceObject(record.threadObjectId)
    this.ob.dereferenceObject(record.processObjectId)
  }

  /** Every process whose object still exists. */
  processes(): ProcessInfo[] {
    return this.ob.state
      .objects()
      .filter((header) => header.body.kind === 'Process')
      .map((header) => {
        const body = header.body as ProcessBody
        return { pid: body.pid, name: body.name, exited: body.exited }
      })
  }

  /** The system calls a thread of `pid` makes. Throws a RangeError for a pid with no live process. */
  syscalls(pid: number): NtSyscalls {
    const record = this.#live(pid)
    record.syscalls ??= createSyscalls(this.#context(pid), () => (this.#onEvent ? this.#tracer : undefined))
    return record.syscalls
  }

  /** The Win32 API of `pid` (kernelbase over its system calls). */
  win32(pid: number): Win32Api {
    const record = this.#live(pid)
    record.win32 ??= createWin32Api(this.syscalls(pid), record.lastError)
    return record.win32
  }

  /** A thread of `pid` executing user-mode loads, stores and fetches. */
  cpu(pid: number): Cpu {
    const record = this.#live(pid)
    record.cpu ??= this.#createCpu(pid)
    return record.cpu
  }

  /** The address space of a live process (the services reach here only after referencing it). */
  #space(pid: number): AddressSpace {
    const space = this.mm.addressSpace(pid)
    if (!space) throw new InvariantError(`process ${String(pid)} has no address space`)
    return space
  }

  #live(pid: number): ProcessRecord {
    const record = this.#processes.get(pid)
    if (!record) throw new RangeError(`no running process with pid ${String(pid)}`)
    return record
  }

  #context(pid: number): ServiceContext {
    return { pid, mode: 'user', limits: this.limits, ob: this.ob, vm: this.#vm }
  }

  // ---- memory access (user threads and the kernel copying on their behalf) ----

  #mmu(pid: number): Mmu {
    const mmu = this.mm.mmuFor(pid)
    this.#faultPid = pid
    this.#lastFaultStatus = undefined
    mmu.setFaultHandler(this.#handleFault)
    return mmu
  }

  /** KiTrap0EHandler → MmAccessFault: 'retry' when the memory manager resolved the fault. */
  readonly #handleFault = (fault: PageFault): 'retry' | 'fail' => {
    const result = this.mm.accessFault(this.#faultPid, fault)
    this.#lastFaultStatus = result.status
    return NT_SUCCESS(result.status) ? 'retry' : 'fail'
  }

  #noteWrite(pid: number, address: number, length: number): void {
    const record = this.#processes.get(pid)
    if (!record || record.writeWatch.size === 0 || length === 0) return
    for (let page = Math.floor(address / PAGE_SIZE) * PAGE_SIZE; page < address + length; page += PAGE_SIZE) {
      const area = this.mm.locateArea(this.#space(pid), page)
      if (area) record.writeWatch.get(area.startingAddress)?.add(page)
    }
  }

  #createCpu(pid: number): Cpu {
    const bad = (kind: 0 | 1 | 8, address: unknown) => ({
      status: STATUS_ACCESS_VIOLATION,
      exception: {
        code: STATUS_ACCESS_VIOLATION,
        accessKind: kind,
        address: typeof address === 'number' && Number.isFinite(address) ? address : 0,
      },
    })
    const traced = <R>(
      access: 'read' | 'write' | 'execute',
      address: number,
      length: number,
      run: () => R,
    ): R => {
      if (!this.#onEvent) return run()
      const seq = this.#record({ type: 'nt.cpuAccess', pid, access, address, length }, undefined)
      this.#causes.push(seq)
      try {
        return run()
      } finally {
        this.#causes.pop()
      }
    }
    const raise = (fault: Parameters<typeof exceptionFor>[0]) => {
      const exception = exceptionFor(fault, this.#lastFaultStatus)
      this.ob.emit(() => ({
        type: 'nt.exceptionRaised',
        pid,
        code: exception.code,
        codeName: ntStatusName(exception.code),
        accessKind: exception.accessKind,
        address: exception.address,
      }))
      return exception
    }
    // Addresses follow the capture rule of captureArguments.ts: x86 addresses are truncated to 32
    // bits like a C pointer; an access that would run past the top of the address space (or, on x64,
    // outside the canonical range) faults as an access violation without reaching the MMU.
    const x86 = this.limits.pointerBits === 32
    const canonical = (address: unknown, length: number): address is number => {
      if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || length < 0) return false
      const start = address as number
      return x86
        ? start >= 0 && start + length <= 0x1_0000_0000
        : start >= -0x800000000000 && start + length <= 0x800000000000
    }
    const normalise = (address: unknown): unknown =>
      x86 && Number.isSafeInteger(address) ? (capturePointer(address, this.limits) as number) : address
    const validAddress = (address: unknown, length = 1): address is number => canonical(address, length)
    return {
      pid,
      read: (address, length): CpuReadResult => {
        if (!validAddress(address) || !Number.isSafeInteger(length) || length < 0)
          return { ...bad(0, address), data: new Uint8Array(0) }
        return traced('read', address, length, () => {
          const result = this.#mmu(pid).read(address, length, { mode: 'user' })
          if (result.ok) return { status: STATUS_SUCCESS, data: result.data }
          const exception = raise(result.fault)
          return { status: exception.code, data: new Uint8Array(0), exception }
        })
      },
      write: (rawAddress, data): CpuAccessResult => {
        const address = normalise(rawAddress)
        if (!(data instanceof Uint8Array || Array.isArray(data)) || !validAddress(address, data.length))
          return bad(1, address)
        return traced('write', address, data.length, () => {
          const result = this.#mmu(pid).write(address, data, { mode: 'user' })
          if (result.ok) {
            this.#noteWrite(pid, address, data.length)
            return { status: STATUS_SUCCESS }
          }
          const exception = raise(result.fault)
          return { status: exception.code, exception }
        })
      },
      execute: (rawAddress): CpuAccessResult => {
        const address = normalise(rawAddress)
        if (!validAddress(address)) return bad(8, address)
        return traced('execute', address, 1, () => {
          const result = this.#mmu(pid).fetch(address, 1, { mode: 'user' })
          if (result.ok) return { status: STATUS_SUCCESS }
          const exception = raise(result.fault)
          return { status: exception.code, exception }
        })
      },
      peek: (address, length): CpuReadResult => {
        if (!validAddress(address) || !Number.isSafeInteger(length) || length < 0)
          return { ...bad(0, address), data: new Uint8Array(0) }
        const result = this.mm.mmuFor(pid).peek(address, length, { mode: 'user' })
        if (result.ok) return { status: STATUS_SUCCESS, data: result.data }
        return { status: STATUS_ACCESS_VIOLATION, data: new Uint8Array(0) }
      },
    }
  }

  // ---- the services' view of the memory manager ----

  #createPort(): VirtualMemoryPort {
    const mm = this.mm
    const space = (pid: number) => this.#space(pid)
    const view = (pid: number, area: MemoryArea | undefined) =>
      area && {
        base: area.startingAddress,
        size: area.endingAddress - area.startingAddress,
        allocationProtect: area.protect,
        isPrivate: area.type === 'VIRTUAL_MEMORY',
        writeWatch: this.#processes.get(pid)?.writeWatch.has(area.startingAddress) ?? false,
      }
    const areaAt = (pid: number, base: number) => {
      const area = mm.locateArea(space(pid), base)
      if (!area) throw new RangeError(`no area at ${base.toString(16)} in ${pid}`)
      return area
    }
    /** Copy page by page, stopping at the first page the target cannot give or take. */
    const copy = (
      pid: number,
      address: number,
      length: number,
      step: (mmu: Mmu, at: number, offset: number, chunk: number) => boolean,
    ) => {
      const mmu = this.#mmu(pid)
      let done = 0
      while (done < length) {
        const at = address + done
        const chunk = Math.min(length - done, PAGE_SIZE - (at % PAGE_SIZE))
        if (!step(mmu, at, done, chunk)) break
        done += chunk
      }
      return done
    }
    return {
      allocationAt: (pid, address) => view(pid, mm.locateArea(space(pid), address)),
      allocationOverlapping: (pid, start, size) => view(pid, mm.locateAreaByRange(space(pid), start, size)),
      reserve: (pid, request) => {
        const result = mm.createArea(space(pid), {
          ...(request.base === undefined ? {} : { base: request.base }),
          size: request.size,
          topDown: request.topDown,
          highestAddress: request.highestAddress,
          type: 'VIRTUAL_MEMORY',
          protect: request.protect,
          commit: request.commit,
        })
        if (result.status !== STATUS_SUCCESS || !result.area) return { status: result.status }
        const base = result.area.startingAddress
        if (request.writeWatch) this.#processes.get(pid)?.writeWatch.set(base, new Set())
        return { status: STATUS_SUCCESS, base, size: result.area.endingAddress - base }
      },
      alter: (pid, allocationBase, start, size, state, protect) => {
        const result = mm.alterRegion(space(pid), areaAt(pid, allocationBase), start, size, state, protect)
        if (result.status === STATUS_SUCCESS && state !== 0x1000)
          this.#clearWatch(pid, allocationBase, start, size)
        return result
      },
      release: (pid, allocationBase, start, size) => {
        const area = areaAt(pid, allocationBase)
        const result = mm.releaseRange(space(pid), area, start, size)
        if (result.status === STATUS_SUCCESS) this.#moveWatch(pid, area, start, size)
        return result
      },
      query: (pid, address) => mm.queryAddress(space(pid), address),
      writeWatch: (pid, allocationBase, start, size, options) => {
        const pages = this.#processes.get(pid)?.writeWatch.get(allocationBase)
        if (!pages) return []
        const found = [...pages].filter((page) => page >= start && page < start + size).sort((a, b) => a - b)
        const reported = found.slice(0, options.limit)
        if (options.reset) {
          const last = reported.at(-1)
          for (const page of found) if (last === undefined || page <= last) pages.delete(page)
        }
        return reported
      },
      resetWriteWatch: (pid, allocationBase, start, size) =>
        this.#clearWatch(pid, allocationBase, start, size),
      copyFrom: (pid, address, length) => {
        const chunks: Uint8Array[] = []
        const done = copy(pid, address, length, (mmu, at, _offset, chunk) => {
          const result = mmu.read(at, chunk, { mode: 'user' })
          if (result.ok) chunks.push(result.data)
          return result.ok
        })
        const data = new Uint8Array(done)
        let offset = 0
        for (const chunk of chunks) {
          data.set(chunk, offset)
          offset += chunk.length
        }
        return { data, complete: done === length }
      },
      copyTo: (pid, address, data) => {
        const written = copy(pid, address, data.length, (mmu, at, offset, chunk) => {
          const ok = mmu.write(at, data.subarray(offset, offset + chunk), { mode: 'user' }).ok
          if (ok) this.#noteWrite(pid, at, chunk)
          return ok
        })
        return { written, complete: written === data.length }
      },
    }
  }

  #clearWatch(pid: number, allocationBase: number, start: number, size: number): void {
    const pages = this.#processes.get(pid)?.writeWatch.get(allocationBase)
    if (!pages) return
    for (const page of [...pages]) if (page >= start && page < start + size) pages.delete(page)
  }

  /** After a release, the write-watch bits follow the pieces of the allocation that remain. */
  #moveWatch(pid: number, area: MemoryArea, start: number, size: number): void {
    const watch = this.#processes.get(pid)?.writeWatch
    const pages = watch?.get(area.startingAddress)
    if (!watch || !pages) return
    watch.delete(area.startingAddress)
    const end = start + size
    if (start > area.startingAddress) {
      watch.set(area.startingAddress, new Set([...pages].filter((page) => page < start)))
    }
    if (end < area.endingAddress) watch.set(end, new Set([...pages].filter((page) => page >= end)))
  }
}
