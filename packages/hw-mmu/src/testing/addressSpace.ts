// Test and benchmark helpers: build page tables the way an OS would, through the PageTableEditor.
import { Mmu, type MmuOptions } from '../mmu.js'
import { levelCount } from '../paging.js'
import { encodePte, type PteFields } from '../pte.js'

/** Allocates and zeroes a frame, throwing when memory is exhausted. */
export function allocateZeroed(mmu: Mmu): number {
  const pfn = mmu.frames.allocate()
  if (pfn === undefined) throw new Error('out of frames')
  mmu.frames.zero(pfn)
  return pfn
}

/**
 * Allocates a top-level table (x86: page directory; x86-pae: a PDPT whose four PDPTEs point at
 * fresh page directories, as ReactOS sets them up; x64: PML4) and returns its physical address.
 */
export function createRoot(mmu: Mmu): number {
  const root = allocateZeroed(mmu) * 4096
  if (mmu.mode === 'x86-pae') {
    for (let i = 0; i < 4; i++) {
      const pd = allocateZeroed(mmu)
      mmu.pageTables.writeEntryAt(root + i * 8, 3, encodePte({ present: true, pfn: pd }, 'x86-pae'))
    }
  }
  return root
}

/** Where the leaf goes: a 4 KiB page (level 1), a large page (level 2) or a 1 GiB page (level 3). */
export type LeafLevel = 1 | 2 | 3

/**
 * Maps `va` to `pfn` under `root` with the leaf `fields` at `leafLevel`, creating missing tables
 * (intermediate entries present, writable, user, unless `tableFields` says otherwise).
 */
export function mapPage(
  mmu: Mmu,
  root: number,
  va: number,
  pfn: number,
  fields: PteFields,
  options: { readonly leafLevel?: LeafLevel; readonly tableFields?: PteFields } = {},
): void {
  const mode = mmu.mode
  const leafLevel = options.leafLevel ?? 1
  const top = levelCount(mode)
  const tables = mmu.pageTables
  for (let level = top; level > leafLevel; level--) {
    const read = tables.readEntry(root, va, level)
    if (!read.ok) throw new Error(`cannot reach level ${level}: ${read.reason}`)
    if (!read.decoded.present) {
      if (mode === 'x86-pae' && level === 3) throw new Error('PAE PDPTEs are preset by createRoot')
      const table = allocateZeroed(mmu)
      tables.writeEntryAt(
        read.address,
        level,
        encodePte(
          { present: true, writable: true, user: true, ...(options.tableFields ?? {}), pfn: table },
          mode,
        ),
      )
    }
  }
  const leaf = encodePte({ present: true, ...fields, largePage: leafLevel > 1, pfn }, mode)
  const written = tables.writeEntry(root, va, leafLevel, leaf)
  if (!written.ok) throw new Error(`cannot write the leaf: ${written.reason}`)
}

/** A small machine with an empty address space loaded in CR3. */
export function createMachine(options: MmuOptions = {}): { mmu: Mmu; root: number } {
  const mmu = new Mmu({ frames: 512, ...options })
  const root = createRoot(mmu)
  const loaded = mmu.loadCr3(root)
  if (!loaded.ok) throw new Error(loaded.reason)
  return { mmu, root }
}
