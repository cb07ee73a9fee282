import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { HwEvent } from './events.js'
import type { HwRecordingLane } from './hwRecorder.js'
import type { Mmu } from './mmu.js'
import type { PagingMode } from './paging.js'
import {
  buildRandomMachine,
  controlArbitrary,
  leafValue,
  operationArbitrary,
  regionArbitrary,
  tlbArbitrary,
} from './testing/randomMachine.js'
import { expectSameMmu } from './testing/expectSameMmu.js'

// Two paths a recording replay takes (nt-syscalls' runAccesses with an eager recorder), each
// against the general path it stands for, on random machines (x86, PAE, x64; any TLB):
//
// - Mmu.readForEffect / fetchForEffect against readInto / fetchInto: the same outcome and fault,
//   statistics, TLB entries, digest and every event (lane call or event object), no bytes.
// - Mmu.store's aligned 4- and 8-byte store into a frame the checkpoint epoch owns against the
//   scalar-piece loop: the reference machine takes a checkpoint before each store, so no frame is
//   owned and every store takes the loop (ownFrame copies); a checkpoint changes no state, digest
//   or event. Both machines also checkpoint at the same random points.

/** A lane writing each call down (the recorder's numeric lane, as MachineRecorder is). */
function listingLane(calls: unknown[][]): HwRecordingLane {
  return {
    tlbHit: (...args) => void calls.push(['tlbHit', ...args]),
    physicalWrite: (...args) => void calls.push(['physicalWrite', ...args]),
    tlbMiss: (...args) => void calls.push(['tlbMiss', ...args]),
    pageWalk: (...args) => void calls.push(['pageWalk', ...args]),
    tlbEvict: (...args) => void calls.push(['tlbEvict', ...args]),
    tlbFill: (...args) => void calls.push(['tlbFill', ...args]),
    accessedDirtySet: (...args) => void calls.push(['accessedDirtySet', ...args]),
  }
}

const stepArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(operationArbitrary, fc.integer({ min: 0, max: 16 })) },
  { weight: 1, arbitrary: fc.tuple(fc.constant({ kind: 'checkpoint' as const }), fc.nat(3)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant({ kind: 'cr3' as const }), fc.nat(3)) },
)

type Recording = 'lane' | 'events' | 'none'

function machinePair(
  mode: PagingMode,
  control: Parameters<typeof buildRandomMachine>[1],
  tlb: Parameters<typeof buildRandomMachine>[2],
  regions: Parameters<typeof buildRandomMachine>[3],
  recording: Recording,
): [Machine, Machine] {
  const make = (): Machine => {
    const built = buildRandomMachine(mode, control, tlb, regions)
    const events: HwEvent[] = []
    const calls: unknown[][] = []
    if (recording !== 'none')
      built.mmu.setRecorder(
        (event) => events.push(event),
        recording === 'lane' ? listingLane(calls) : undefined,
      )
    expect(built.mmu.loadCr3(built.root).ok).toBe(true)
    return { ...built, events, calls }
  }
  return [make(), make()]
}

interface Machine {
  mmu: Mmu
  root: number
  slots: { va: number; large: boolean; level: number; entry: number }[]
  events: HwEvent[]
  calls: unknown[][]
}

function expectSame(a: Machine, b: Machine, outcomes: string[][]): void {
  expect(outcomes[0]).toEqual(outcomes[1])
  expectSameMmu(a.mmu, b.mmu)
  expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events))
  expect(JSON.stringify(a.calls)).toBe(JSON.stringify(b.calls))
}

/** `length` distinct bytes for the step `n` (a swapped or dropped byte changes what is stored). */
function bytesOf(n: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (n * 31 + i * 7 + 1) & 0xff)
}

describe('accesses for their effect, recorded word stores (property)', () => {
  it('readForEffect and fetchForEffect do what readInto and fetchInto do, without the bytes', () => {
    let accesses = 0
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        controlArbitrary,
        tlbArbitrary,
        fc.array(regionArbitrary, { minLength: 3, maxLength: 3 }),
        fc.array(stepArbitrary, { minLength: 20, maxLength: 80 }),
        fc.constantFrom<Recording>('lane', 'events', 'none'),
        (mode, control, tlb, regions, steps, recording) => {
          const machines = machinePair(mode, control, tlb, regions, recording)
          const outcomes: string[][] = [[], []]
          machines.forEach(({ mmu, root, slots }, m) => {
            const out = outcomes[m]!
            steps.forEach(([op, size], n) => {
              if (op.kind === 'checkpoint') mmu.snapshot()
              else if (op.kind === 'cr3') out.push(String(mmu.loadCr3(root).ok))
              else if (op.kind === 'invlpg') mmu.invlpg(slots[op.slot]!.va)
              else if (op.kind === 'modify') {
                const slot = slots[op.slot]!
                mmu.pageTables.writeEntryAt(slot.entry, slot.level, leafValue(mode, slot.large, op.leaf))
                if (op.invalidation === 'invlpg') mmu.invlpg(slot.va)
              } else {
                // Sizes 0 to 16, within a page or across into the next slot's.
                const va = slots[op.slot]!.va + op.offset
                if (op.access === 'write')
                  out.push(JSON.stringify(mmu.write(va, bytesOf(n, size), { mode: op.mode })))
                else {
                  const effect =
                    m === 0
                      ? op.access === 'read'
                        ? mmu.readForEffect(va, size, op.mode)
                        : mmu.fetchForEffect(va, size, op.mode)
                      : op.access === 'read'
                        ? mmu.readInto(va, new Uint8Array(size), 0, size, op.mode)
                        : mmu.fetchInto(va, new Uint8Array(size), 0, size, op.mode)
                  out.push(String(effect))
                  if (m === 0) accesses++
                }
                if (!out[out.length - 1]!.includes('true') && mmu.lastFault !== undefined)
                  out.push(JSON.stringify(mmu.lastFault))
              }
            })
          })
          expectSame(machines[0], machines[1], outcomes)
        },
      ),
      { numRuns: 300 },
    )
    expect(accesses).toBeGreaterThan(1500)
  })

  it('a recorded aligned word or quadword store into an owned frame is the scalar-piece loop', () => {
    let stores = 0
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        controlArbitrary,
        tlbArbitrary,
        fc.array(regionArbitrary, { minLength: 3, maxLength: 3 }),
        fc.array(stepArbitrary, { minLength: 20, maxLength: 80 }),
        (mode, control, tlb, regions, steps) => {
          const machines = machinePair(mode, control, tlb, regions, 'lane')
          const outcomes: string[][] = [[], []]
          machines.forEach(({ mmu, root, slots }, m) => {
            const out = outcomes[m]!
            steps.forEach(([op, size], n) => {
              if (op.kind === 'checkpoint') mmu.snapshot()
              else if (op.kind === 'cr3') out.push(String(mmu.loadCr3(root).ok))
              else if (op.kind === 'access') {
                // Mostly aligned words and quadwords (the fast path's) within a page's first 64
                // bytes, so stores overwrite earlier ones; some of any size anywhere.
                const length = size < 6 ? 4 : size < 12 ? 8 : size
                const va = slots[op.slot]!.va + (size < 12 ? op.offset & 0x3c : op.offset)
                if (op.access === 'write') {
                  // The reference owns no frame: every store takes the loop.
                  if (m === 1) mmu.snapshot()
                  out.push(JSON.stringify(mmu.write(va, bytesOf(n, length), { mode: op.mode })))
                  if (m === 0 && mmu.lastFault === undefined) stores++
                } else {
                  const read = mmu.read(va, length, { mode: op.mode })
                  out.push(JSON.stringify(read.ok ? Array.from(read.data) : read.fault))
                }
                mmu.lastFault = undefined
              } else if (op.kind === 'modify') {
                const slot = slots[op.slot]!
                mmu.pageTables.writeEntryAt(slot.entry, slot.level, leafValue(mode, slot.large, op.leaf))
                if (op.invalidation === 'invlpg') mmu.invlpg(slot.va)
              } else mmu.invlpg(slots[op.slot]!.va)
            })
          })
          expectSame(machines[0], machines[1], outcomes)
        },
      ),
      { numRuns: 300 },
    )
    expect(stores).toBeGreaterThan(200)
  })
})
