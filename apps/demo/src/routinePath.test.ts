import { describe, expect, it } from 'vitest'
import { faultPath, syscallPath } from './routinePath.js'

const notPresent = { type: 'hw.pageFault', address: 0x10000, errorCode: 0x4 }
const present = { type: 'hw.pageFault', address: 0x10000, errorCode: 0x7 }
const outcome = (kind: string, status: number, cause: string) => ({
  type: 'mm.pageFault',
  kind,
  status,
  cause,
})

describe('routinePath', () => {
  it.each([
    [
      notPresent,
      outcome('hard', 0x124, 'page read back from page-file slot 3'),
      'MmNotPresentFaultVirtualMemory → MmRequestPageMemoryConsumer + the page-file read + MmCreateVirtualMapping',
    ],
    [
      notPresent,
      outcome('soft', 0x123, 'frame reclaimed from the standby list'),
      'MmNotPresentFaultVirtualMemory → frame reclaimed from the standby list + MmCreateVirtualMapping',
    ],
    [
      notPresent,
      outcome('access-violation', 0xc0000005, 'no memory area at the address'),
      'MmAccessFault → MmNotPresentFault → no memory area at the address: STATUS_ACCESS_VIOLATION',
    ],
    [
      notPresent,
      outcome('access-violation', 0xc0000005, 'user-mode access to system space'),
      'MmAccessFault → user-mode access to system space: STATUS_ACCESS_VIOLATION',
    ],
    [
      present,
      outcome('access-violation', 0xc0000005, 'execute on a non-executable page (PAGE_READWRITE)'),
      'MmAccessFault → MmpAccessFault → execute on a non-executable page (PAGE_READWRITE): STATUS_ACCESS_VIOLATION',
    ],
    [
      notPresent,
      outcome('hard', 0x124, 'page read from file 2'),
      'MmAccessFault → MmNotPresentFault → MmNotPresentFaultSectionView → MmRequestPageMemoryConsumer + the file read + MmCreateVirtualMapping',
    ],
    [
      notPresent,
      outcome('hard', 0x124, 'shared page read from page-file slot 4'),
      'MmNotPresentFaultSectionView → MmRequestPageMemoryConsumer + the page-file read + MmCreateVirtualMapping',
    ],
    [
      notPresent,
      outcome('hard', 0x124, 'image page 1 read in'),
      "MmNotPresentFaultSectionView → MmRequestPageMemoryConsumer + the image page's read + MmCreateVirtualMapping",
    ],
    [
      notPresent,
      outcome('soft', 0, 'shared page already resident (frame 5)'),
      'MmNotPresentFaultSectionView → shared page already resident (frame 5) + MmCreateVirtualMapping',
    ],
    [
      notPresent,
      outcome(
        'access-violation',
        0xc0000005,
        'page past the end of the section (reserved until NtExtendSection)',
      ),
      'MmNotPresentFaultSectionView → page past the end of the section (reserved until NtExtendSection): STATUS_ACCESS_VIOLATION',
    ],
    [
      present,
      outcome('copy-on-write', 0x125, 'private copy of segment 3 page 1'),
      'MmAccessFault → MmAccessFaultSectionView → private copy of segment 3 page 1',
    ],
  ])('names the routines of a fault: %j %j', (fault, result, path) => {
    expect(faultPath(fault, result)).toContain(path)
  })

  it('names the memory-manager routines of a system call in the order their events came', () => {
    const entered = { type: 'nt.syscallEntered', service: 'NtFreeVirtualMemory' }
    const caused = [{ type: 'mm.mappingDeleted' }, { type: 'mm.regionsAltered' }, { type: 'mm.areaRemoved' }]
    expect(syscallPath(entered, caused)).toBe(
      'NtFreeVirtualMemory → MmDeleteVirtualMapping → MmAlterRegion → MmFreeMemoryArea',
    )
    expect(syscallPath({ type: 'nt.syscallEntered', service: 'NtClose' }, caused)).toBeUndefined()
    expect(syscallPath(entered, [])).toBeUndefined()
  })
})
