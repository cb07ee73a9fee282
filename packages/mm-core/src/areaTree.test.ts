import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AreaTree, checkAreaTree, type GapQuery } from './areaTree.js'
import type { MemoryArea } from './memoryArea.js'
import { MEM_RESERVE, MM_ALLOCATION_GRANULARITY, PAGE_NOACCESS, PAGE_SIZE } from './memoryConstants.js'
import { mmInitializeRegion } from './region.js'

function area(start: number, end: number): MemoryArea {
  return {
    startingAddress: start,
    endingAddress: end,
    type: 'VIRTUAL_MEMORY',
    protect: PAGE_NOACCESS,
    deleteInProgress: false,
    regions: mmInitializeRegion(start, end - start, MEM_RESERVE, PAGE_NOACCESS),
  }
}

/** The reference gap search: scan every hole in address order. */
function referenceGap(areas: readonly MemoryArea[], query: GapQuery): number | undefined {
  const sorted = [...areas].sort((a, b) => a.startingAddress - b.startingAddress)
  const holes: [number, number][] = []
  let cursor = 0
  for (const a of sorted) {
    if (a.startingAddress > cursor) holes.push([cursor, a.startingAddress])
    cursor = Math.max(cursor, a.endingAddress)
  }
  holes.push([cursor, Number.MAX_SAFE_INTEGER])
  const low = Math.ceil(query.lowestAddress / query.granularity) * query.granularity
  const high = query.highestAddress + 1
  const candidates: number[] = []
  for (const [s, e] of holes) {
    const bottom = Math.max(s, low)
    const top = Math.min(e, high)
    if (query.topDown) {
      const c = Math.floor((top - query.length) / query.granularity) * query.granularity
      if (top - query.length >= bottom && c >= bottom) candidates.push(c)
    } else {
      const c = Math.ceil(bottom / query.granularity) * query.granularity
      if (c + query.length <= top) candidates.push(c)
    }
  }
  if (candidates.length === 0) return undefined
  return query.topDown ? Math.max(...candidates) : Math.min(...candidates)
}

// Random non-overlapping areas in a small space (0..0x200000) so holes are frequent.
const areaSet = fc
  .uniqueArray(fc.integer({ min: 0, max: 0x1f }), { maxLength: 24 })
  .chain((slots) =>
    fc.tuple(
      fc.constant(slots),
      fc.array(fc.integer({ min: 1, max: 16 }), { minLength: slots.length, maxLength: slots.length }),
    ),
  )
  .map(([slots, pages]) =>
    slots.map((slot, i) => area(slot * 0x10000, slot * 0x10000 + pages[i]! * PAGE_SIZE)),
  )

describe('areaTree', () => {
  it('keeps AVL order, balance, height bound and augmentation after every insert and remove', () => {
    fc.assert(
      fc.property(areaSet, fc.array(fc.nat(), { maxLength: 24 }), (areas, removals) => {
        let tree = AreaTree.empty
        const versions: [AreaTree, number][] = []
        for (const a of areas) {
          tree = tree.insert(a)
          expect(checkAreaTree(tree)).toEqual([])
          versions.push([tree, tree.size])
        }
        let live = [...areas]
        for (const r of removals) {
          if (live.length === 0) break
          const victim = live[r % live.length]!
          tree = tree.remove(victim.startingAddress)
          live = live.filter((a) => a !== victim)
          expect(checkAreaTree(tree)).toEqual([])
          expect(tree.size).toBe(live.length)
        }
        // Persistence: every earlier version is intact.
        for (const [version, size] of versions) {
          expect(version.size).toBe(size)
          expect(checkAreaTree(version)).toEqual([])
        }
        expect([...tree.areas()].map((a) => a.startingAddress)).toEqual(
          live.map((a) => a.startingAddress).sort((a, b) => a - b),
        )
      }),
      { numRuns: 150 },
    )
  })

  it('locates the area containing an address and the first area overlapping a range', () => {
    fc.assert(
      fc.property(
        areaSet,
        fc.integer({ min: 0, max: 0x210000 }),
        fc.integer({ min: 1, max: 0x40000 }),
        (areas, address, length) => {
          let tree = AreaTree.empty
          for (const a of areas) tree = tree.insert(a)
          const containing = areas.find((a) => address >= a.startingAddress && address < a.endingAddress)
          expect(tree.locate(address)).toBe(containing)
          const overlapping = areas
            .filter((a) => a.startingAddress < address + length && a.endingAddress > address)
            .sort((a, b) => a.startingAddress - b.startingAddress)[0]
          expect(tree.locateByRange(address, length)).toBe(overlapping)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('finds the same lowest / highest hole as a full scan (MiFindEmptyAddressRangeInTree / DownTree)', () => {
    fc.assert(
      fc.property(
        areaSet,
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(PAGE_SIZE, MM_ALLOCATION_GRANULARITY),
        fc.integer({ min: 0, max: 0x100000 }),
        fc.integer({ min: 0x10000, max: 0x220000 }),
        fc.boolean(),
        (areas, pages, granularity, lowestAddress, span, topDown) => {
          let tree = AreaTree.empty
          for (const a of areas) tree = tree.insert(a)
          const query: GapQuery = {
            length: pages * PAGE_SIZE,
            granularity,
            lowestAddress,
            highestAddress: lowestAddress + span - 1,
            topDown,
          }
          expect(tree.findGap(query)).toBe(referenceGap(areas, query))
        },
      ),
      { numRuns: 400 },
    )
  })

  it.each([
    ['bottom-up returns the lowest aligned hole', false, 0x20000],
    ['top-down returns the highest aligned hole below the limit', true, 0x7ffd0000],
  ])('%s', (_rule, topDown, expected) => {
    const tree = AreaTree.empty.insert(area(0x10000, 0x11000)).insert(area(0x40000, 0x50000))
    const gap = tree.findGap({
      length: 0x10000,
      granularity: MM_ALLOCATION_GRANULARITY,
      lowestAddress: 0x10000,
      highestAddress: 0x7ffdffff,
      topDown,
    })
    expect(gap).toBe(expected)
  })

  it('keeps VirtualSize the bytes of its areas and PeakVirtualSize their largest sum, per version (property)', () => {
    fc.assert(
      fc.property(areaSet, fc.array(fc.nat(), { maxLength: 24 }), (areas, removals) => {
        let tree = AreaTree.empty
        let live: MemoryArea[] = []
        let highest = 0
        const bytes = () => live.reduce((sum, a) => sum + (a.endingAddress - a.startingAddress), 0)
        const versions: [AreaTree, number, number][] = []
        const check = () => {
          highest = Math.max(highest, bytes())
          expect([tree.virtualSize, tree.peakVirtualSize]).toEqual([bytes(), highest])
          versions.push([tree, tree.virtualSize, tree.peakVirtualSize])
        }
        // Inserts and removals interleaved, so the peak is passed, held and passed again.
        for (const [index, a] of areas.entries()) {
          tree = tree.insert(a)
          live.push(a)
          check()
          const r = removals[index]
          if (r !== undefined && r % 3 === 0) {
            const victim = live[r % live.length]!
            tree = tree.remove(victim.startingAddress)
            live = live.filter((x) => x !== victim)
            check()
          }
        }
        // A replacement (new regions, DeleteInProgress) keeps both; removing nothing changes nothing.
        for (const a of live) tree = tree.replace({ ...a, deleteInProgress: true })
        expect(tree.remove(0x7fff0000)).toBe(tree)
        check()
        for (const [version, size, peak] of versions)
          expect([version.virtualSize, version.peakVirtualSize]).toEqual([size, peak])
      }),
      { numRuns: 150 },
    )
  })

  it('replaces an area in place of the same bounds as replace does, older versions unchanged (property)', () => {
    fc.assert(
      fc.property(areaSet, fc.array(fc.nat(), { maxLength: 16 }), (areas, picks) => {
        if (areas.length === 0) return
        let tree = AreaTree.empty
        for (const a of areas) tree = tree.insert(a)
        let general = tree
        let same = tree
        for (const pick of picks) {
          const target = areas[pick % areas.length]!
          const next = { ...target, deleteInProgress: pick % 2 === 0 }
          const before = same
          general = general.replace(next)
          same = same.replaceSameBounds(next)
          // The same nodes (bounds, heights, sizes, gap augmentation) and values.
          expect(same.root).toEqual(general.root)
          expect(checkAreaTree(same)).toEqual([])
          expect(before.locate(target.startingAddress)).not.toBe(next)
        }
        // A different bound is refused (an invariant, not a caller's input).
        const first = areas[0]!
        expect(() =>
          same.replaceSameBounds({ ...first, endingAddress: first.endingAddress + PAGE_SIZE }),
        ).toThrow()
      }),
      { numRuns: 150 },
    )
  })

  it('refuses a tree whose counters are not its areas’ (a state block written before it kept them)', () => {
    const tree = AreaTree.empty.insert(area(0x10000, 0x12000))
    expect(checkAreaTree(tree)).toEqual([])
    // The snapshot codec rebuilds an AreaTree from its own keys: an old one has only `root`.
    const old = Object.assign(Object.create(AreaTree.prototype) as AreaTree, { root: tree.root })
    expect(checkAreaTree(old)).toEqual([
      'VirtualSize is undefined, its areas span 8192 bytes',
      'PeakVirtualSize undefined is not a byte count at least VirtualSize undefined',
    ])
  })

  it('reports no gap when nothing fits under the highest address (ZeroBits too restrictive)', () => {
    const tree = AreaTree.empty.insert(area(0x10000, 0x20000))
    expect(
      tree.findGap({
        length: 0x1000,
        granularity: MM_ALLOCATION_GRANULARITY,
        lowestAddress: 0x10000,
        highestAddress: 0x7ff,
        topDown: false,
      }),
    ).toBeUndefined()
  })
})
