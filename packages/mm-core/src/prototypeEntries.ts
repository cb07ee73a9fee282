// A segment's prototype entries, one per page of the section: NT's array of prototype PTEs
// (SEGMENT.PrototypePte), which RosMm keeps as a sparse table of page tables created on demand
// (ReactOS ntoskrnl/mm/section.c + sptable.c, MmGetPageEntrySectionSegment /
// MmSetPageEntrySectionSegment). Here too the table is sparse: chunks of 512 entries, allocated
// when an entry first differs from the segment's initial kind, so an 8 GiB SEC_RESERVE section
// costs a pointer per 2 MiB. Chunks are copy-on-write between checkpoints (the epoch of the chunk
// tells whether a checkpoint may hold it), so a checkpoint copies the pointers only.
//
//   kind         value        meaning
//   RESERVED     0            uncommitted page of a SEC_RESERVE pagefile section: access violation
//   DEMAND_ZERO  0            committed pagefile page never touched (or dropped clean): zeros
//   VALID        PFN          resident, mapped by at least one process PTE (share count ≥ 1)
//   TRANSITION   PFN          resident on the standby or modified list, mapped by no process
//   PAGE_FILE    slot         pagefile (or image) page written to the page file
//   FILE         0            contents in the backing file (data file, or the image's laid-out copy)

import { assert } from './assert.js'

/** The states of a prototype entry. */
export const PrototypeEntryKind = {
  RESERVED: 0,
  DEMAND_ZERO: 1,
  VALID: 2,
  TRANSITION: 3,
  PAGE_FILE: 4,
  FILE: 5,
} as const

/** The name of a prototype entry state. */
export type PrototypeEntryKindName = keyof typeof PrototypeEntryKind

const kindNames = Object.keys(PrototypeEntryKind) as PrototypeEntryKindName[]

/** The name of a prototype entry kind value. */
export function prototypeEntryKindName(kind: number): PrototypeEntryKindName {
  const name = kindNames[kind]
  assert(name !== undefined, () => `no prototype entry kind ${kind}`)
  return name
}

/** A run of equal entries, as segment records carry them: [kind, value, count]. */
export type PrototypeEntryRun = readonly [kind: PrototypeEntryKindName, value: number, count: number]

const CHUNK_SHIFT = 9
const CHUNK_SIZE = 1 << CHUNK_SHIFT

interface Chunk {
  readonly epoch: number
  readonly kind: Uint8Array
  readonly value: Int32Array
}

/** A frozen copy of a table (its chunks are shared until either side writes them). */
export interface PrototypeEntriesCheckpoint {
  readonly pageCount: number
  readonly initialKind: number
  readonly chunks: readonly (Chunk | undefined)[]
}

// Chunks written under an older epoch may be held by a checkpoint: they are copied before a write.
let epochs = 0

/** The prototype entries of one segment. */
export class PrototypeEntries {
  private chunks: (Chunk | undefined)[]
  private epoch = ++epochs

  /** `pageCount` entries of `initialKind` (value 0). */
  constructor(
    private count: number,
    /** The kind every entry starts with (and the kind of entries in chunks not yet allocated). */
    readonly initialKind: number,
    chunks?: readonly (Chunk | undefined)[],
  ) {
    this.chunks = chunks === undefined ? new Array(chunkCount(count)).fill(undefined) : chunks.slice()
  }

  /** Number of entries (pages of the segment). */
  get pageCount(): number {
    return this.count
  }

  /** The kind of page `page`'s entry. */
  kindOf(page: number): number {
    const chunk = this.chunks[page >>> CHUNK_SHIFT]
    return chunk === undefined ? this.initialKind : chunk.kind[page & (CHUNK_SIZE - 1)]!
  }

  /** The value (PFN or slot) of page `page`'s entry. */
  valueOf(page: number): number {
    const chunk = this.chunks[page >>> CHUNK_SHIFT]
    return chunk === undefined ? 0 : chunk.value[page & (CHUNK_SIZE - 1)]!
  }

  /** Set page `page`'s entry (event replay only). */
  set(page: number, kind: number, value: number): void {
    assert(page >= 0 && page < this.count, () => `prototype entry ${page} outside ${this.count} pages`)
    const index = page >>> CHUNK_SHIFT
    let chunk = this.chunks[index]
    if (chunk === undefined) {
      if (kind === this.initialKind && value === 0) return
      chunk = {
        epoch: this.epoch,
        kind: new Uint8Array(CHUNK_SIZE).fill(this.initialKind),
        value: new Int32Array(CHUNK_SIZE),
      }
      this.chunks[index] = chunk
    } else if (chunk.epoch !== this.epoch) {
      chunk = { epoch: this.epoch, kind: chunk.kind.slice(), value: chunk.value.slice() }
      this.chunks[index] = chunk
    }
    chunk.kind[page & (CHUNK_SIZE - 1)] = kind
    chunk.value[page & (CHUNK_SIZE - 1)] = value
  }

  /** Grow to `pageCount` entries (NtExtendSection); the new ones are `kind`. */
  grow(pageCount: number, kind: number): void {
    assert(pageCount >= this.count, 'prototype entries only grow')
    const from = this.count
    this.count = pageCount
    while (this.chunks.length < chunkCount(pageCount)) this.chunks.push(undefined)
    if (kind !== this.initialKind) for (let page = from; page < pageCount; page++) this.set(page, kind, 0)
  }

  /** The first page in [from, limit) whose entry kind fails `same`, or `limit`. Skips unallocated chunks whole. */
  runEnd(from: number, limit: number, same: (kind: number) => boolean): number {
    let page = from
    while (page < limit) {
      const chunk = this.chunks[page >>> CHUNK_SHIFT]
      const chunkEnd = Math.min(limit, ((page >>> CHUNK_SHIFT) + 1) << CHUNK_SHIFT)
      if (chunk === undefined) {
        if (!same(this.initialKind)) return page
        page = chunkEnd
        continue
      }
      for (; page < chunkEnd; page++) if (!same(chunk.kind[page & (CHUNK_SIZE - 1)]!)) return page
    }
    return limit
  }

  /** Visit every entry that is not the initial kind with value 0, in page order. */
  forEachSet(visit: (page: number, kind: number, value: number) => void): void {
    this.chunks.forEach((chunk, index) => {
      if (chunk === undefined) return
      const base = index << CHUNK_SHIFT
      const end = Math.min(CHUNK_SIZE, this.count - base)
      for (let i = 0; i < end; i++) {
        const kind = chunk.kind[i]!
        const value = chunk.value[i]!
        if (kind !== this.initialKind || value !== 0) visit(base + i, kind, value)
      }
    })
  }

  /** The entries as runs of equal (kind, value), in page order. */
  runs(): PrototypeEntryRun[] {
    const runs: [PrototypeEntryKindName, number, number][] = []
    let page = 0
    const push = (kind: number, value: number, count: number) => {
      const last = runs[runs.length - 1]
      const name = prototypeEntryKindName(kind)
      if (last !== undefined && last[0] === name && last[1] === value) last[2] += count
      else runs.push([name, value, count])
    }
    this.forEachSet((at, kind, value) => {
      if (at > page) push(this.initialKind, 0, at - page)
      push(kind, value, 1)
      page = at + 1
    })
    if (page < this.count) push(this.initialKind, 0, this.count - page)
    return runs
  }

  /** A table from runs (event replay of a segment's record). */
  static fromRuns(initialKind: number, runs: readonly PrototypeEntryRun[]): PrototypeEntries {
    const pageCount = runs.reduce((sum, run) => sum + run[2], 0)
    const entries = new PrototypeEntries(pageCount, initialKind)
    let page = 0
    for (const [name, value, count] of runs) {
      const kind = PrototypeEntryKind[name]
      if (kind !== initialKind || value !== 0)
        for (let i = 0; i < count; i++) entries.set(page + i, kind, value)
      page += count
    }
    return entries
  }

  /** A frozen copy: the chunk pointers (the live table copies a chunk before it next writes it). */
  checkpoint(): PrototypeEntriesCheckpoint {
    this.epoch = ++epochs
    return { pageCount: this.count, initialKind: this.initialKind, chunks: this.chunks.slice() }
  }

  /** A live table from a checkpoint (which stays valid: the new table has its own epoch). */
  static restore(checkpoint: PrototypeEntriesCheckpoint): PrototypeEntries {
    return new PrototypeEntries(checkpoint.pageCount, checkpoint.initialKind, checkpoint.chunks)
  }

  /** Bytes of the chunks (for checkpoint budgets). */
  get byteLength(): number {
    let bytes = this.chunks.length * 8
    for (const chunk of this.chunks) if (chunk !== undefined) bytes += CHUNK_SIZE * 5
    return bytes
  }
}

function chunkCount(pageCount: number): number {
  return (pageCount + CHUNK_SIZE - 1) >>> CHUNK_SHIFT
}
