// The Kernel's implementation of the VirtualMemoryPort (virtualMemoryPort.ts), the system
// services' view of the memory manager: mm-core's MemoryManager for the process named, plus the
// write-watch bits that follow its allocations, and the page-by-page copies the kernel makes while
// attached to another process (ReactOS mm/ARM3/virtual.c MiDoMappedCopy, under
// NtRead/NtWriteVirtualMemory).

import type { MemoryArea } from '@ntmm/mm-core'
import type { Mmu } from '@ntmm/hw-mmu'
import type { KernelContext } from './kernelContext.js'
import { MEM_COMMIT, PAGE_SIZE } from './memoryConstants.js'
import { STATUS_SUCCESS } from './ntStatus.js'
import type { VirtualMemoryPort } from './virtualMemoryPort.js'
import { clearWatch, isWatched, moveWatch, noteWrite, setWatch, writtenPages } from './writeWatch.js'

/** The port through which the system services of the machine of `context` reach its memory manager. */
export function createVirtualMemoryPort(context: KernelContext): VirtualMemoryPort {
  const mm = context.mm
  const space = (pid: number) => context.space(pid)
  const view = (pid: number, area: MemoryArea | undefined) =>
    area && {
      base: area.startingAddress,
      size: area.endingAddress - area.startingAddress,
      allocationProtect: area.protect,
      isPrivate: area.type === 'VIRTUAL_MEMORY',
      sectionKind: area.view === undefined ? undefined : mm.segmentInfo(area.view.segmentId)?.kind,
      writeWatch: isWatched(context, pid, area.startingAddress),
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
    const mmu = mm.mmuFor(pid)
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
    createMemoryArea: (pid, request) => {
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
      if (request.writeWatch) setWatch(context, pid, base, [])
      return { status: STATUS_SUCCESS, base, size: result.area.endingAddress - base }
    },
    alterRegion: (pid, allocationBase, start, size, state, protect) => {
      const result = mm.alterRegion(space(pid), areaAt(pid, allocationBase), start, size, state, protect)
      // Decommitted pages lose their write-watch bits (a recommitted page is unwritten).
      if (result.status === STATUS_SUCCESS && state !== MEM_COMMIT)
        clearWatch(context, pid, allocationBase, start, size)
      return result
    },
    releaseRange: (pid, allocationBase, start, size) => {
      const area = areaAt(pid, allocationBase)
      const result = mm.releaseRange(space(pid), area, start, size)
      if (result.status === STATUS_SUCCESS) moveWatch(context, pid, area, start, size)
      return result
    },
    query: (pid, address) => mm.queryAddress(space(pid), address),
    writeWatch: (pid, allocationBase, start, size, options) =>
      writtenPages(context, pid, allocationBase, start, size, options),
    resetWriteWatch: (pid, allocationBase, start, size) =>
      clearWatch(context, pid, allocationBase, start, size),
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
        if (ok) noteWrite(context, pid, at, chunk)
        return ok
      })
      return { written, complete: written === data.length }
    },
  }
}
