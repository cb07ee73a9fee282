import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BinaryStateWriter } from './binaryEncoder.js'
import type { BlockCompressor } from './binaryLayout.js'
import { encodeBinaryTrace } from './binaryTrace.js'
import { encodeSnapshotValue, SnapshotBuffer } from './snapshotCodec.js'
import { concat, testCompressor, toyLog, toySteps } from './testing/codecHelpers.js'
import { mutableToyModel, type ToyEvent, type ToyState, toyEvents, toySchema } from './testing/toyModel.js'
import { deflateRawCompressor, deflateRawStateCompressor } from './traceFile.js'
import { createTraceHeader } from './traceHeader.js'
import type { TraceLog } from './traceLog.js'
import { encodeStateBlock, encodeStateBlockAsync, logStateWriter, type SnapshotBytes } from './traceStates.js'
import { recordDigests } from './verify.js'

const config = { slots: 16 }
const header = createTraceHeader({
  producer: { name: 'trace-tests', version: '1.0.0' },
  config,
  seed: 42,
  schema: toySchema,
})

/** Snapshots written into one reused buffer after the block's seq and digest (as the machine's are). */
const toyBytesAfter: SnapshotBytes<ToyState> = {
  encode: (snapshot) => encodeSnapshotValue(snapshot, []),
  encodeAfter: (head, snapshot, buffer) =>
    encodeSnapshotValue(snapshot, [], undefined, { buffer, prefix: head }),
  decode: () => {
    throw new Error('not read here')
  },
}

/** Waits `hops` turns of the event loop: compressions finishing in another order than they began. */
const hopsOf = async (hops: number): Promise<void> => {
  for (let hop = 0; hop < hops; hop++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * testCompressor with a `compressAsync` that reads its input only when it finishes, after a
 * delay from `delays` (in turn): a payload overwritten before then would show in the bytes.
 */
function delayedCompressor(delays: readonly number[], failAt = -1): BlockCompressor {
  let calls = 0
  return {
    ...testCompressor,
    compressAsync: async (bytes) => {
      const call = calls++
      await hopsOf(delays.length === 0 ? 0 : (delays[call % delays.length] as number))
      if (call === failAt) throw new Error(`compressor failed at block ${call}`)
      return testCompressor.compress(bytes)
    },
  }
}

interface EncodeCase {
  readonly log: TraceLog<ToyEvent>
  readonly blockEvents: number
  readonly every?: number
  readonly digests?: number
  readonly withLog: boolean
}

async function encode(
  { log, blockEvents, every, digests, withLog }: EncodeCase,
  compressor: BlockCompressor,
  blocksInFlight: number | undefined,
  stateCompressor?: BlockCompressor,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of encodeBinaryTrace(
    {
      header,
      entries: log.entries(),
      ...(withLog ? { log } : {}),
      ...(digests === undefined ? {} : { checkpoints: recordDigests(log, mutableToyModel, config, digests) }),
    },
    {
      blockEvents,
      compressor,
      ...(stateCompressor === undefined ? {} : { stateCompressor }),
      ...(blocksInFlight === undefined ? {} : { blocksInFlight }),
      ...(every === undefined
        ? {}
        : { states: logStateWriter(log, mutableToyModel, config, every, toyBytesAfter) }),
    },
  ))
    chunks.push(chunk)
  return concat(chunks)
}

describe('encodeBinaryTrace with a compressor that compresses off the thread', () => {
  it('writes the bytes of the synchronous path whatever order the blocks finish in (blocks, states, digests)', async () => {
    await fc.assert(
      fc.asyncProperty(
        toySteps(120),
        fc.integer({ min: 1, max: 20 }),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        fc.boolean(),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.nat(4), { maxLength: 8 }),
        async (steps, blockEvents, extra, digests, withLog, inFlight, delays) => {
          const log = toyLog(toyEvents(steps, 16))
          const every = extra === undefined ? undefined : blockEvents + extra
          const input: EncodeCase = {
            log,
            blockEvents,
            withLog,
            ...(every === undefined ? {} : { every }),
            ...(digests === undefined ? {} : { digests }),
          }
          const sync = await encode(input, testCompressor, undefined)
          expect(await encode(input, delayedCompressor(delays), 0)).toEqual(sync)
          expect(await encode(input, delayedCompressor(delays), inFlight)).toEqual(sync)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('writes the same bytes with zlib on the threadpool (deflateRawCompressor) as with its sync deflate', async () => {
    const steps = Array.from({ length: 3000 }, (_, index) =>
      index % 97 === 5
        ? { note: `note ${index}` }
        : { key: (index * 7) % 16, value: (index * 2654435761) | 0 },
    )
    const input: EncodeCase = {
      log: toyLog(toyEvents(steps, 16)),
      blockEvents: 256,
      every: 600,
      withLog: true,
    }
    const sync = await encode(input, deflateRawCompressor, 0, deflateRawStateCompressor)
    for (const inFlight of [1, 2, 5])
      expect(await encode(input, deflateRawCompressor, inFlight, deflateRawStateCompressor)).toEqual(sync)
  })

  it('writes an empty log, and a log shorter than a block, as the synchronous path does', async () => {
    for (const count of [0, 1, 7]) {
      const input: EncodeCase = {
        log: toyLog(
          toyEvents(
            Array.from({ length: count }, (_, key) => ({ key, value: key })),
            16,
          ),
        ),
        blockEvents: 8,
        every: 8,
        withLog: true,
      }
      expect(await encode(input, delayedCompressor([2, 0]), 3)).toEqual(
        await encode(input, testCompressor, 0),
      )
    }
  })

  it('takes a state writer’s promised blocks (encodeStateBlockAsync) as its framed ones', async () => {
    const log = toyLog(
      toyEvents(
        Array.from({ length: 200 }, (_, key) => ({ key: key % 16, value: key * 3 })),
        16,
      ),
    )
    /** State blocks taken ahead by a replay, framed either way. */
    const taken = (framing: 'sync' | 'async'): BinaryStateWriter => {
      const replay = logStateWriter(log, mutableToyModel, config, 40, toyBytesAfter)
      return {
        every: 40,
        state(seq) {
          replay.state(seq)
          let state = mutableToyModel.initial(config)
          for (const entry of log.entries())
            if (entry.seq < seq) state = mutableToyModel.apply(state, entry.event)
          const buffer = new SnapshotBuffer()
          return framing === 'sync'
            ? encodeStateBlock(mutableToyModel, state, seq, toyBytesAfter, testCompressor, buffer)
            : encodeStateBlockAsync(
                mutableToyModel,
                state,
                seq,
                toyBytesAfter,
                delayedCompressor([3]),
                buffer,
              )
        },
      }
    }
    const encodeWith = async (
      states: BinaryStateWriter,
      compressor: BlockCompressor,
    ): Promise<Uint8Array> => {
      const chunks: Uint8Array[] = []
      for await (const chunk of encodeBinaryTrace(
        { header, entries: log.entries(), log },
        { blockEvents: 16, compressor, states },
      ))
        chunks.push(chunk)
      return concat(chunks)
    }
    const sync = await encodeWith(taken('sync'), testCompressor)
    expect(await encodeWith(taken('async'), delayedCompressor([1, 0, 2]))).toEqual(sync)
    expect(await encode({ log, blockEvents: 16, every: 40, withLog: true }, testCompressor, 0)).toEqual(sync)
  })

  it('rejects with the compressor’s error mid-way, blocks after it still deflating, and hands out no block past it', async () => {
    const log = toyLog(
      toyEvents(
        Array.from({ length: 400 }, (_, key) => ({ key: key % 16, value: key })),
        16,
      ),
    )
    for (const failAt of [0, 3, 7]) {
      const chunks: Uint8Array[] = []
      const encoding = (async () => {
        for await (const chunk of encodeBinaryTrace(
          { header, entries: log.entries(), log },
          { blockEvents: 16, compressor: delayedCompressor([3, 0, 1], failAt), blocksInFlight: 4 },
        ))
          chunks.push(chunk)
      })()
      await expect(encoding).rejects.toThrow(`compressor failed at block ${failAt}`)
      // The preamble, then the events blocks before the failed one: nothing after it.
      expect(chunks.length).toBe(1 + failAt)
    }
    // Blocks still deflating when the encoder gave up settle later without an unhandled rejection.
    await hopsOf(10)
  })

  it('rejects with a state writer’s failed block', async () => {
    const log = toyLog(
      toyEvents(
        Array.from({ length: 100 }, (_, key) => ({ key: key % 16, value: key })),
        16,
      ),
    )
    const states: BinaryStateWriter = {
      every: 32,
      state: () => Promise.reject(new Error('state block failed')),
    }
    const encoding = (async () => {
      for await (const _ of encodeBinaryTrace(
        { header, entries: log.entries(), log },
        { blockEvents: 16, compressor: testCompressor, states },
      )) {
        // drained
      }
    })()
    await expect(encoding).rejects.toThrow('state block failed')
  })
})
