// The ReactOS routines behind a run's events, in the order they run, for the narration: a page
// fault goes MmAccessFault → MmNotPresentFault (locate the MEMORY_AREA) →
// MmNotPresentFaultVirtualMemory (check the MM_REGION, by the PTE's kind) →
// MmRequestPageMemoryConsumer + MmCreateVirtualMapping — or MmAccessFault → MmpAccessFault for a
// protection fault on a present page; an allocation goes NtAllocateVirtualMemory →
// MmCreateMemoryArea / MmAlterRegion. A fault in a section view goes MmNotPresentFault →
// MmNotPresentFaultSectionView (a mapped file's page is read from its file, an image's from its
// laid-out copy, a pagefile section's from the page file), or MmAccessFault →
// MmAccessFaultSectionView for a copy-on-write write. The memory manager records the fault's outcome (mm.pageFault)
// when MmAccessFault returns, after the frames and the mapping it made; the path is told where the
// fault starts (its hw.pageFault), from that outcome, so the routines read in the order they run.

import { ntStatusName } from '@ntmm/nt-syscalls'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

/** The present bit of an x86 page-fault error code: 0 for a not-present page. */
const PF_PRESENT = 0x1

/** Causes with which MmAccessFault itself refuses, before looking for a memory area. */
const refusedByMmAccessFault = new Set([
  'no address space',
  'user-mode access to system space',
  'reserved bit set in a paging entry',
])

/** Causes with which MmNotPresentFault refuses: no area, or an area type it does not fault in. */
const refusedByMmNotPresentFault = [
  'no memory area at the address',
  'memory area being deleted',
  'MEMORY_AREA_SYSTEM never faults in',
  'paged pool is not simulated',
  'section views are not simulated',
  'private memory in system space is not simulated',
]

/**
 * Causes of the section-view fault paths (mm-core sectionViewFault.ts), by how they start: a fault
 * in a view goes MmNotPresentFault → MmNotPresentFaultSectionView, or MmAccessFault →
 * MmAccessFaultSectionView for a write to a present copy-on-write page.
 */
const sectionViewCauses = [
  'shared page',
  'shared frame',
  'zeroed frame for a shared page',
  'page read from file',
  'image page',
  'page of a SEC_RESERVE section',
  'page past the end of the section',
  'private copy of segment',
]

/** Where a hard fault read the page from: its file, the image's laid-out copy, or the page file. */
function hardFaultRead(cause: string): string {
  if (cause.startsWith('page read from file')) return 'the file read'
  if (cause.startsWith('image page')) return "the image page's read"
  return 'the page-file read'
}

/**
 * The routines a page fault ran, `MmAccessFault → … → outcome`, from its hw.pageFault (the error
 * code) and the mm.pageFault MmAccessFault recorded on return (kind, status name, cause).
 */
export function faultPath(pageFault: AnyEvent, outcome: AnyEvent | undefined): string {
  const errorCode = typeof pageFault.errorCode === 'number' ? pageFault.errorCode : 0
  const path = ['MmAccessFault']
  if (outcome === undefined) return path.join(' → ')
  const cause = String(outcome.cause)
  const status = typeof outcome.status === 'number' ? ntStatusName(outcome.status) : undefined
  const ending = (text: string) => (status === undefined ? text : `${text}: ${status}`)
  if (refusedByMmAccessFault.has(cause)) return [...path, ending(cause)].join(' → ')
  const inView = sectionViewCauses.some((start) => cause.startsWith(start))
  if ((errorCode & PF_PRESENT) !== 0)
    return [...path, inView ? 'MmAccessFaultSectionView' : 'MmpAccessFault', ending(cause)].join(' → ')
  path.push('MmNotPresentFault')
  if (refusedByMmNotPresentFault.includes(cause)) return [...path, ending(cause)].join(' → ')
  if (outcome.kind === 'shared-data' || cause.includes('KUSER_SHARED_DATA'))
    return [...path, 'MEMORY_AREA SHARED_DATA', ending(cause)].join(' → ')
  path.push(inView ? 'MmNotPresentFaultSectionView' : 'MmNotPresentFaultVirtualMemory')
  switch (outcome.kind) {
    case 'demand-zero':
      path.push('MmRequestPageMemoryConsumer + MmCreateVirtualMapping')
      break
    case 'hard':
      path.push(`MmRequestPageMemoryConsumer + ${hardFaultRead(cause)} + MmCreateVirtualMapping`)
      break
    case 'soft':
      path.push(`${cause} + MmCreateVirtualMapping`)
      break
    case 'guard':
      path.push(ending('PAGE_GUARD cleared in the PTE (the MM_REGION keeps it)'))
      break
    default:
      path.push(ending(cause))
  }
  return path.join(' → ')
}

/** The memory manager's routine behind an event a system call caused, or undefined. */
const routines: Readonly<Record<string, string>> = {
  'mm.areaInserted': 'MmCreateMemoryArea',
  'mm.regionsAltered': 'MmAlterRegion',
  'mm.areaRemoved': 'MmFreeMemoryArea',
  'mm.mappingDeleted': 'MmDeleteVirtualMapping',
  'mm.pageProtectionChanged': 'MmSetPageProtect',
}

/** The services whose memory-manager routines the narration names. */
const services = new Set(['NtAllocateVirtualMemory', 'NtFreeVirtualMemory', 'NtProtectVirtualMemory'])

/**
 * The routines a virtual-memory system call ran, `NtAllocateVirtualMemory → MmCreateMemoryArea →
 * …` in the order their events came, from the events it caused; undefined for other services or
 * a call that changed nothing (refused before the memory manager was called).
 */
export function syscallPath(entered: AnyEvent, caused: readonly AnyEvent[]): string | undefined {
  const service = String(entered.service)
  if (!services.has(service)) return undefined
  const path: string[] = []
  for (const event of caused) {
    const routine = routines[event.type]
    if (routine !== undefined && !path.includes(routine)) path.push(routine)
  }
  if (path.length === 0) return undefined
  const charged = caused.some((event) => event.type === 'mm.commitCharged')
  return `${[service, ...path].join(' → ')}${charged ? ' (commit charged)' : ''}`
}
