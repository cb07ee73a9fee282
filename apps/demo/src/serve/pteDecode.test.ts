import { readPteView } from '@ntmm/mm-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { requireScenario } from '../scenarios/catalog.js'
import type { ExplorerWalk } from './explorerApi.js'
import { ExplorerSession } from './explorerSession.js'
import { decodeSoftware, protectionMaskName, splitAddress } from './pteDecode.js'

describe('pteDecode', () => {
  it('reads 0x4880 as a transition PTE (frame 4, MM_READWRITE), not as hardware bits', () => {
    const entry = decodeSoftware(0x4880)
    expect(entry).toMatchObject({ kind: 'transition', pfn: 4, protection: 4, transition: true })
    expect(entry.protectionName).toBe('MM_READWRITE')
    expect(entry.win32Protection).toBe('PAGE_READWRITE')
  })

  it('agrees with the memory manager (mm-core readPteView) on every not-present PTE', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const low = (value & ~0x401) >>> 0
        const mine = decodeSoftware(low)
        const mm = readPteView(low, 0, 'x86')
        const expected = {
          zero: 'zero',
          protection: 'demand-zero',
          pageFile: 'page-file',
          transition: 'transition',
          valid: 'valid',
          prototype: 'prototype',
        }[mm.kind]
        expect(mine.kind).toBe(expected)
        if (mm.kind !== 'zero' && mm.kind !== 'valid') expect(mine.protection).toBe(mm.protectMask)
        if (mm.kind === 'pageFile') expect(mine.slot).toBe(mm.slot)
        if (mm.kind === 'transition') expect(mine.pfn).toBe(mm.pfn)
      }),
    )
    expect(decodeSoftware(0x400 | (4 << 5)).kind).toBe('prototype')
    expect(protectionMaskName(0x10 | 4)).toBe('MM_GUARDPAGE|MM_READWRITE')
  })

  it('splits an address into 10/10/12 (x86), 2/9/9/12 (PAE) and 9/9/9/9/12 (x64) fields', () => {
    const fields = (va: number, mode: 'x86' | 'x86-pae' | 'x64') =>
      splitAddress(va, mode).map((part) => [part.name, part.value])
    expect(fields(0x11010, 'x86')).toEqual([
      ['PD', 0],
      ['PT', 0x11],
      ['offset', 0x10],
    ])
    expect(fields(0xc0311abc, 'x86-pae')).toEqual([
      ['PDPT', 3],
      ['PD', 1],
      ['PT', 0x111],
      ['offset', 0xabc],
    ])
    expect(fields(0x7ff000ba8, 'x64').map(([, value]) => value)).toEqual([0, 0x1f, 0x1f8, 0, 0xba8])
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (va) => {
        const rebuilt = splitAddress(va, 'x64').reduce((sum, part) => sum + part.value * 2 ** part.bits[1], 0)
        expect(rebuilt).toBe(va)
      }),
    )
  })

  it('gives each walk level the address arithmetic the MMU did (base + index × size), in every mode', () => {
    for (const arch of ['x86', 'x86-pae', 'x64'] as const) {
      const kernel = requireScenario('article').run({ arch, verbose: false, record: true }).kernel
      const session = new ExplorerSession(kernel, 'article')
      const walk = session.walk(session.length - 1, undefined, 0x11010) as ExplorerWalk
      expect(walk.mode).toBe(arch)
      expect(walk.levels.length).toBeGreaterThan(1)
      for (const level of walk.levels) {
        expect(level.tableBase + level.index * level.entrySize, `${arch} ${level.name}`).toBe(
          level.entryAddress,
        )
        if (!level.present) expect(level.hardwareBits).toEqual([])
      }
    }
  })
})
