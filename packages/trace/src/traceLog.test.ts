import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toyEvents, toySchema, type ToyEvent } from './testing/toyModel.js'
import { NO_CAUSE, TraceLog } from './traceLog.js'
import { defineSchema } from './traceSchema.js'

describe('traceLog', () => {
  it('gives dense seqs from 0 and round-trips events and causes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.record({ key: fc.nat(255), value: fc.integer() }), fc.record({ note: fc.string() })),
          {
            maxLength: 200,
          },
        ),
        (steps) => {
          const events = toyEvents(
            steps.map((step) => ('value' in step ? { key: step.key, value: step.value | 0 } : step)),
            256,
          )
          const log = new TraceLog(toySchema)
          events.forEach((event, seq) => {
            expect(log.append(event, { cause: seq > 0 && seq % 3 === 0 ? seq - 2 : undefined })).toBe(seq)
          })
          expect(log.length).toBe(events.length)
          events.forEach((event, seq) => {
            expect(log.at(seq)).toEqual(event)
            expect(log.causeOf(seq)).toBe(seq > 0 && seq % 3 === 0 ? seq - 2 : undefined)
          })
        },
      ),
      { numRuns: 50 },
    )
  })

  it('stores high-volume rows through the appender exactly as append does', () => {
    const log = new TraceLog(toySchema)
    const appendSet = log.appender('kv.set')
    for (let index = 0; index < 70_000; index++)
      appendSet.append(index & 255, index * 7, -index, index > 0 ? index - 1 : NO_CAUSE)
    expect(log.length).toBe(70_000)
    expect(log.at(69_999)).toEqual({ type: 'kv.set', key: 69_999 & 255, value: 69_999 * 7, old: -69_999 })
    expect(log.causeOf(65_537)).toBe(65_536)
    expect(log.causeOf(0)).toBeUndefined()
  })

  it('hands out frozen events and read-only views that cannot be changed', () => {
    const log = new TraceLog(toySchema)
    log.append({ type: 'kv.set', key: 1, value: 2, old: 0 })
    const note: ToyEvent = { type: 'kv.note', text: 'x', at: 4 }
    log.append(note)
    const event = log.at(0) as { value: number }
    expect(Object.isFrozen(event)).toBe(true)
    expect(() => {
      event.value = 9
    }).toThrow(TypeError)
    const view = log.view(0) as { value: number }
    expect(() => {
      view.value = 9
    }).toThrow(TypeError)
    expect(view.value).toBe(2)
    expect(JSON.parse(JSON.stringify(view))).toEqual({ type: 'kv.set', key: 1, value: 2, old: 0 })
    expect(() => {
      ;(note as { text: string }).text = 'changed'
    }).toThrow(TypeError)
    expect(log.at(1)).toEqual({ type: 'kv.note', text: 'x', at: 4 })
  })

  it.each([
    ['a cause equal to the seq', 0, 0],
    ['a forward cause', 0, 5],
    ['a negative cause', 1, -2],
    ['a fractional cause', 1, 0.5],
  ])('refuses %s and appends nothing', (_name, before, cause) => {
    const log = new TraceLog(toySchema)
    for (let index = 0; index < before; index++) log.append({ type: 'kv.set', key: 0, value: 0, old: 0 })
    expect(() => log.append({ type: 'kv.set', key: 0, value: 1, old: 0 }, { cause })).toThrow(RangeError)
    expect(log.length).toBe(before)
  })

  it.each([
    ['a key out of u8 range', { type: 'kv.set', key: 256, value: 0, old: 0 }],
    ['a fractional value', { type: 'kv.set', key: 1, value: 0.5, old: 0 }],
    ['a note failing its schema', { type: 'kv.note', text: 5, at: 0 }],
    ['an undeclared kind', { type: 'kv.unknown' }],
  ])('refuses %s', (_name, event) => {
    const log = new TraceLog(toySchema)
    expect(() => log.append(event as ToyEvent)).toThrow()
    expect(log.length).toBe(0)
  })

  it('uses at most 16 bytes per high-volume event, index and cause included', () => {
    const schema = defineSchema<{ type: 'hw.access'; address: number; pid: number; access: number }>({
      kinds: { 'hw.access': { volume: 'high', fields: { address: 'u32', pid: 'u16', access: 'u8' } } },
    })
    const log = new TraceLog(schema)
    const append = log.appender('hw.access')
    const count = 1 << 18
    for (let index = 0; index < count; index++)
      append.append(index * 4, 1, index & 1, index > 0 ? index - 1 : NO_CAUSE)
    const memory = log.memory()
    expect(memory.bytesPerEvent).toBeLessThanOrEqual(16)
    // 4 bytes per event in the chunk being written, 2 (a u16 distance) in the three before it.
    expect(memory.causeBytes).toBe((count - (1 << 16)) * 2 + (1 << 16) * 4)
  })

  it('keeps a complete chunk of causes as u16 distances when all fit, else as they were', () => {
    const schema = defineSchema<{ type: 'hw.access'; address: number }>({
      kinds: { 'hw.access': { volume: 'high', fields: { address: 'u32' } } },
    })
    const log = new TraceLog(schema)
    const append = log.appender('hw.access')
    const chunk = 1 << 16
    const count = chunk * 4 + 10
    // Chunk 1 holds one cause 70,000 events back (beyond u16): it stays 4 bytes per event.
    const causeOf = (seq: number): number | undefined => {
      if (seq === chunk + 5000) return seq - 70_000
      return seq % 7 === 0 ? undefined : seq - 1 - (seq % 300)
    }
    for (let seq = 0; seq < count; seq++) {
      const cause = causeOf(seq)
      append.append(seq, cause === undefined || cause < 0 ? NO_CAUSE : cause)
    }
    for (let seq = 0; seq < count; seq++) {
      const cause = causeOf(seq)
      expect(log.causeOf(seq)).toBe(cause === undefined || cause < 0 ? undefined : cause)
    }
    // Chunks 0, 2 and 3 as distances, chunk 1 and the open chunk 4 as i32.
    expect(log.memory().causeBytes).toBe(3 * chunk * 2 + 2 * chunk * 4)
  })

  it('stores a full chunk at the width its values need, and reads every value back unchanged', () => {
    type Access = { type: 'hw.access'; address: number; age: number; pid: number }
    const schema = defineSchema<Access>({
      kinds: { 'hw.access': { volume: 'high', fields: { address: 'f64', age: 'f64', pid: 'u32' } } },
    })
    const log = new TraceLog(schema)
    const append = log.appender('hw.access')
    const count = (1 << 16) * 3 + 100
    // Chunk 0: x86 addresses (u32), chunk 1: one fraction (stays f64), chunk 2: a -0 (stays f64).
    const age = (index: number) => (index === 70_000 ? 0.5 : index === 140_000 ? -0 : index & 0xff)
    for (let index = 0; index < count; index++)
      append.append(0x7ff00000 + index * 8, age(index), index & 3, index > 0 ? index - 1 : NO_CAUSE)
    // A full chunk is narrowed once the log has moved on from it; then every way of reading agrees.
    const wide = 3 * 8 + 2 * 8 + 4
    expect(log.memory().columnBytes).toBeLessThan((count * wide) / 2)
    for (const seq of [0, 1, 65_535, 65_536, 70_000, 131_071, 140_000, count - 1]) {
      const expected = { type: 'hw.access', address: 0x7ff00000 + seq * 8, age: age(seq), pid: seq & 3 }
      expect(log.at(seq), `seq ${seq}`).toEqual(expected)
      expect(Object.is(log.at(seq)?.age, expected.age), `seq ${seq}`).toBe(true)
      const view = log.view(seq) as Access
      expect([view.type, view.address, view.age, view.pid]).toEqual(Object.values(expected))
      expect(log.causeOf(seq)).toBe(seq > 0 ? seq - 1 : undefined)
    }
  })

  it('refuses invalid schema declarations with a clear error', () => {
    expect(() => defineSchema({ kinds: {} } as never)).toThrow(RangeError)
    expect(() =>
      defineSchema<{ type: 'a'; x: number }>({
        kinds: { a: { volume: 'high', fields: { x: 'u64' as 'u32' } } },
      }),
    ).toThrow(TypeError)
    expect(() =>
      defineSchema<{ type: 'a'; x: number }>({
        kinds: { a: { volume: 'high', fields: { x: 'u32' }, addressFields: ['y' as 'x'] } },
      }),
    ).toThrow(RangeError)
  })
})
