import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesSource, decodeBinaryTrace, encodeBinaryTrace, openBinaryTrace } from './binaryTrace.js'
import { decodeSnapshotValue, encodeSnapshotValue, SnapshotBuffer } from './snapshotCodec.js'
import { collectTrace } from './traceStream.js'
import { createTraceHeader } from './traceHeader.js'
import { TraceFormatError } from './traceFormatError.js'
import { logStateWriter, restoreStateAt, type SnapshotBytes } from './traceStates.js'
import type { TraceLog } from './traceLog.js'
import { concat, sampleEvents, testCompressor, toyLog } from './testing/codecHelpers.js'
import { foldToy, mutableToyModel, type ToyEvent, type ToyState, toySchema } from './testing/toyModel.js'
import { frame, indexOf, join, layoutOf, trailer, withIndex } from './testing/binaryTamper.js'

const config = { slots: 16 }
const toyBytes: SnapshotBytes<ToyState> = {
  encode: (snapshot) => encodeSnapshotValue(snapshot, []),
  decode: (bytes, base) => decodeSnapshotValue(bytes, [], base) as ToyState,
}

/** The same bytes, each block's payload written into one reused buffer after its seq and digest. */
const toyBytesAfter: SnapshotBytes<ToyState> = {
  ...toyBytes,
  encodeAfter: (head, snapshot, buffer) =>
    encodeSnapshotValue(snapshot, [], undefined, { buffer, prefix: head }),
}

async function encodeWithStates(
  log: TraceLog<ToyEvent>,
  every: number,
  blockEvents = 8,
  bytes: SnapshotBytes<ToyState> = toyBytes,
): Promise<Uint8Array> {
  const header = createTraceHeader({
    producer: { name: 'trace-tests', version: '1.0.0' },
    config,
    seed: 42,
    schema: toySchema,
  })
  const chunks: Uint8Array[] = []
  for await (const chunk of encodeBinaryTrace(
    { header, entries: log.entries(), log },
    {
      blockEvents,
      compressor: testCompressor,
      states: logStateWriter(log, mutableToyModel, config, every, bytes),
    },
  ))
    chunks.push(chunk)
  return concat(chunks)
}

const open = (bytes: Uint8Array) =>
  openBinaryTrace(bytesSource(bytes), toySchema, { compressor: testCompressor })
const events = sampleEvents(100)
const log = toyLog(events)

describe('state blocks (binary trace version 2)', () => {
  it('writes a state block every `every` events, as version 2, and reads the same events', async () => {
    const bytes = await encodeWithStates(log, 16)
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(2)
    const index = await open(bytes)
    expect(index.header.version).toBe(2)
    expect(index.states.map((state) => state.seq)).toEqual([16, 32, 48, 64, 80, 96])
    const read = await collectTrace(
      decodeBinaryTrace([bytes], toySchema, { compressor: testCompressor }),
      toySchema,
    )
    expect(read.ok).toBe(true)
    if (read.ok) expect(read.trace.log.length).toBe(100)
    for (const [number, state] of index.states.entries()) {
      const block = await index.readState(number)
      expect(block.seq).toBe(state.seq)
      const restored = toyBytes.decode(block.bytes, block.base)
      expect(Array.from(restored.slots)).toEqual(Array.from(foldToy(events.slice(0, state.seq), 16).slots))
    }
  })

  it('writes the same bytes when the snapshots are encoded after their seq and digest into one buffer (encodeAfter)', async () => {
    for (const every of [8, 16, 24, 40])
      for (const blockEvents of [1, 8, 13])
        expect(await encodeWithStates(log, every, blockEvents, toyBytesAfter)).toEqual(
          await encodeWithStates(log, every, blockEvents),
        )
    // The buffer is reused: a second encoding into it leaves the first result's bytes behind.
    const buffer = new SnapshotBuffer(16)
    const first = encodeSnapshotValue({ slots: new Int32Array(64) }, [], undefined, { buffer }).slice()
    const prefixed = encodeSnapshotValue({ slots: new Int32Array(64) }, [], undefined, {
      buffer,
      prefix: Uint8Array.of(7, 8, 9),
    })
    expect(Array.from(prefixed.subarray(0, 3))).toEqual([7, 8, 9])
    expect(prefixed.subarray(3)).toEqual(first)
  })

  it('writes version 1, without state blocks, when the log is no longer than one interval', async () => {
    const bytes = await encodeWithStates(toyLog(events.slice(0, 16)), 16)
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(1)
    expect((await open(bytes)).states).toEqual([])
  })

  it('restores the state after any seq from the nearest state block: equal to folding every event (property)', async () => {
    const bytes = await encodeWithStates(log, 24)
    const index = await open(bytes)
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 100 }), async (seq) => {
        const restored = await restoreStateAt(index, mutableToyModel, config, seq, toyBytes)
        expect(Array.from(restored.state.slots)).toEqual(Array.from(foldToy(events.slice(0, seq), 16).slots))
        expect(restored.from).toBe(
          Math.max(0, ...index.states.map((state) => state.seq).filter((s) => s <= seq)),
        )
        expect(restored.replayed).toBe(seq - restored.from)
      }),
    )
  })

  describe('hostile files: a TraceFormatError naming what is wrong', () => {
    const refuses = async (bytes: Uint8Array, field: string | RegExp) => {
      const streamed = await collectTrace(
        decodeBinaryTrace([bytes], toySchema, { compressor: testCompressor }),
        toySchema,
      )
      expect(streamed.ok).toBe(false)
      if (!streamed.ok) {
        expect(streamed.error).toBeInstanceOf(TraceFormatError)
        expect(streamed.error.field).toMatch(field)
      }
      // The indexed reader checks a block when it reads it: open, then read every event.
      const indexed = await open(bytes)
        .then(async (index) => {
          for await (const _ of index.entries()) {
          }
          return index
        })
        .catch((error: unknown) => error)
      expect(indexed).toBeInstanceOf(TraceFormatError)
      expect((indexed as TraceFormatError).field).toMatch(field)
    }

    it('refuses a state block in a version-1 file (tag 3 is version 2)', async () => {
      const bytes = (await encodeWithStates(log, 16)).slice()
      new DataView(bytes.buffer).setUint16(8, 1, true)
      const headerEnd = layoutOf(bytes).preambleEnd
      const header = new TextDecoder()
        .decode(bytes.subarray(16, headerEnd))
        .replace('"version":2', '"version":1')
      bytes.set(new TextEncoder().encode(header), 16)
      await refuses(bytes, /^(tag|index\.states)$/)
    })

    it('refuses a header whose version is not the preamble’s', async () => {
      const bytes = (await encodeWithStates(log, 16)).slice()
      new DataView(bytes.buffer).setUint16(8, 1, true)
      await refuses(bytes, 'header.version')
    })

    it('refuses an index whose state block seq is not the events before it', async () => {
      const bytes = await encodeWithStates(log, 16)
      const index = indexOf(bytes) as ReturnType<typeof indexOf> & {
        states: { seq: number; offset: number }[]
      }
      index.states[1] = { ...(index.states[1] as { seq: number; offset: number }), seq: 33 }
      await refuses(withIndex(bytes, index), 'index.states.1.seq')
    })

    it('refuses an index listing fewer state blocks than the file holds', async () => {
      const bytes = await encodeWithStates(log, 16)
      const index = indexOf(bytes) as ReturnType<typeof indexOf> & { states: unknown[] }
      index.states.pop()
      await refuses(withIndex(bytes, index), /^index\.(blocks\.\d+\.offset|states)$/)
    })

    it('refuses a truncated state block, and one whose bytes were changed (its checksum)', async () => {
      const bytes = await encodeWithStates(log, 16)
      const stateFrame = layoutOf(bytes).frames.find((candidate) => candidate.tag === 3)!
      const changed = bytes.slice()
      changed[stateFrame.offset + 17] = (changed[stateFrame.offset + 17] as number) ^ 0xff
      const streamed = await collectTrace(
        decodeBinaryTrace([changed], toySchema, { compressor: testCompressor }),
        toySchema,
      )
      expect(streamed.ok).toBe(false)
      if (!streamed.ok) expect(streamed.error.reason).toMatch(/checksum/)
      const index = await open(changed)
      await expect(index.readState(0)).rejects.toThrow(/checksum/)
      const truncated = await collectTrace(
        decodeBinaryTrace([bytes.subarray(0, stateFrame.offset + 20)], toySchema, {
          compressor: testCompressor,
        }),
        toySchema,
      )
      expect(truncated.ok).toBe(false)
      if (!truncated.ok) expect(truncated.error.reason).toMatch(/truncated/)
    })

    it('refuses a state block whose snapshot does not decode, or restores another state than its digest', async () => {
      const bytes = await encodeWithStates(log, 16)
      const { frames } = layoutOf(bytes)
      const rebuild = (payload: Uint8Array) => {
        const state = frames.find((candidate) => candidate.tag === 3)!
        const replaced = frame(3, 0, payload)
        const delta = replaced.length - (14 + state.stored)
        const before = bytes.subarray(0, state.offset)
        const after = bytes.subarray(state.offset + 14 + state.stored, layoutOf(bytes).indexOffset)
        const index = indexOf(bytes) as ReturnType<typeof indexOf> & {
          states: { seq: number; offset: number }[]
        }
        index.blocks = index.blocks.map((block) =>
          block.offset > state.offset ? { ...block, offset: block.offset + delta } : block,
        )
        index.states = index.states.map((s) =>
          s.offset > state.offset ? { ...s, offset: s.offset + delta } : s,
        )
        const body = join(before, replaced, after)
        const raw = new TextEncoder().encode(JSON.stringify(index))
        return join(body, frame(2, 0, raw), trailer(body.length))
      }
      const seqAndDigest = (digest: string) => [16, digest.length, ...new TextEncoder().encode(digest)]
      const garbage = await open(rebuild(Uint8Array.from([...seqAndDigest('x'), 99])))
      const error = await restoreStateAt(garbage, mutableToyModel, config, 20, toyBytes).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TraceFormatError)
      expect((error as TraceFormatError).field).toBe('index.states.0')
      expect((error as TraceFormatError).reason).toMatch(
        /does not restore: state snapshot: unknown value tag 99/,
      )
      const other = encodeSnapshotValue({ slots: new Int32Array(16), notes: 0 }, [])
      const wrong = await open(rebuild(Uint8Array.from([...seqAndDigest('0000'), ...other])))
      await expect(restoreStateAt(wrong, mutableToyModel, config, 20, toyBytes)).rejects.toThrow(
        /restores a state of digest .*; the writer recorded 0000/,
      )
    })
  })
})

describe('entryBatches of wanted kinds: only their columns and rare events decoded', () => {
  it.each([
    ['kv.set', ['kv.set']],
    ['kv.note', ['kv.note']],
    ['both', ['kv.set', 'kv.note']],
  ])('gives exactly the entries of %s, as reading every entry and filtering does', async (_name, types) => {
    const index = await open(await encodeWithStates(log, 16))
    const all: unknown[] = []
    for await (const entry of index.entries()) if (types.includes(entry.event.type)) all.push(entry)
    const wanted: unknown[] = []
    for await (const batch of index.entryBatches(3, 97, (type) => types.includes(type))) wanted.push(...batch)
    expect(wanted).toEqual(
      all.filter((entry) => (entry as { seq: number }).seq >= 3 && (entry as { seq: number }).seq < 97),
    )
  })
})

describe('countKinds: events of wanted kinds counted from the blocks’ kinds alone', () => {
  it.each([
    [0, 100],
    [3, 97],
    [17, 18],
    [50, 50],
  ])('counts [%i, %i) as reading every entry does', async (from, to) => {
    const index = await open(await encodeWithStates(log, 16))
    for (const type of ['kv.set', 'kv.note']) {
      let expected = 0
      for await (const entry of index.entries(from, to)) if (entry.event.type === type) expected++
      expect(await index.countKinds(from, to, (kind) => kind === type)).toBe(expected)
    }
  })
})
