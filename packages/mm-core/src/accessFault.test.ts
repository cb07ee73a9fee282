import { describe, expect, it } from 'vitest'
import type { Architecture } from './addressSpaceLayout.js'
import {
  MEM_COMMIT,
  MEM_RESERVE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_GUARD_PAGE_VIOLATION,
  STATUS_PAGE_FAULT_DEMAND_ZERO,
  ntStatusName,
} from './ntStatus.js'
import type { MmEvent } from './events.js'
import { createTestMachine } from './testing/createTestMachine.js'

type Access = 'read' | 'write' | 'execute'

function machineWith(arch: Architecture, protect: number, commit = true) {
  const machine = createTestMachine({ arch })
  const created = machine.mm.createArea(machine.space, { size: 0x10000, protect, commit })
  if (created.area === undefined) throw new Error('createArea failed')
  return { ...machine, base: created.area.startingAddress, area: created.area }
}

/** The fault handler's answer carried by a failed access (MmAccessFault's AccessFaultResult). */
function responseOf<R>(result: { readonly ok: boolean; readonly response?: R | undefined }): R | undefined {
  return result.ok ? undefined : result.response
}

/** The mm.pageFault events of `mm` from now on, in order. */
function recordFaults(mm: ReturnType<typeof createTestMachine>['mm']) {
  const faults: Extract<MmEvent, { type: 'mm.pageFault' }>[] = []
  mm.setRecorder((event) => {
    if (event.type === 'mm.pageFault') faults.push(event)
  })
  return faults
}

function access(mmu: ReturnType<typeof createTestMachine>['mmu'], kind: Access, address: number) {
  if (kind === 'read') return mmu.read(address, 4)
  if (kind === 'write') return mmu.write(address, [0x11, 0x22])
  return mmu.fetch(address, 1)
}

describe('accessFault', () => {
  it.each([
    'x86',
    'x86-pae',
    'x64',
  ] as const)('resolves the first touch of a committed page as a demand-zero fault (%s)', (arch) => {
    const { mm, mmu, base } = machineWith(arch, PAGE_READWRITE)
    const faults = recordFaults(mm)
    const read = mmu.read(base + 0x1234, 4)
    expect(read).toEqual({ ok: true, data: new Uint8Array(4) })
    expect(faults.at(-1)?.status).toBe(STATUS_PAGE_FAULT_DEMAND_ZERO)
    expect(mm.counters.demandZeroFaults).toBe(1)
    expect(mmu.write(base + 0x1234, [7, 8]).ok).toBe(true)
    expect(mmu.read(base + 0x1234, 2)).toEqual({ ok: true, data: new Uint8Array([7, 8]) })
    expect(mm.counters.demandZeroFaults).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
  })

  const violations: [string, Architecture, number, boolean, Access, number][] = [
    ['a read of a reserved page', 'x86', PAGE_READWRITE, false, 'read', 0],
    ['a write of a reserved page', 'x64', PAGE_READWRITE, false, 'write', 1],
    ['a read of PAGE_NOACCESS', 'x86', PAGE_NOACCESS, true, 'read', 0],
    ['a write to PAGE_READONLY', 'x86', PAGE_READONLY, true, 'write', 1],
    ['a write to PAGE_EXECUTE_READ', 'x86-pae', PAGE_EXECUTE_READ, true, 'write', 1],
    ['an execute of PAGE_READWRITE with NX (PAE)', 'x86-pae', PAGE_READWRITE, true, 'execute', 8],
    ['an execute of PAGE_READONLY with NX (x64)', 'x64', PAGE_READONLY, true, 'execute', 8],
  ]
  it.each(
    violations,
  )('raises STATUS_ACCESS_VIOLATION for %s (%s) with [access kind, address]', (_what, arch, protect, commit, kind, code) => {
    const { mm, mmu, base } = machineWith(arch, protect, commit)
    const address = base + 0x2010
    const result = access(mmu, kind, address)
    expect(result.ok).toBe(false)
    expect(ntStatusName(responseOf(result)!.status)).toBe('STATUS_ACCESS_VIOLATION')
    expect(responseOf(result)!.exception).toEqual({
      code: STATUS_ACCESS_VIOLATION,
      parameters: [code, address],
    })
    expect(mm.counters.accessViolations).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('raises STATUS_ACCESS_VIOLATION for free memory', () => {
    const { mmu } = createTestMachine()
    const read = mmu.read(0x20000000, 1)
    expect(read.ok).toBe(false)
    expect(responseOf(read)?.cause).toBe('no memory area at the address')
  })

  it('lets a read of a PAGE_READONLY page and an execute of PAGE_EXECUTE_READ through', () => {
    const { mmu, base } = machineWith('x64', PAGE_EXECUTE_READ)
    expect(mmu.fetch(base, 1).ok).toBe(true)
    const readOnly = machineWith('x64', PAGE_READONLY)
    expect(readOnly.mmu.read(readOnly.base, 1).ok).toBe(true)
  })

  it('executes a PAGE_READWRITE page on x86 without PAE (no NX bit)', () => {
    const { mmu, base } = machineWith('x86', PAGE_READWRITE)
    expect(mmu.fetch(base, 1).ok).toBe(true)
  })

  it.each([
    'read',
    'write',
    'execute',
  ] as const)('PAGE_GUARD: the first %s raises STATUS_GUARD_PAGE_VIOLATION once, clears the guard, and the retry succeeds', (kind) => {
    const { mm, mmu, space, base } = machineWith('x64', PAGE_EXECUTE_READWRITE | PAGE_GUARD)
    const address = base + 0x3008
    const result = access(mmu, kind, address)
    expect(result.ok).toBe(false)
    const code = kind === 'read' ? 0 : kind === 'write' ? 1 : 8
    expect(responseOf(result)?.exception).toEqual({
      code: STATUS_GUARD_PAGE_VIOLATION,
      parameters: [code, address],
    })
    expect(mm.queryAddress(space, address).protect).toBe(PAGE_EXECUTE_READWRITE)
    expect(mm.queryAddress(space, address + 0x1000).protect).toBe(PAGE_EXECUTE_READWRITE | PAGE_GUARD)
    expect(access(mmu, kind, address).ok).toBe(true)
    expect(access(mmu, kind, address).ok).toBe(true)
    expect(mm.counters.guardPageFaults).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('raises STATUS_ACCESS_VIOLATION for a user-mode access to system space', () => {
    const { mmu } = createTestMachine()
    const read = mmu.read(0x80001000, 1)
    expect(read.ok).toBe(false)
    expect(responseOf(read)?.cause).toBe('user-mode access to system space')
    const x64 = createTestMachine({ arch: 'x64' })
    const x64Read = x64.mmu.read(-0x800000000000 + 0x1000, 1)
    expect(x64Read.ok).toBe(false)
    expect(responseOf(x64Read)?.status).toBe(STATUS_ACCESS_VIOLATION)
  })

  it('maps KUSER_SHARED_DATA read-only in every process, on the one shared frame', () => {
    const { mm, mmu } = createTestMachine()
    expect(mmu.read(0x7ffe0000, 4).ok).toBe(true)
    const write = mmu.write(0x7ffe0000, [1])
    expect(write.ok).toBe(false)
    expect(responseOf(write)?.status).toBe(STATUS_ACCESS_VIOLATION)
    mm.createAddressSpace(2)
    const other = mm.mmuFor(2)
    expect(other.read(0x7ffe0000, 4).ok).toBe(true)
    const first = mm.mmuFor(1).translate(0x7ffe0000)
    const second = mm.mmuFor(2).translate(0x7ffe0000)
    expect(first.ok && second.ok && first.physicalAddress === second.physicalAddress).toBe(true)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('raises STATUS_ACCESS_VIOLATION after a decommit and gives a zero page after recommitting', () => {
    const { mm, mmu, space, base, area } = machineWith('x86', PAGE_READWRITE)
    expect(mmu.write(base, [5]).ok).toBe(true)
    expect(mm.alterRegion(space, area, base, 0x1000, MEM_RESERVE, PAGE_NOACCESS).status).toBe(0)
    const read = mmu.read(base, 1)
    expect(read.ok).toBe(false)
    expect(responseOf(read)?.cause).toBe('page reserved, not committed')
    expect(mm.alterRegion(space, area, base, 0x1000, MEM_COMMIT, PAGE_READWRITE).status).toBe(0)
    expect(mmu.read(base, 1)).toEqual({ ok: true, data: new Uint8Array([0]) })
    expect(mm.checkInvariants()).toEqual([])
  })

  it('makes a resident page read-only when its protection changes (PTE rewritten, TLB entry invalidated)', () => {
    const { mm, mmu, space, base, area } = machineWith('x86', PAGE_READWRITE)
    expect(mmu.write(base, [5]).ok).toBe(true)
    expect(mm.alterRegion(space, area, base, 0x1000, MEM_COMMIT, PAGE_READONLY).status).toBe(0)
    const write = mmu.write(base, [6])
    expect(write.ok).toBe(false)
    expect(responseOf(write)?.cause).toContain('write to a read-only page')
    expect(mmu.read(base, 1)).toEqual({ ok: true, data: new Uint8Array([5]) })
    expect(mm.alterRegion(space, area, base, 0x1000, MEM_COMMIT, PAGE_NOACCESS).status).toBe(0)
    expect(mmu.read(base, 1).ok).toBe(false)
    expect(mm.alterRegion(space, area, base, 0x1000, MEM_COMMIT, PAGE_READWRITE).status).toBe(0)
    expect(mmu.read(base, 1)).toEqual({ ok: true, data: new Uint8Array([5]) })
    expect(mm.checkInvariants()).toEqual([])
  })
})

describe('accessFault with paging', () => {
  it('keeps a fired guard cleared when the page leaves memory and comes back (transition and page-file PTEs)', () => {
    const machine = createTestMachine({ frames: 20, pageFileSlots: 64, replacementPolicy: 'fifo' })
    const { mm, mmu, space } = machine
    const area = mm.createArea(space, { size: 0x40000, protect: PAGE_READWRITE, commit: true }).area!
    const base = area.startingAddress
    expect(mmu.write(base, [42]).ok).toBe(true)
    expect(mm.alterRegion(space, area, base, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD).status).toBe(0)
    expect(mm.queryAddress(space, base).protect).toBe(PAGE_READWRITE | PAGE_GUARD)
    const read = mmu.read(base, 1)
    expect(read.ok).toBe(false)
    expect(responseOf(read)?.status).toBe(STATUS_GUARD_PAGE_VIOLATION)
    // Push the page out to the page file before touching it again.
    for (let page = 1; page < 64; page++) expect(mmu.write(base + page * 0x1000, [page]).ok).toBe(true)
    expect(mm.queryAddress(space, base).protect).toBe(PAGE_READWRITE)
    expect(mmu.read(base, 1)).toEqual({ ok: true, data: new Uint8Array([42]) })
    expect(mm.counters.guardPageFaults).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
  })
})
