// Creating and tearing down an address space (ReactOS ntoskrnl/mm/i386/procsup.c and
// mm/procsup.c: MmCreateProcessAddressSpace allocates the page directory, MmInitializeProcessAddressSpace
// creates the KUSER_SHARED_DATA area, MmDeleteProcessAddressSpace frees every area and then the
// paging structures). PAE spaces get their four page directories with the PDPT, because PDPTEs
// are loaded with CR3. The system space is created the same way, once, with no shared-data area.

import { encodePte } from '@ntmm/hw-mmu'
import { AddressSpace } from './addressSpace.js'
import { mmUnmapViewOfSection } from './mapViewOfSection.js'
import { mmFreeMemoryArea } from './memoryAreas.js'
import { MEM_COMMIT, PAGE_READONLY, PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { KERNEL_SPACE_ID } from './mmState.js'
import { STATUS_NO_MEMORY, STATUS_SUCCESS } from './ntStatus.js'
import { releasePageMemoryConsumer, requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { releasePagedOutTables } from './ntPageTables.js'
import { PfnState } from './pfnDatabase.js'

/**
 * Result of creating an address space: the space, or STATUS_NO_MEMORY with the reason when no
 * frame is left for its paging structures (nothing is then left made).
 */
export type CreateAddressSpaceResult =
  | { readonly status: typeof STATUS_SUCCESS; readonly space: AddressSpace }
  | { readonly status: typeof STATUS_NO_MEMORY; readonly reason: string; readonly space?: undefined }

/**
 * MmCreateProcessAddressSpace: the record and handle of space `pid` with its page directory (and
 * PAE's four directories), or STATUS_NO_MEMORY with nothing made. The caller has checked `pid`.
 */
export function mmCreateProcessAddressSpace(core: MmCore, pid: number): CreateAddressSpaceResult {
  const directory = requestPageMemoryConsumer(core, { purpose: 'page-table', pid, address: 0 })
  if (directory === undefined)
    return { status: STATUS_NO_MEMORY, reason: `no frame left for the page directory of ${pid}` }
  core.emit({ type: 'mm.addressSpaceCreated', pid, directoryPfn: directory })
  const space = new AddressSpace(pid, core.layout, core.state)
  core.handles.set(pid, space)
  if (core.layout.arch === 'x86-pae') {
    for (let index = 0; index < 4; index++) {
      const pfn = requestPageMemoryConsumer(core, {
        purpose: 'page-table',
        pid,
        address: index * 0x40000000,
      })
      if (pfn === undefined) {
        // Take back what was made (MmCreateProcessAddressSpace frees its pages on failure).
        mmDeleteProcessAddressSpace(core, pid)
        return { status: STATUS_NO_MEMORY, reason: `no frame left for the page directories of ${pid}` }
      }
      core.machine.editor.writeEntryAt(
        directory * PAGE_SIZE + index * 8,
        3,
        encodePte({ present: true, pfn }, 'x86-pae'),
      )
    }
  }
  return { status: STATUS_SUCCESS, space }
}

/**
 * MmInitializeProcessAddressSpace: the KUSER_SHARED_DATA area of a new process space (one
 * read-only committed page at 0x7FFE0000, mapped to the shared frame on first touch). Not charged:
 * the frame is charged once, to the system.
 */
export function mmInitializeProcessAddressSpace(core: MmCore, space: AddressSpace): void {
  const start = core.layout.sharedUserData
  space.lock()
  try {
    core.emit({
      type: 'mm.areaInserted',
      pid: space.pid,
      area: {
        startingAddress: start,
        endingAddress: start + PAGE_SIZE,
        type: 'SHARED_DATA',
        protect: PAGE_READONLY,
        deleteInProgress: false,
        regions: [{ start, length: PAGE_SIZE, type: MEM_COMMIT, protect: PAGE_READONLY }],
      },
    })
  } finally {
    space.unlock()
  }
}

/**
 * MmDeleteProcessAddressSpace: free every area of `pid` (frames, page-file slots, commit charge;
 * views are unmapped, which may delete their segments),
 * switch to the system space if `pid`'s was loaded, then free its page tables and directory. No
 * effect for an unknown pid or the system space.
 */
export function mmDeleteProcessAddressSpace(core: MmCore, pid: number): void {
  const space = core.handles.get(pid)
  if (space === undefined || pid === KERNEL_SPACE_ID) return
  space.lock()
  try {
    for (const area of [...space.tree.areas()]) {
      if (area.type === 'SECTION_VIEW') mmUnmapViewOfSection(core, space, area)
      else mmFreeMemoryArea(core, space, area)
    }
  } finally {
    space.unlock()
  }
  if (core.machine.currentCr3() === space.cr3) core.machine.loadCr3(core.cr3Of(KERNEL_SPACE_ID)!)
  const record = core.state.space(pid)!
  const pfnDb = core.state.pfn
  // 'nt': page tables that left memory (the areas' teardown brought back those it walked).
  if (core.state.nt !== undefined) releasePagedOutTables(core, pid)
  for (let pfn = 0; pfn < pfnDb.frameCount; pfn++) {
    if (pfnDb.state[pfn] === PfnState.PAGE_TABLE && pfnDb.ownerPid[pfn] === pid) {
      // 'nt': a page table read back from the page file may still hold its copy there.
      const slot = pfnDb.pageFileSlot[pfn]!
      if (slot >= 0) core.emit({ type: 'mm.pageFileSlotFreed', slot })
      releasePageMemoryConsumer(core, pfn)
    }
  }
  core.emit({
    type: 'mm.addressSpaceDeleted',
    pid,
    directoryPfn: record.directoryPfn,
    commitChargePeak: record.commitChargePeak,
    workingSetPeak: record.workingSetPeak,
  })
  core.handles.delete(pid)
}
