import { describe, expect, it } from 'vitest'
import { encodeChromeTrace } from './chromeTraceExport.js'
import { encodePerfettoTrace, PERFETTO_FIELDS } from './perfettoExport.js'
import { concat } from './testing/codecHelpers.js'
import { type ToyEvent, toySchema } from './testing/toyModel.js'
import { TraceLog } from './traceLog.js'
import { causeSet, type TrackMapping } from './trackMapping.js'

/** A tiny protobuf decoder: field number → list of values (numbers, or bytes for length-delimited). */
type Field = { readonly wire: number; readonly value: number | Uint8Array }
function decode(bytes: Uint8Array): Map<number, Field[]> {
  const fields = new Map<number, Field[]>()
  let offset = 0
  const varint = (): number => {
    let value = 0
    let scale = 1
    for (;;) {
      const byte = bytes[offset++] as number
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 128
    }
  }
  while (offset < bytes.length) {
    const key = varint()
    const field = Math.floor(key / 8)
    const wire = key % 8
    let value: number | Uint8Array
    if (wire === 0) value = varint()
    else if (wire === 1) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8)
      value = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32
      offset += 8
    } else if (wire === 2) {
      const length = varint()
      value = bytes.subarray(offset, offset + length)
      offset += length
    } else throw new Error(`unexpected wire type ${wire}`)
    const list = fields.get(field) ?? []
    list.push({ wire, value })
    fields.set(field, list)
  }
  return fields
}
const text = (value: number | Uint8Array | undefined) => new TextDecoder().decode(value as Uint8Array)

function sampleLog(): TraceLog<ToyEvent> {
  const log = new TraceLog(toySchema)
  log.append({ type: 'kv.note', text: 'start', at: 0 })
  log.append({ type: 'kv.set', key: 1, value: 10, old: 0 }, { cause: 0 })
  log.append({ type: 'kv.set', key: 2, value: 20, old: 0 })
  log.append({ type: 'kv.note', text: 'stop', at: 3 })
  return log
}

const mapping: TrackMapping<ToyEvent> = (entry) => {
  const event = entry.event
  if (event.type === 'kv.note') {
    return event.text === 'start'
      ? { kind: 'begin', track: 'phases', name: 'run', args: { at: event.at } }
      : { kind: 'end', track: 'phases' }
  }
  return [
    {
      kind: 'instant',
      track: 'sets',
      name: `set ${event.key}`,
      args: { value: event.value, negative: -1.5, label: 'x' },
    },
    { kind: 'counter', track: 'last value', value: event.value },
  ]
}

describe('perfettoExport', () => {
  it('writes TracePackets with track descriptors, slices, instants, counters and flows from cause', async () => {
    const log = sampleLog()
    const chunks: Uint8Array[] = []
    for await (const chunk of encodePerfettoTrace(log.entries(), { map: mapping, isCause: causeSet(log) }))
      chunks.push(chunk)
    const trace = decode(concat(chunks))
    const packets = (trace.get(PERFETTO_FIELDS.trace.packet) ?? []).map((field) =>
      decode(field.value as Uint8Array),
    )
    const descriptors = packets.flatMap((packet) =>
      (packet.get(PERFETTO_FIELDS.packet.trackDescriptor) ?? []).map((field) =>
        decode(field.value as Uint8Array),
      ),
    )
    expect(descriptors.map((descriptor) => text(descriptor.get(2)?.[0]?.value))).toEqual([
      'phases',
      'sets',
      'last value',
    ])
    expect(descriptors.map((descriptor) => descriptor.has(PERFETTO_FIELDS.trackDescriptor.counter))).toEqual([
      false,
      false,
      true,
    ])
    const events = packets.flatMap((packet) =>
      (packet.get(PERFETTO_FIELDS.packet.trackEvent) ?? []).map((field) => ({
        timestamp: packet.get(PERFETTO_FIELDS.packet.timestamp)?.[0]?.value,
        sequence: packet.get(PERFETTO_FIELDS.packet.trustedPacketSequenceId)?.[0]?.value,
        event: decode(field.value as Uint8Array),
      })),
    )
    const T = PERFETTO_FIELDS.trackEvent
    expect(events.map(({ event }) => event.get(T.type)?.[0]?.value)).toEqual([1, 3, 4, 3, 4, 2])
    expect(events.map(({ timestamp }) => timestamp)).toEqual([0, 1000, 1000, 2000, 2000, 3000])
    expect(events.every(({ sequence }) => sequence === 1)).toBe(true)
    expect(text(events[0]?.event.get(T.name)?.[0]?.value)).toBe('run')
    expect(events[2]?.event.get(T.counterValue)?.[0]?.value).toBe(10)
    // Flow: event 0 (the cause) and event 1 (its effect) share flow id 1.
    expect(events[0]?.event.get(T.flowIds)?.map((field) => field.value)).toEqual([1])
    expect(events[1]?.event.get(T.flowIds)?.map((field) => [field.wire, field.value])).toEqual([[1, 1]])
    const annotations = (events[1]?.event.get(T.debugAnnotations) ?? []).map((field) =>
      decode(field.value as Uint8Array),
    )
    expect(annotations.map((annotation) => text(annotation.get(10)?.[0]?.value))).toEqual([
      'value',
      'negative',
      'label',
    ])
    expect(annotations[0]?.get(PERFETTO_FIELDS.debugAnnotation.intValue)?.[0]?.value).toBe(10)
    expect(annotations[1]?.has(PERFETTO_FIELDS.debugAnnotation.doubleValue)).toBe(true)
    expect(text(annotations[2]?.get(PERFETTO_FIELDS.debugAnnotation.stringValue)?.[0]?.value)).toBe('x')
  })

  it('writes Chrome trace JSON that parses, with thread names, phases and flow arrows', async () => {
    const log = sampleLog()
    const chunks: Uint8Array[] = []
    for await (const chunk of encodeChromeTrace(log.entries(), { map: mapping, isCause: causeSet(log) }))
      chunks.push(chunk)
    const document = JSON.parse(new TextDecoder().decode(concat(chunks))) as { traceEvents: { ph: string }[] }
    const phases = document.traceEvents.map((event) => event.ph)
    expect(phases.filter((phase) => phase === 'M')).toHaveLength(3)
    expect(phases).toContain('B')
    expect(phases).toContain('E')
    expect(phases).toContain('C')
    expect(phases).toContain('s')
    expect(phases).toContain('f')
  })
})
