// The CPU of a process's thread as the Kernel hands it out (kernel.cpu(pid)): user-mode loads,
// stores and instruction fetches through the MMU with the process's address space loaded. A #PF
// goes to the memory manager (ReactOS ke/i386/traphdlr.c KiTrap0EHandler → mm/mmfault.c
// MmAccessFault → mm/ARM3/pagfault.c); what it cannot resolve is raised in the thread as an
// exception (KiDispatchException) and recorded as nt.exceptionRaised. Each access is an input of
// the recording and the cause of everything it does. This is the access path: when nothing
// records, an access costs its checks and the MMU's work only.

import type { AccessFaultResult } from '@ntmm/mm-core'
import type { FailedAccess } from '@ntmm/hw-mmu'
import { capturePointer } from './captureArguments.js'
import { type Cpu, type CpuAccessResult, type CpuReadResult, exceptionFor } from './cpu.js'
import { truncate } from './eventSequencer.js'
import type { KernelContext } from './kernelContext.js'
import { ACCESS_CODE, littleEndian } from './machineSchema.js'
import { ntStatusName, STATUS_ACCESS_VIOLATION, STATUS_SUCCESS } from './ntStatus.js'
import { noteWrite } from './writeWatch.js'

// Module constants for the per-access path: under a CommonJS transform of ESM (tsx runs the
// benches that way) each read of an imported binding is a getter call.
const READ_CODE = ACCESS_CODE.read
const WRITE_CODE = ACCESS_CODE.write
const EXECUTE_CODE = ACCESS_CODE.execute
const toLittleEndian = littleEndian
const SUCCESS = STATUS_SUCCESS

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
  const traced = <R>(
    access: 'read' | 'write' | 'execute',
    address: number,
    length: number,
    data: ArrayLike<number> | undefined,
    run: () => R,
  ): R => {
    if (context.viewOf !== undefined) context.refuse(`cpu(${pid}).${access}`)
    const inputs = sequencer.inputs
    const recorder = sequencer.recorder
    if (inputs === undefined && recorder === undefined && sequencer.onEvent === undefined) return run()
    const code = access === 'read' ? READ_CODE : access === 'write' ? WRITE_CODE : EXECUTE_CODE
    const low = data === undefined ? 0 : toLittleEndian(data, 0, 4)
    const high = data !== undefined && data.length > 4 ? toLittleEndian(data, 4, 4) : 0
    if (inputs !== undefined) {
      // Deferred recording: the access and its data are the input; what it does is re-derived.
      inputs.access(pid, code, address, length, low, high, data)
      return run()
    }
    const causes = sequencer.causes
    const depth = causes.length
    let seq: number
    if (recorder !== undefined) {
      seq = recorder.beginAccess(pid, code, address, length, low, high)
      const onEvent = sequencer.onEvent
      if (onEvent !== undefined) {
        onEvent({ seq, cause: undefined, event: { type: 'nt.cpuAccess', pid, access, address, length } })
      }
      // Bytes past the first 8 (an SSE or AVX store, a long write) follow as rows of 16.
      if (data !== undefined && data.length > 8) {
        const first = recorder.writeData(data, seq)
        if (onEvent !== undefined)
          for (let row = first; row < recorder.log.length; row++)
            onEvent({ seq: row, cause: seq, event: recorder.log.at(row)! })
      }
    } else {
      seq = sequencer.record({ type: 'nt.cpuAccess', pid, access, address, length }, undefined)
    }
    // The access causes what it does (the recorder's lane reads the top of this stack).
    causes.push(seq)
    try {
      return run()
    } finally {
      if (recorder !== undefined) recorder.flushAccess()
      if (causes.length === depth + 1) causes.pop()
      else truncate(causes, depth)
      sequencer.openFault = -1
    }
  }
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
  // Addresses follow the capture rule of captureArguments.ts: x86 addresses are truncated to 32
  // bits like a C pointer; an access that would run past the top of the address space (or, on x64,
  // outside the canonical range) faults as an access violation without reaching the MMU.
  const limits = context.limits
  const x86 = limits.pointerBits === 32
  const canonical = (address: unknown, length: number): address is number => {
    if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || length < 0) return false
    const start = address as number
    return x86
      ? start >= 0 && start + length <= 0x1_0000_0000
      : start >= -0x800000000000 && start + length <= 0x800000000000
  }
  const normalise = (address: unknown): unknown =>
    x86 && Number.isSafeInteger(address) ? (capturePointer(address, limits) as number) : address
  const validAddress = (address: unknown, length = 1): address is number => canonical(address, length)
  // The MMU with `pid`'s address space loaded. Its #PF handler is the memory manager's own
  // (KiTrap0EHandler → MmAccessFault for the process whose CR3 is loaded); a failed access carries
  // MmAccessFault's answer, which classifies the exception.
  const mmu = () => mm.mmuFor(pid)
  return {
    pid,
    read: (address, length): CpuReadResult => {
      if (!validAddress(address) || !Number.isSafeInteger(length) || length < 0)
        return { ...bad(0, address), data: new Uint8Array(0) }
      return traced('read', address, length, undefined, () => {
        const result = mmu().read(address, length, { mode: 'user' })
        if (result.ok) return { status: SUCCESS, data: result.data }
        const exception = raise(result)
        return { status: exception.code, data: new Uint8Array(0), exception }
      })
    },
    write: (rawAddress, data): CpuAccessResult => {
      const address = normalise(rawAddress)
      if (!(data instanceof Uint8Array || Array.isArray(data)) || !validAddress(address, data.length))
        return bad(1, address)
      return traced('write', address, data.length, data, () => {
        const result = mmu().write(address, data, { mode: 'user' })
        if (result.ok) {
          noteWrite(context, pid, address, data.length)
          return { status: SUCCESS }
        }
        const exception = raise(result)
        return { status: exception.code, exception }
      })
    },
    execute: (rawAddress): CpuAccessResult => {
      const address = normalise(rawAddress)
      if (!validAddress(address)) return bad(8, address)
      return traced('execute', address, 1, undefined, () => {
        const result = mmu().fetch(address, 1, { mode: 'user' })
        if (result.ok) return { status: SUCCESS }
        const exception = raise(result)
        return { status: exception.code, exception }
      })
    },
    peek: (address, length): CpuReadResult => {
      if (!validAddress(address) || !Number.isSafeInteger(length) || length < 0)
        return { ...bad(0, address), data: new Uint8Array(0) }
      // Inspection through the memory manager's PTE reader: no CR3 load, no TLB fill, no event.
      const data = mm.peekSpace(pid, address, length)
      if (data) return { status: STATUS_SUCCESS, data }
      return { status: STATUS_ACCESS_VIOLATION, data: new Uint8Array(0) }
    },
  }
}
