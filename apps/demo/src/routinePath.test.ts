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
