import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MEM_COMMIT,
  MEM_RESERVE,
  PAGE_EXECUTE_READ,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_SIZE,
} from './memoryConstants.js'
import { STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'
import {
  type RegionChange,
  type RegionList,
  type RegionType,
  applyRegionEdit,
  planAlterPage,
  planAlterRegion,
  regionListFrom,
  checkRegionList,
  invertRegionEdit,
  alterRegionList,
  mmFindRegion,
  mmInitializeRegion,
  regionsOf,
  sliceRegionList,
} from './region.js'

const BASE = 0x100000
const P = PAGE_SIZE

function shape(list: RegionList): [number, number, RegionType, number][] {
  return regionsOf(list).map((r) => [(r.start - BASE) / P, r.length / P, r.type, r.protect])
}

function alter(list: RegionList, firstPage: number, pages: number, type: RegionType, protect: number) {
  const changes: RegionChange[] = []
  const result = alterRegionList(list, BASE + firstPage * P, pages * P, type, protect, (c) => changes.push(c))
  if (result.status !== STATUS_SUCCESS) throw new Error('alter failed')
  expect(checkRegionList(result.list)).toEqual([])
  return {
    list: result.list,
    changes: changes.map((c) => [(c.start - BASE) / P, c.length / P, c.oldType, c.newType]),
  }
}

const R = MEM_RESERVE
const C = MEM_COMMIT
const fresh = () => mmInitializeRegion(BASE, 16 * P, MEM_RESERVE, PAGE_NOACCESS)

describe('region', () => {
  it('MmInitializeRegion makes one region covering the area', () => {
    expect(shape(fresh())).toEqual([[0, 16, R, PAGE_NOACCESS]])
  })

  it.each([
    [
      'split head (range at the start)',
      0,
      4,
      [
        [0, 4, C, PAGE_READWRITE],
        [4, 12, R, PAGE_NOACCESS],
      ],
    ],
    [
      'split middle (three pieces)',
      4,
      4,
      [
        [0, 4, R, PAGE_NOACCESS],
        [4, 4, C, PAGE_READWRITE],
        [8, 8, R, PAGE_NOACCESS],
      ],
    ],
    [
      'split tail (range at the end)',
      12,
      4,
      [
        [0, 12, R, PAGE_NOACCESS],
        [12, 4, C, PAGE_READWRITE],
      ],
    ],
    ['whole area', 0, 16, [[0, 16, C, PAGE_READWRITE]]],
  ])('MmAlterRegion: %s', (_case, first, pages, expected) => {
    const { list, changes } = alter(fresh(), first, pages, C, PAGE_READWRITE)
    expect(shape(list)).toEqual(expected)
    expect(changes).toEqual([[first, pages, R, C]])
  })

  it('MmAlterRegion merges with equal neighbours on both sides', () => {
    let list = alter(fresh(), 0, 4, C, PAGE_READWRITE).list
    list = alter(list, 8, 4, C, PAGE_READWRITE).list
    expect(shape(list)).toHaveLength(4)
    const { list: merged, changes } = alter(list, 4, 4, C, PAGE_READWRITE)
    expect(shape(merged)).toEqual([
      [0, 12, C, PAGE_READWRITE],
      [12, 4, R, PAGE_NOACCESS],
    ])
    expect(changes).toEqual([[4, 4, R, C]])
  })

  it('MmAlterRegion absorbs covered regions and cuts a partial last one, calling alter only for the covered part', () => {
    let list = alter(fresh(), 2, 2, C, PAGE_READONLY).list
    list = alter(list, 6, 4, C, PAGE_EXECUTE_READ).list
    const { list: after, changes } = alter(list, 3, 5, C, PAGE_READWRITE)
    expect(shape(after)).toEqual([
      [0, 2, R, PAGE_NOACCESS],
      [2, 1, C, PAGE_READONLY],
      [3, 5, C, PAGE_READWRITE],
      [8, 2, C, PAGE_EXECUTE_READ],
      [10, 6, R, PAGE_NOACCESS],
    ])
    // The protection-only changes are passed to alter too (ReactOS's `&&` quirk fixed).
    expect(changes).toEqual([
      [3, 1, C, C],
      [4, 2, R, C],
      [6, 2, C, C],
    ])
  })

  it('MmAlterRegion with the attributes already in place changes nothing and calls no alter', () => {
    const list = alter(fresh(), 4, 4, C, PAGE_READWRITE).list
    const { list: same, changes } = alter(list, 5, 2, C, PAGE_READWRITE)
    expect(same.root).toBe(list.root)
    expect(changes).toEqual([])
  })

  it('MmAlterRegion rejects a range outside the list or not page-aligned, changing nothing', () => {
    expect(alterRegionList(fresh(), BASE - P, P, C, PAGE_READWRITE).status).toBe(STATUS_INVALID_PARAMETER)
    expect(alterRegionList(fresh(), BASE + 15 * P, 2 * P, C, PAGE_READWRITE).status).toBe(
      STATUS_INVALID_PARAMETER,
    )
    expect(alterRegionList(fresh(), BASE + 1, P, C, PAGE_READWRITE).status).toBe(STATUS_INVALID_PARAMETER)
  })

  it('MmFindRegion returns the region containing an address', () => {
    const list = alter(fresh(), 4, 4, C, PAGE_READWRITE).list
    expect(mmFindRegion(list, BASE + 5 * P + 7)).toMatchObject({ start: BASE + 4 * P, type: C })
    expect(mmFindRegion(list, BASE + 16 * P)).toBeUndefined()
  })

  it('regions tile the area and agree with a page-by-page model after random alterations', () => {
    const protects = [PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE_READ]
    const op = fc.record({
      first: fc.integer({ min: 0, max: 31 }),
      pages: fc.integer({ min: 1, max: 32 }),
      commit: fc.boolean(),
      protect: fc.constantFrom(...protects),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        let list = mmInitializeRegion(BASE, 32 * P, MEM_RESERVE, PAGE_NOACCESS)
        const model: [RegionType, number][] = Array.from({ length: 32 }, () => [R, PAGE_NOACCESS])
        for (const o of ops) {
          const pages = Math.min(o.pages, 32 - o.first)
          const type: RegionType = o.commit ? C : R
          const before = list
          const touched = new Set<number>()
          const result = alterRegionList(list, BASE + o.first * P, pages * P, type, o.protect, (c) => {
            for (let p = 0; p < c.length / P; p++) touched.add((c.start - BASE) / P + p)
          })
          if (result.status !== STATUS_SUCCESS) throw new Error('unexpected failure')
          list = result.list
          for (let p = o.first; p < o.first + pages; p++) {
            const changed = model[p]![0] !== type || model[p]![1] !== o.protect
            expect(touched.has(p)).toBe(changed)
            model[p] = [type, o.protect]
          }
          expect(checkRegionList(list)).toEqual([])
          // The edit is invertible: undoing it restores the previous list exactly.
          expect(regionsOf(applyRegionEdit(list, invertRegionEdit(result.edit)))).toEqual(regionsOf(before))
        }
        for (let p = 0; p < 32; p++) {
          const region = mmFindRegion(list, BASE + p * P)!
          expect([region.type, region.protect]).toEqual(model[p])
        }
        const slice = sliceRegionList(list, BASE + 3 * P, BASE + 20 * P)
        expect(checkRegionList(slice).filter((p) => !p.startsWith('equal'))).toEqual([])
      }),
      { numRuns: 150 },
    )
  })

  it('plans the same edit for one page as planAlterRegion does (planAlterPage)', () => {
    const attributes = [
      [MEM_COMMIT, PAGE_READWRITE],
      [MEM_COMMIT, PAGE_READONLY],
      [MEM_RESERVE, PAGE_NOACCESS],
    ] as const
    const base = 0x10000
    fc.assert(
      fc.property(
        fc.array(fc.record({ pages: fc.integer({ min: 1, max: 4 }), kind: fc.integer({ min: 0, max: 2 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: -1, max: 33 }),
        fc.integer({ min: 0, max: 2 }),
        (runs, pageIndex, kind) => {
          let at = base
          const regions = runs.map(({ pages, kind }) => {
            const [type, protect] = attributes[kind]!
            const region = { start: at, length: pages * PAGE_SIZE, type, protect }
            at += pages * PAGE_SIZE
            return region
          })
          const list = regionListFrom(base, at, regions)
          const page = base + pageIndex * PAGE_SIZE
          const [type, protect] = attributes[kind]!
          const edit = planAlterPage(list, page, type, protect)
          expect(edit).toEqual(planAlterRegion(list, page, PAGE_SIZE, type, protect)?.edit)
          if (edit === undefined) return
          // Applied (two for two in one path copy, else node by node): the regions of the
          // removed-then-added array edit, a sound tree, and the old list untouched.
          const before = regionsOf(list)
          const expected = before.filter((r) => !edit.removed.some((x) => x.start === r.start))
          expected.push(...edit.added)
          expected.sort((a, b) => a.start - b.start)
          const applied = applyRegionEdit(list, edit)
          expect(regionsOf(applied)).toEqual(expected)
          // (The generated lists may hold equal neighbours; the tree and the tiling must be sound.)
          expect(checkRegionList(applied).filter((p) => !p.startsWith('equal'))).toEqual([])
          expect(regionsOf(list)).toEqual(regions)
        },
      ),
      { numRuns: 500 },
    )
  })
})
