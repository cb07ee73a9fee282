// Every page a paging hierarchy maps, read the way inspection must (DESIGN.md: a peek changes
// nothing): the entries are read from physical memory directly, not through the page walker
// (pageWalker.ts), so no accessed/dirty bit is set, no TLB entry filled and no event recorded. An
// OS keeps software state in its not-present leaf entries (NT's transition and page-file PTEs), so
// every non-zero leaf entry is visited, present or not. The hardware has no such walk; an OS's
// checker or a debugger's page-table dump is what uses it.
import type { PageTableEditor } from './pageTableEditor.js'
import { type PagingMode, entrySize, levelCount, PAGE_SIZE } from './paging.js'
import { decodePte } from './pte.js'

/** Bytes of virtual memory one entry at `level` maps (1 = PTE ... 4 = PML4E). */
function spanOf(mode: PagingMode, level: number): number {
  if (level === 1) return PAGE_SIZE
  if (level === 2) return mode === 'x86' ? 0x400000 : 0x200000
  if (level === 3) return 0x40000000
  return 0x8000000000
}

/**
 * Visits every non-zero leaf entry of the hierarchy rooted at `cr3` in the editor's paging mode:
 * each level-1 entry (PTE) that is not zero, present or not, and each present PDE (or x64 PDPTE)
 * that maps a large page, as `visit(va, low, high, level)` with the first virtual address the entry
 * maps. Upper-level entries that are not present are skipped, whatever their other bits.
 *
 * Order: depth first, entries in index order at every level, so addresses ascend on x86 and PAE;
 * on x64 the lower (user) half comes first, then the upper (kernel) half, whose addresses are the
 * negative numbers hw-mmu uses for canonical addresses with bit 47 set (PML4 index 256 and up).
 *
 * Side-effect free: it only reads physical memory, so it sets no accessed or dirty bit, fills or
 * flushes no TLB entry and records no event. `cr3` is the top table's base as loaded in CR3 (PAE:
 * the 32-byte aligned PDPT).
 */
export function walkLeafEntries(
  tables: PageTableEditor,
  cr3: number,
  visit: (va: number, low: number, high: number, level: number) => void,
): void {
  const mode = tables.mode
  const size = entrySize(mode)
  const walk = (table: number, level: number, base: number): void => {
    const entries = mode === 'x86' ? 1024 : mode === 'x86-pae' && level === 3 ? 4 : 512
    const span = spanOf(mode, level)
    for (let index = 0; index < entries; index++) {
      const { low, high } = tables.readEntryAt(table + index * size)
      if (low === 0 && high === 0) continue
      let va = base + index * span
      // Canonical x64 addresses: the upper half is sign-extended from bit 47.
      if (mode === 'x64' && level === 4 && index >= 256) va -= 2 ** 48
      if (level === 1) {
        visit(va, low, high, level)
        continue
      }
      const entry = decodePte(low, high, mode, level)
      if (entry.maps === 'page') visit(va, low, high, level)
      else if (entry.maps === 'table') walk(entry.pfn * PAGE_SIZE, level - 1, va)
    }
  }
  walk(mode === 'x86-pae' ? cr3 - (cr3 % 32) : cr3, levelCount(mode), 0)
}
