import { describe, expect, it } from 'vitest'
import type { HwEvent } from './events.js'
import { FrameStore } from './frameStore.js'
import { PageTableEditor } from './pageTableEditor.js'
import { encodePte } from './pte.js'

describe('pageTableEditor', () => {
  it('finds, reads and writes the PDE and PTE of a 32-bit address space, emitting old and new values', () => {
    const frames = new FrameStore({ frameCount: 8 })
    const editor = new PageTableEditor(frames, 'x86')
    const events: HwEvent[] = []
    frames.setRecorder((event) => events.push(event))
    const cr3 = 1 * 4096
    const va = 0x00c03000 // PDE index 3, PTE index 3
    expect(editor.entryAddress(cr3, va, 2)).toEqual({ ok: true, address: cr3 + 3 * 4, level: 2 })
    expect(editor.entryAddress(cr3, va, 1)).toEqual({
      ok: false,
      reason: 'not-present',
      level: 2,
      address: cr3 + 12,
    })
    editor.writeEntry(cr3, va, 2, encodePte({ present: true, writable: true, pfn: 2 }))
    expect(editor.entryAddress(cr3, va, 1)).toEqual({ ok: true, address: 2 * 4096 + 12, level: 1 })
    editor.writeEntry(cr3, va, 1, 0x5003)
    expect(editor.readEntry(cr3, va, 1)).toMatchObject({
      ok: true,
      low: 0x5003,
      decoded: { pfn: 5, writable: true, present: true },
    })
    expect(events.at(-1)).toEqual({
      type: 'hw.pteWritten',
      address: 2 * 4096 + 12,
      level: 1,
      size: 4,
      oldLow: 0,
      oldHigh: 0,
      newLow: 0x5003,
      newHigh: 0,
    })
    editor.writeEntry(cr3, va, 2, encodePte({ present: true, largePage: true, pfn: 1024 }))
    expect(editor.entryAddress(cr3, va, 1)).toMatchObject({ ok: false, reason: 'large-page', level: 2 })
  })

  it('walks the four x64 levels and the PAE PDPT', () => {
    const frames = new FrameStore({ frameCount: 8 })
    const x64 = new PageTableEditor(frames, 'x64')
    const va = -0x80000000000 + 0x201000 // 0xFFFFF80000201000: PML4 index 0x1F0
    expect(x64.entryAddress(0, va, 4)).toEqual({ ok: true, address: 0x1f0 * 8, level: 4 })
    const pae = new PageTableEditor(frames, 'x86-pae')
    expect(pae.entryAddress(0x1020, 0xc0000000, 3)).toEqual({ ok: true, address: 0x1020 + 3 * 8, level: 3 })
  })

  it.each([
    [(e: PageTableEditor) => e.entryAddress(0, 0, 3), /level 3 does not exist in x86 paging/],
    [(e: PageTableEditor) => e.entryAddress(0x10, 0, 1), /CR3 base 16 is invalid for x86/],
    [(e: PageTableEditor) => e.entryAddress(0, 2 ** 32, 1), /virtual address 4294967296 is out of range/],
    [(e: PageTableEditor) => e.writeEntryAt(0, 1, 1, 1), /entry high half 1 must be 0 in 32-bit paging/],
    [(e: PageTableEditor) => e.writeEntryAt(2, 1, 0), /entry address 2 must be a multiple of 4/],
    [(e: PageTableEditor) => e.writeEntryAt(0, 1, -1), /entry low half -1/],
  ])('rejects bad input with a clear error (%#)', (action, message) => {
    const frames = new FrameStore({ frameCount: 2 })
    expect(() => action(new PageTableEditor(frames, 'x86'))).toThrow(message)
    expect(frames.read32(0)).toBe(0)
  })
})
