import { describe, expect, it } from 'vitest'
import { MmProtection } from './protectionMask.js'
import {
  pageFilePte,
  protectionPte,
  prototypePte,
  readPteView,
  transitionPte,
  validPte,
  validPteLowX86,
} from './softwarePte.js'

describe('softwarePte', () => {
  it.each([
    'x86',
    'x86-pae',
    'x64',
  ] as const)('writes a prototype PTE as P=0, bit 10 set and the protection in bits 5-9, and reads it back (%s)', (mode) => {
    const pte = prototypePte(MmProtection.MM_WRITECOPY)
    expect(pte).toEqual({ low: 0x400 | (MmProtection.MM_WRITECOPY << 5), high: 0 })
    expect(readPteView(pte.low, pte.high, mode)).toEqual({
      kind: 'prototype',
      protectMask: MmProtection.MM_WRITECOPY,
    })
    // The other software formats keep their readings.
    const noAccess = MmProtection.MM_NOACCESS
    expect(readPteView(protectionPte(noAccess).low, 0, mode)).toEqual({
      kind: 'protection',
      protectMask: noAccess,
    })
    expect(readPteView(pageFilePte(7, 4).low, 0, mode)).toEqual({ kind: 'pageFile', slot: 7, protectMask: 4 })
    expect(readPteView(transitionPte(9, 4).low, 0, mode)).toEqual({
      kind: 'transition',
      pfn: 9,
      protectMask: 4,
    })
  })

  it('maps a WRITECOPY page read-only, so its first write faults (MmProtectToPteMask)', () => {
    const options = { mode: 'x64' as const, user: true, noExecute: true }
    const writable = (mask: number) => readPteView(validPte(3, mask, options).low, 0, 'x64')
    expect(writable(MmProtection.MM_READWRITE)).toMatchObject({ kind: 'valid', writable: true })
    expect(writable(MmProtection.MM_EXECUTE_READWRITE)).toMatchObject({ kind: 'valid', writable: true })
    expect(writable(MmProtection.MM_WRITECOPY)).toMatchObject({ kind: 'valid', writable: false })
    expect(writable(MmProtection.MM_EXECUTE_WRITECOPY)).toMatchObject({ kind: 'valid', writable: false })
  })

  it('writes the same 32-bit valid PTE word as validPte for every protection mask, user or not', () => {
    for (let mask = 0; mask < 0x20; mask++)
      for (const user of [false, true])
        for (const pfn of [0, 1, 0x1234, 0xfffff]) {
          const word = validPteLowX86(pfn, mask, user)
          expect(word).toBe(validPte(pfn, mask, { mode: 'x86', user, noExecute: false }).low)
          expect(word).toBe(validPte(pfn, mask, { mode: 'x86', user, noExecute: true }).low)
        }
  })
})
