import { machineSchema } from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { describeEvent, eventLine } from './describeEvent.js'
import { scenarios } from './scenarios/catalog.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

/** The first recorded event of each type over every built-in scenario, on each paging mode. */
function recordedSamples(): Map<string, AnyEvent> {
  const samples = new Map<string, AnyEvent>()
  for (const arch of ['x86', 'x64'] as const)
    for (const scenario of scenarios) {
      const log = scenario.run({ arch, verbose: false, record: true }).kernel.trace!
      for (let seq = 0; seq < log.length; seq++) {
        const type = log.typeAt(seq) ?? ''
        if (!samples.has(type)) samples.set(type, log.at(seq) as AnyEvent)
      }
    }
  return samples
}

describe('describeEvent', () => {
  const samples = recordedSamples()

  it('has a plain-language line for every event type of the machine schema', () => {
    const types = machineSchema.kinds.map((kind) => kind.type)
    expect(types.length).toBeGreaterThan(50)
    for (const type of types) {
      const line = eventLine(samples.get(type) ?? { type })
      // Not the generic fallback, not the type echoed back, not raw JSON.
      expect(line, type).not.toMatch(/\(\d+ fields\)$/)
      expect(line.startsWith(type), type).toBe(false)
      expect(line, type).not.toMatch(/[{}"]/)
    }
  })

  it('fills every line of a recorded event (no NaN, no undefined), in words', () => {
    expect(samples.size).toBeGreaterThan(30)
    for (const [type, event] of samples) {
      const line = eventLine(event)
      expect(line, type).not.toMatch(/NaN|undefined|\[object/)
    }
    expect(eventLine(samples.get('hw.tlbMiss')!)).toMatch(/^data TLB miss: no entry for the page/)
    expect(eventLine(samples.get('nt.objectCreated')!)).toMatch(/^Process object #\d+ created: process 4/)
  })

  it('puts the value a PTE write wrote before the rest of its line', () => {
    const line = eventLine({
      type: 'hw.pteWritten',
      address: 0x12044,
      level: 1,
      size: 4,
      oldLow: 0,
      oldHigh: 0,
      newLow: 0x13067,
      newHigh: 0,
    })
    expect(line).toBe('PTE ← 0x13067 at physical 0x00012044 (was 0x0)')
  })

  it('leaves the bookkeeping kinds out of the narration, as before', () => {
    expect(describeEvent(samples.get('hw.tlbHit') ?? { type: 'hw.tlbHit' })).toBeUndefined()
    expect(describeEvent(samples.get('nt.objectCreated')!)).toBeUndefined()
    expect(describeEvent(samples.get('mm.pageFault')!)).toMatch(/^MmAccessFault/)
  })
})
