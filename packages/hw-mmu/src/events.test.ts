import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { applyHwEvent, undoHwEvent } from './applyHwEvent.js'
import type { HwEvent } from './events.js'
import type { HwState } from './hwState.js'
import { Mmu, type MmuOptions } from './mmu.js'
import type { AccessKind, PagingMode, PrivilegeMode } from './paging.js'
import { allocateZeroed, createRoot, mapPage } from './testing/addressSpace.js'

const BASES: Record<PagingMode, number> = { x86: 0x00400000, 'x86-pae': 0x00400000, x64: -0x80000000000 }

const operation = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('access' as const),
      page: fc.integer({ min: 0, max: 11 }),
      offset: fc.integer({ min: 0, max: 4095 }),
      access: fc.constantFrom<AccessKind>('read', 'write', 'execute'),
      mode: fc.constantFrom<PrivilegeMode>('user', 'supervisor'),
      value: fc.nat(0xffffffff),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('protect' as const),
      page: fc.integer({ min: 0, max: 11 }),
      writable: fc.boolean(),
      invalidate: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('unmap' as const), page: fc.integer({ min: 0, max: 11 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cr3' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('control' as const),
      bit: fc.constantFrom(
        'writeProtect' as const,
        'globalPages' as const,
        'noExecute' as const,
        'pageSizeExtension' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('frames' as const), free: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
)

function fullState(state: HwState) {
  return {
    mode: state.mode,
    registers: [state.cr3, state.pcid, state.cr2, state.faultCount, state.control],
    pdptes: Array.from(state.pdptes),
    allocated: Array.from(state.frames.allocated),
    freeCount: state.frames.freeCount,
    memory: Buffer.from(state.frames.readBytes(0, state.frames.byteLength)).toString('base64'),
    tlbs: state.tlbs.map((tlb) =>
      tlb === undefined
        ? null
        : {
            tags: Array.from(tlb.tags),
            frames: Array.from(tlb.frames),
            flags: Array.from(tlb.flags),
            pcids: Array.from(tlb.pcids),
            ages: Array.from(tlb.ages),
            clock: tlb.clock,
            fillCount: tlb.fillCount,
            statistics: tlb.statistics(),
          },
    ),
  }
}

describe('events', () => {
  it('a recorded random workload, applied to a fresh machine, rebuilds the same state exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        fc.constantFrom<MmuOptions['tlb']>('i386', 'skylake', {
          data: { entries: 4, ways: 2, policy: 'random' },
          second: { entries: 8, ways: 2, policy: 'fifo' },
          seed: 3,
        }),
        fc.array(operation, { maxLength: 50 }),
        (mode, tlb, operations) => {
          const options: MmuOptions = { mode, tlb: tlb!, frames: 128 }
          const mmu = new Mmu(options)
          const events: HwEvent[] = []
          mmu.setRecorder((event) => events.push(event))
          const root = createRoot(mmu)
          mmu.loadCr3(root)
          const base = BASES[mode]
          mmu.setFaultHandler((fault) => {
            if (!fault.isNotPresent) return { retry: false }
            const pfn = mmu.frames.allocate()
            if (pfn === undefined) return { retry: false }
            mmu.frames.zero(pfn)
            mapPage(mmu, root, fault.address - (((fault.address % 4096) + 4096) % 4096), pfn, {
              writable: true,
              user: true,
            })
            return { retry: true }
          })
          const extra: number[] = []
          for (const op of operations) {
            const va =
              base +
              (op.kind === 'access' || op.kind === 'protect' || op.kind === 'unmap' ? op.page * 4096 : 0)
            if (op.kind === 'access') {
              if (op.access === 'write') mmu.write32(va + Math.min(op.offset, 4092), op.value, op.mode)
              else if (op.access === 'read') mmu.read(va + op.offset, 8, { mode: op.mode })
              else mmu.fetch(va + op.offset, 2, { mode: op.mode })
            } else if (op.kind === 'protect' || op.kind === 'unmap') {
              const entry = mmu.pageTables.readEntry(root, va, 1)
              if (!entry.ok || !entry.decoded.present) continue
              const low = op.kind === 'unmap' ? 0 : op.writable ? entry.low | 2 : entry.low & ~2
              mmu.pageTables.writeEntryAt(entry.address, 1, { low: low >>> 0, high: entry.high })
              if (op.kind === 'unmap' || op.invalidate) mmu.invlpg(va)
            } else if (op.kind === 'cr3') mmu.loadCr3(root)
            else if (op.kind === 'control') mmu.setControl({ [op.bit]: !mmu.control[op.bit] })
            else if (op.kind === 'frames') {
              if (op.free && extra.length > 0) mmu.frames.free(extra.pop()!)
              else {
                const pfn = mmu.frames.allocate()
                if (pfn !== undefined) extra.push(pfn)
              }
            } else mmu.resetStatistics()
          }
          const replayed = new Mmu(options)
          const digests = [replayed.digest()]
          for (const event of JSON.parse(JSON.stringify(events)) as HwEvent[]) {
            applyHwEvent(replayed.state, event)
            digests.push(replayed.digest())
          }
          expect(replayed.digest()).toBe(mmu.digest())
          expect(fullState(replayed.state)).toEqual(fullState(mmu.state))
          // Stepping back: undoing the events in reverse passes through every earlier state.
          for (let i = events.length - 1; i >= 0; i--) {
            undoHwEvent(replayed.state, events[i]!)
            expect(replayed.digest()).toBe(digests[i])
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('emits the events of a demand-zero fault in the order the hardware and OS act', () => {
    const mmu = new Mmu({ frames: 16 })
    const root = allocateZeroed(mmu) * 4096
    mmu.loadCr3(root)
    const events: HwEvent[] = []
    mmu.setRecorder((event) => events.push(event))
    mmu.setFaultHandler((fault) => {
      mapPage(mmu, root, fault.address, allocateZeroed(mmu), { writable: true, user: true })
      return { retry: true }
    })
    mmu.write8(0x1000, 1)
    expect(events.map((event) => event.type)).toMatchInlineSnapshot(`
      [
        "hw.tlbMiss",
        "hw.pageWalk",
        "hw.pageFault",
        "hw.frameAllocated",
        "hw.frameZeroed",
        "hw.frameAllocated",
        "hw.frameZeroed",
        "hw.pteWritten",
        "hw.pteWritten",
        "hw.tlbMiss",
        "hw.accessedDirtySet",
        "hw.accessedDirtySet",
        "hw.pageWalk",
        "hw.tlbFill",
        "hw.physicalWrite",
      ]
    `)
  })
})
