// The thin adapter between the memory manager and @ntmm/hw-mmu's Mmu (one CPU): page-table
// editing, CR3 loads (context switches) and INVLPG, as the MachinePort the mm subsystems use.
// Only the package's public exports are used.

import type { FrameStore, Mmu, PageTableEditor, PagingMode } from '@ntmm/hw-mmu'
import { assert } from './assert.js'
import type { MachinePort } from './mmCore.js'

/** A MachinePort over an Mmu. */
export class MmuMachine implements MachinePort {
  constructor(readonly mmu: Mmu) {}

  get mode(): PagingMode {
    return this.mmu.mode
  }

  get frames(): FrameStore {
    return this.mmu.frames
  }

  get editor(): PageTableEditor {
    return this.mmu.pageTables
  }

  get noExecute(): boolean {
    return this.mmu.mode !== 'x86' && this.mmu.control.noExecute
  }

  currentCr3(): number {
    return this.mmu.cr3
  }

  loadCr3(cr3: number): void {
    const result = this.mmu.loadCr3(cr3)
    assert(result.ok, () => `CR3 load of 0x${cr3.toString(16)} refused: ${result.ok ? '' : result.reason}`)
  }

  invalidatePage(va: number): void {
    this.mmu.invlpg(va)
  }
}
