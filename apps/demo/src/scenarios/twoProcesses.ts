// Two processes: a handle opened without PROCESS_VM_OPERATION cannot allocate in the other process
// (STATUS_ACCESS_DENIED from ObReferenceObjectByHandle), one with PROCESS_VM_OPERATION |
// PROCESS_VM_READ | PROCESS_VM_WRITE can, and NtWriteVirtualMemory / NtReadVirtualMemory copy
// across address spaces (the kernel attaches to the target's CR3), with PARTIAL_COPY at the first
// inaccessible page.

import {
  MEM_COMMIT,
  MEM_RESERVE,
  NtCurrentProcess,
  ntStatusName,
  PAGE_READWRITE,
  PROCESS_QUERY_INFORMATION,
  PROCESS_VM_OPERATION,
  PROCESS_VM_READ,
  PROCESS_VM_WRITE,
} from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { processAccessNames } from '../views/handlesView.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const { debugger: debuggerPid, target } = n.quietly(() => ({
    debugger: n.kernel.createProcess({ name: 'debugger.exe' }).pid,
    target: n.kernel.createProcess({ name: 'target.exe' }).pid,
  }))
  const nt = n.kernel.syscalls(debuggerPid)
  n.say(
    `ntmm: two processes on an ${n.kernel.arch} machine: debugger.exe (${debuggerPid}) and target.exe (${target})`,
  )

  n.step(
    `1. debugger.exe opens target.exe with ${processAccessNames(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ)} only`,
  )
  const weak = nt.NtOpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, target)
  n.expect('NtOpenProcess', ntStatusName(weak.status), 'STATUS_SUCCESS')
  const refused = nt.NtAllocateVirtualMemory(
    weak.handle,
    0,
    0,
    0x10000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  )
  n.expect(
    'NtAllocateVirtualMemory through it (needs PROCESS_VM_OPERATION)',
    ntStatusName(refused.status),
    'STATUS_ACCESS_DENIED',
  )

  const rights = PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE | PROCESS_QUERY_INFORMATION
  n.step(`2. It opens target.exe again with ${processAccessNames(rights)}`)
  const strong = nt.NtOpenProcess(rights, target)
  n.expect('NtOpenProcess', ntStatusName(strong.status), 'STATUS_SUCCESS')
  const remote = nt.NtAllocateVirtualMemory(
    strong.handle,
    0,
    0,
    0x2000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  )
  n.expect('NtAllocateVirtualMemory in target.exe', ntStatusName(remote.status), 'STATUS_SUCCESS')
  const base = remote.baseAddress

  n.step(`3. Cross-process write and read at ${hex(base + 0xff8)} (16 bytes, across a page boundary)`)
  const text = new TextEncoder().encode('cross-process!!!')
  const written = nt.NtWriteVirtualMemory(strong.handle, base + 0xff8, text)
  n.expect(
    'NtWriteVirtualMemory',
    `${ntStatusName(written.status)}, ${written.bytesWritten} bytes`,
    'STATUS_SUCCESS, 16 bytes',
  )
  const seen = n.quietly(() => n.kernel.cpu(target).read(base + 0xff8, 16))
  n.expect("target.exe's own view of the bytes", new TextDecoder().decode(seen.data), 'cross-process!!!')
  const read = nt.NtReadVirtualMemory(strong.handle, base + 0xff8, 16)
  n.expect(
    'NtReadVirtualMemory',
    `${ntStatusName(read.status)}, ${new TextDecoder().decode(read.data)}`,
    'STATUS_SUCCESS, cross-process!!!',
  )
  const denied = nt.NtWriteVirtualMemory(weak.handle, base, new Uint8Array([1]))
  n.expect(
    'NtWriteVirtualMemory through the handle without PROCESS_VM_WRITE',
    ntStatusName(denied.status),
    'STATUS_ACCESS_DENIED',
  )

  n.step('4. A read running past the end of the allocation copies what it can')
  const partial = nt.NtReadVirtualMemory(strong.handle, base + 0x1ff0, 0x20)
  n.expect(
    'NtReadVirtualMemory',
    `${ntStatusName(partial.status)}, ${partial.bytesRead} bytes`,
    'STATUS_PARTIAL_COPY, 16 bytes',
  )

  n.step('5. The handles are closed')
  n.expect('NtClose', ntStatusName(nt.NtClose(weak.handle).status), 'STATUS_SUCCESS')
  n.expect(
    'a second NtClose of the same handle',
    ntStatusName(nt.NtClose(weak.handle).status),
    'STATUS_INVALID_HANDLE',
  )
  n.expect(
    'NtCurrentProcess still works',
    ntStatusName(nt.NtQueryVirtualMemory(NtCurrentProcess, 0).status),
    'STATUS_SUCCESS',
  )
  return n
}

/** The scenario entry. */
export const twoProcesses: Scenario = {
  name: 'processes',
  title: 'Two processes and handle access rights',
  summary:
    'A handle without PROCESS_VM_OPERATION is refused; with the right access, cross-process allocate, write and read (and PARTIAL_COPY).',
  run: play,
}
