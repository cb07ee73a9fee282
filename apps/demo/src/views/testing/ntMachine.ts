// A live kernel running the 'nt' policy for the working-set and list views' tests (the 'nt' policy
// records once nt-syscalls' schemas know its events; the views only need the machine): 128 frames,
// explicit ticks only, an idle process holding 12 pages under a hard minimum with one page locked,
// and a streamer writing 160 pages with a tick every 16, then reads back a few of its pages around two more ticks, so the lists, the modified page writer and
// the working-set manager have all run. Deterministic: fixed sizes, fixed touches.

import {
  createKernel,
  type Kernel,
  MEM_COMMIT,
  MEM_RESERVE,
  NtCurrentProcess,
  PAGE_READWRITE,
} from '@ntmm/nt-syscalls'
import { QUOTA_LIMITS_HARDWS_MIN_ENABLE } from '@ntmm/mm-core'

/** The machine and its processes. */
export interface NtMachine {
  readonly kernel: Kernel
  readonly idle: number
  readonly streamer: number
  readonly idleBase: number
}

/** Commits `pages` pages in `pid` and returns the base. */
function commit(kernel: Kernel, pid: number, pages: number): number {
  const result = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, pages * 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
  if (result.status !== 0)
    throw new Error(`ntMachine: NtAllocateVirtualMemory gave 0x${result.status.toString(16)}`)
  return result.baseAddress
}

/** Build the machine described above. */
export function ntMachine(): NtMachine {
  const kernel = createKernel({
    arch: 'x86',
    physicalMemory: 128 * 4096,
    pageFile: 512 * 4096,
    replacementPolicy: 'nt',
    nt: { tickEvery: 0, minimumFreePages: 40, plentyFreePages: 64 },
  })
  const idle = kernel.createProcess({ name: 'idle.exe' }).pid
  const streamer = kernel.createProcess({ name: 'stream.exe' }).pid
  const idleBase = commit(kernel, idle, 12)
  const win32 = kernel.win32(idle)
  if (
    !win32.SetProcessWorkingSetSizeEx(NtCurrentProcess, 12 * 4096, 32 * 4096, QUOTA_LIMITS_HARDWS_MIN_ENABLE)
  )
    throw new Error('ntMachine: SetProcessWorkingSetSizeEx failed')
  for (let page = 0; page < 12; page++) kernel.cpu(idle).write(idleBase + page * 4096, [page])
  for (let page = 0; page < 6; page++) kernel.cpu(idle).read(idleBase + page * 4096, 1)
  if (!win32.VirtualLock(idleBase, 4096)) throw new Error('ntMachine: VirtualLock failed')
  const streamBase = commit(kernel, streamer, 160)
  for (let page = 0; page < 160; page++) {
    kernel.cpu(streamer).write(streamBase + page * 4096, [page & 0xff])
    if (page % 16 === 15) kernel.tick()
  }
  // The streamer reads its first pages again: soft faults for those still on standby or modified.
  for (let page = 0; page < 8; page++) kernel.cpu(streamer).read(streamBase + page * 4096, 1)
  // Two passes over the streamer (above its maximum) with four of those pages touched between them:
  // their age goes back to 0, the untouched entries' to 1.
  kernel.tick()
  for (let page = 0; page < 4; page++) kernel.cpu(streamer).read(streamBase + page * 4096, 1)
  kernel.tick()
  return { kernel, idle, streamer, idleBase }
}
