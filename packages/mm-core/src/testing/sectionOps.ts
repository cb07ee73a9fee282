// The steps of the random section programs (sectionProgram.ts runs them against a model): the
// fast-check arbitrary of one step, and the prelude every program starts with. Not exported.

import fc from 'fast-check'
import { PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY } from '../memoryConstants.js'

const PIDS = [1, 2, 3] as const

const nat = fc.nat({ max: 1000 })
/** One step of a random section program. */
export const sectionOp = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('segment' as const),
      pages: fc.integer({ min: 1, max: 16 }),
      commit: fc.constantFrom(true, true, true, false),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('file' as const),
      pages: fc.integer({ min: 1, max: 8 }),
      fill: nat,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const), file: nat }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('map' as const),
      pid: fc.constantFrom(...PIDS),
      segment: nat,
      offset: nat,
      pages: fc.integer({ min: 1, max: 12 }),
      protect: fc.constantFrom(PAGE_READWRITE, PAGE_READONLY, PAGE_WRITECOPY),
      /** Pages past the segment's end (a MEM_RESERVE view of a file; ignored for other segments). */
      beyond: fc.constantFrom(0, 0, 0, 1, 2, 3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('extend' as const),
      segment: nat,
      pages: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      view: nat,
      page: nat,
      at: nat,
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('read' as const), view: nat, page: nat }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('sweep' as const),
      view: nat,
      at: nat,
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('protect' as const),
      view: nat,
      page: nat,
      pages: fc.integer({ min: 1, max: 4 }),
      protect: fc.constantFrom(PAGE_READWRITE, PAGE_READONLY, PAGE_WRITECOPY, PAGE_NOACCESS),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flush' as const), view: nat }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unmap' as const), view: nat }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dereference' as const), segment: nat }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('fileWrite' as const),
      file: nat,
      page: nat,
      at: nat,
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('private' as const),
      pid: fc.constantFrom(...PIDS),
      pages: fc.integer({ min: 1, max: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('privateWrite' as const),
      area: nat,
      page: nat,
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('exit' as const), pid: fc.constantFrom(...PIDS) }) },
)

/** One step of a section program. */
export type SectionOp = typeof sectionOp extends fc.Arbitrary<infer T> ? T : never

/** Every program starts with sections mapped in every process, so the random steps find them. */
export const SECTION_PRELUDE: readonly SectionOp[] = [
  { op: 'segment', pages: 16, commit: true },
  { op: 'file', pages: 12, fill: 7 },
  { op: 'segment', pages: 8, commit: false },
  { op: 'map', pid: 1, segment: 0, offset: 0, pages: 16, protect: PAGE_READWRITE, beyond: 0 },
  { op: 'map', pid: 2, segment: 0, offset: 4, pages: 12, protect: PAGE_WRITECOPY, beyond: 0 },
  { op: 'map', pid: 3, segment: 1, offset: 0, pages: 12, protect: PAGE_READWRITE, beyond: 2 },
  { op: 'map', pid: 1, segment: 1, offset: 2, pages: 10, protect: PAGE_WRITECOPY, beyond: 0 },
  { op: 'map', pid: 2, segment: 2, offset: 0, pages: 8, protect: PAGE_READWRITE, beyond: 0 },
  { op: 'private', pid: 3, pages: 6 },
]
