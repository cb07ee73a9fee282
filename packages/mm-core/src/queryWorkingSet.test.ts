// Table tests of MemoryWorkingSetExInformation and MemoryWorkingSetInformation as the memory
// manager answers them (queryWorkingSet.ts), each rule as Wine's psapi tests observe Windows.

import { describe, expect, it } from 'vitest'
import { MEM_RESERVE, PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE } from './memoryConstants.js'
import { MemoryListCommand } from './ntWorkingSetServices.js'
import { createNtMachine } from './testing/createNtMachine.js'
import { createSectionMachine } from './testing/createSectionMachine.js'

const block = (fields: Partial<Record<string, number>>) => ({
  valid: 0,
  shareCount: 0,
  win32Protection: 0,
  shared: 0,
  node: 0,
  locked: 0,
  largePage: 0,
  bad: 0,
  ...fields,
})

describe('queryWorkingSetEx (MEMORY_WORKING_SET_EX_BLOCK)', () => {
  it('reports a committed page never touched as invalid, with every other bit 0', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 4)
    expect(mm.queryWorkingSetEx(1, [p.base])[0]!.virtualAttributes).toMatchObject(block({}))
  })

  it('reports a page read or written as valid with its Win32 protection, ShareCount 0 and Shared 0 (private)', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 4)
    p.read(0)
    p.write(1, 1)
    const [read, written] = mm.queryWorkingSetEx(1, [p.base + 0x10, p.base + 0x1000])
    expect(read).toMatchObject({
      virtualAddress: p.base + 0x10,
      virtualAttributes: block({ valid: 1, win32Protection: PAGE_READWRITE }),
    })
    expect(written!.virtualAttributes).toMatchObject(block({ valid: 1, win32Protection: PAGE_READWRITE }))
    // Valid bit 0, Win32Protection from bit 4.
    expect(written!.virtualAttributes.flags).toBe(1 | (PAGE_READWRITE << 4))
  })

  it('reports a page trimmed from the working set (on standby or modified) as invalid', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 4)
    p.write(0, 1)
    mm.emptyWorkingSet(1)
    expect(mm.queryWorkingSetEx(1, [p.base])[0]!.virtualAttributes).toMatchObject(block({}))
    mm.memoryListCommand(MemoryListCommand.MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryListCommand.MemoryPurgeStandbyList)
    expect(mm.queryWorkingSetEx(1, [p.base])[0]!.virtualAttributes.valid).toBe(0)
  })

  it('reports a page made PAGE_NOACCESS as invalid, and still invalid when its protection is given back until it is touched', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 4)
    p.write(0, 1)
    const area = mm.locateArea(p.space, p.base)!
    mm.alterRegion(p.space, area, p.base, 0x1000, 0x1000, PAGE_NOACCESS)
    expect(mm.queryWorkingSetEx(1, [p.base])[0]!.virtualAttributes).toMatchObject(block({}))
    mm.alterRegion(p.space, area, p.base, 0x1000, 0x1000, PAGE_READONLY)
    expect(mm.queryWorkingSetEx(1, [p.base])[0]!.virtualAttributes.valid).toBe(0)
    p.read(0)
    expect(mm.queryWorkingSetEx(1, [p.base])[0]!.virtualAttributes).toMatchObject(
      block({ valid: 1, win32Protection: PAGE_READONLY }),
    )
  })

  it('reports a released or free address, and address 0, as invalid', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 4)
    p.write(0, 1)
    const area = mm.locateArea(p.space, p.base)!
    mm.alterRegion(p.space, area, p.base, 0x4000, MEM_RESERVE, PAGE_READWRITE)
    const answers = mm.queryWorkingSetEx(1, [p.base, 0, 0x7fff0000])
    for (const answer of answers) expect(answer.virtualAttributes).toMatchObject(block({}))
  })

  it('sets Locked for a page locked in the working set (VirtualLock)', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 16)
    p.write(0, 1)
    expect(mm.lockPages(1, [p.base]).status).toBe(0)
    expect(mm.queryWorkingSetEx(1, [p.base])[0]!.virtualAttributes).toMatchObject(
      block({ valid: 1, win32Protection: PAGE_READWRITE, locked: 1 }),
    )
  })

  it('answers the same under another policy (no lock there) and for an unknown process (invalid)', () => {
    const { mm, space, write } = createSectionMachine()
    const area = mm.createArea(space(1), { size: 0x2000, protect: PAGE_READWRITE, commit: true }).area!
    write(1, area.startingAddress, [1])
    expect(mm.queryWorkingSetEx(1, [area.startingAddress])[0]!.virtualAttributes).toMatchObject(
      block({ valid: 1, win32Protection: PAGE_READWRITE }),
    )
    expect(mm.queryWorkingSetEx(9, [area.startingAddress])[0]!.virtualAttributes.valid).toBe(0)
  })

  it('reports a section page as Shared, valid or not, with ShareCount the processes mapping it (at most 7)', () => {
    const { mm, space, read } = createSectionMachine()
    const segmentId = mm.createSegment({ kind: 'pagefile', pages: 1, commit: true }).segmentId!
    const map = (pid: number, protect: number) =>
      mm.mapView(space(pid), { segmentId, offsetPages: 0, pages: 1, protect }).area!.startingAddress
    const a = map(1, PAGE_READWRITE)
    const b = map(2, PAGE_READONLY)
    expect(mm.queryWorkingSetEx(1, [a])[0]!.virtualAttributes).toMatchObject(block({ shared: 1 }))
    read(1, a)
    read(2, b)
    expect(mm.queryWorkingSetEx(1, [a])[0]!.virtualAttributes).toMatchObject(
      block({ valid: 1, shared: 1, shareCount: 2, win32Protection: PAGE_READWRITE }),
    )
    expect(mm.queryWorkingSetEx(2, [b])[0]!.virtualAttributes).toMatchObject(
      block({ valid: 1, shared: 1, shareCount: 2, win32Protection: PAGE_READONLY }),
    )
  })
})

describe('queryWorkingSet (MEMORY_WORKING_SET_BLOCK)', () => {
  it('lists one entry per working-set page and page table: as many as the working-set size', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    for (let page = 0; page < 3; page++) p.write(page, 1)
    const entries = mm.queryWorkingSet(1)
    expect(entries.length * 4096).toBe(mm.processWorkingSet(1)!.workingSetSize)
    expect(entries.slice(0, 3).map((entry) => [entry.virtualPage, entry.protection, entry.shared])).toEqual([
      [p.base, 4, 0],
      [p.base + 0x1000, 4, 0],
      [p.base + 0x2000, 4, 0],
    ])
    // The page table, where x86's self map shows it: PTE_BASE + (address >> 22) pages.
    expect(entries[3]!.virtualPage).toBe(0xc0000000 + Math.floor(p.base / 0x400000) * 0x1000)
  })
})
