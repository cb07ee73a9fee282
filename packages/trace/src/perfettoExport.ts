// Export to Perfetto's native protobuf format: a `Trace` of `TracePacket`s carrying
// `TrackDescriptor`s (one per track, counter tracks marked) and `TrackEvent`s (slice begin/end,
// instants, counters, flow ids from `cause`). Encoded by a tiny hand-written protobuf writer;
// field numbers from perfetto/protos/perfetto/trace/{trace_packet,track_event/*}.proto.
import type { TraceEventBase } from './traceSchema.js'
import {
  batchesOf,
  type ExportEntries,
  type TrackArgument,
  type TrackExportOptions,
  trackItems,
} from './trackMapping.js'

/** Protobuf field numbers used (exported for tests and readers of this code). */
export const PERFETTO_FIELDS = {
  trace: { packet: 1 },
  packet: {
    timestamp: 8,
    trustedPacketSequenceId: 10,
    trackEvent: 11,
    sequenceFlags: 13,
    trackDescriptor: 60,
  },
  trackDescriptor: { uuid: 1, name: 2, counter: 8 },
  trackEvent: {
    debugAnnotations: 4,
    type: 9,
    trackUuid: 11,
    name: 23,
    counterValue: 30,
    doubleCounterValue: 44,
    flowIds: 47,
  },
  debugAnnotation: { boolValue: 2, intValue: 4, doubleValue: 5, stringValue: 6, name: 10 },
  eventType: { sliceBegin: 1, sliceEnd: 2, instant: 3, counter: 4 },
} as const

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH = 2
const TWO_32 = 2 ** 32
const SEQUENCE_ID = 1

/** A minimal protobuf message writer (varint, fixed64, double, string, nested). */
class ProtoWriter {
  private bytes = new Uint8Array(64)
  length = 0
  private static readonly encoder = new TextEncoder()

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return
    let capacity = this.bytes.length * 2
    while (capacity < this.length + extra) capacity *= 2
    const bigger = new Uint8Array(capacity)
    bigger.set(this.bytes.subarray(0, this.length))
    this.bytes = bigger
  }

  private rawVarint(value: number): void {
    this.ensure(10)
    while (value >= 0x80) {
      this.bytes[this.length++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    this.bytes[this.length++] = value
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire)
  }

  /** An unsigned integer below 2^53. */
  varint(field: number, value: number): this {
    this.tag(field, WIRE_VARINT)
    this.rawVarint(value)
    return this
  }

  fixed64(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64)
    this.ensure(8)
    const view = new DataView(this.bytes.buffer, this.length, 8)
    view.setUint32(0, value % TWO_32, true)
    view.setUint32(4, Math.floor(value / TWO_32), true)
    this.length += 8
    return this
  }

  double(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64)
    this.ensure(8)
    new DataView(this.bytes.buffer, this.length, 8).setFloat64(0, value, true)
    this.length += 8
    return this
  }

  bytesField(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH)
    this.rawVarint(value.length)
    this.ensure(value.length)
    this.bytes.set(value, this.length)
    this.length += value.length
    return this
  }

  string(field: number, value: string): this {
    return this.bytesField(field, ProtoWriter.encoder.encode(value))
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const nested = new ProtoWriter()
    build(nested)
    return this.bytesField(field, nested.result())
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length)
  }
}

function writeArguments(
  writer: ProtoWriter,
  args: Readonly<Record<string, TrackArgument>> | undefined,
): void {
  const F = PERFETTO_FIELDS.debugAnnotation
  for (const [name, value] of Object.entries(args ?? {})) {
    writer.message(PERFETTO_FIELDS.trackEvent.debugAnnotations, (annotation) => {
      annotation.string(F.name, name)
      if (typeof value === 'boolean') annotation.varint(F.boolValue, value ? 1 : 0)
      else if (typeof value === 'string') annotation.string(F.stringValue, value)
      else if (Number.isSafeInteger(value) && value >= 0) annotation.varint(F.intValue, value)
      else annotation.double(F.doubleValue, value)
    })
  }
}

/**
 * Encodes entries as a Perfetto protobuf trace (open it at ui.perfetto.dev), yielding chunks of
 * concatenated `Trace.packet` fields. Streams: memory holds the track table only.
 */
export async function* encodePerfettoTrace<E extends TraceEventBase>(
  entries: ExportEntries<E>,
  options: TrackExportOptions<E>,
): AsyncGenerator<Uint8Array> {
  const nsPerEvent = options.nsPerEvent ?? 1000
  const P = PERFETTO_FIELDS.packet
  const T = PERFETTO_FIELDS.trackEvent
  const tracks = new Map<string, number>()
  let out = new ProtoWriter()
  let count = 0
  const packet = (build: (writer: ProtoWriter) => void): void => {
    out.message(PERFETTO_FIELDS.trace.packet, (writer) => {
      writer.varint(P.trustedPacketSequenceId, SEQUENCE_ID)
      build(writer)
    })
  }
  const trackUuid = (name: string, counter: boolean): number => {
    let uuid = tracks.get(name)
    if (uuid === undefined) {
      uuid = tracks.size + 1
      tracks.set(name, uuid)
      const id = uuid
      packet((writer) =>
        writer.message(P.trackDescriptor, (descriptor) => {
          descriptor.varint(PERFETTO_FIELDS.trackDescriptor.uuid, id)
          descriptor.string(PERFETTO_FIELDS.trackDescriptor.name, name)
          if (counter) descriptor.message(PERFETTO_FIELDS.trackDescriptor.counter, () => {})
        }),
      )
    }
    return uuid
  }
  for await (const batch of batchesOf(entries))
    for (const entry of batch) {
      const timestamp = entry.seq * nsPerEvent
      const flows: number[] = []
      if (options.isCause?.(entry.seq) === true) flows.push(entry.seq + 1)
      if (entry.cause !== undefined && options.isCause !== undefined) flows.push(entry.cause + 1)
      for (const item of trackItems(options.map(entry))) {
        const uuid = trackUuid(item.track, item.kind === 'counter')
        packet((writer) => {
          writer.varint(P.timestamp, timestamp)
          writer.message(P.trackEvent, (event) => {
            event.varint(T.trackUuid, uuid)
            if (item.kind === 'counter') {
              event.varint(T.type, PERFETTO_FIELDS.eventType.counter)
              if (Number.isSafeInteger(item.value) && item.value >= 0)
                event.varint(T.counterValue, item.value)
              else event.double(T.doubleCounterValue, item.value)
              return
            }
            if (item.kind === 'end') {
              event.varint(T.type, PERFETTO_FIELDS.eventType.sliceEnd)
              return
            }
            event.varint(
              T.type,
              item.kind === 'begin'
                ? PERFETTO_FIELDS.eventType.sliceBegin
                : PERFETTO_FIELDS.eventType.instant,
            )
            event.string(T.name, item.name)
            writeArguments(event, item.args)
            for (const flow of flows) event.fixed64(T.flowIds, flow)
          })
        })
      }
      count++
      if ((count & 0xffff) === 0) options.onProgress?.(count)
      if (out.length >= 1 << 16) {
        yield out.result()
        out = new ProtoWriter()
      }
    }
  if (out.length > 0) yield out.result()
  options.onProgress?.(count)
}
