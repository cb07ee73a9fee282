import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { HwEvent } from './events.js'
import { adoptFrameWords, busReadInto, busReadWithinPage, FrameStore, lendFrameWords } from './frameStore.js'
import type { FrameStoreCheckpoint } from './frameStoreCheckpoint.js'

describe('frameStore', () => {
  it('allocates the lowest free PFN, deterministically', () => {
    const store = new FrameStore({ frameCount: 4 })
    expect([store.allocate(), store.allocate(), store.allocate()]).toEqual([0, 1, 2])
    store.free(1)
    expect(store.allocate()).toBe(1)
    expect(store.allocateSpecific(3)).toBe(true)
    expect(store.allocateSpecific(3)).toBe(false)
    expect(store.allocate()).toBeUndefined()
    expect(store.freeCount).toBe(0)
  })

  it('reads and writes bytes, 16/32-bit words and 64-bit halves little-endian', () => {
    const store = new FrameStore({ bytes: 8192 })
    store.write32(0x10, 0x11223344)
    expect(store.read8(0x10)).toBe(0x44)
    expect(store.read16(0x12)).toBe(0x1122)
    store.write64(0xff8, 0xdeadbeef, 0x80000001)
    expect(store.read64(0xff8)).toEqual({ low: 0xdeadbeef, high: 0x80000001 })
    store.write32(0xffe, 0xa1b2c3d4) // crosses into frame 1
    expect(store.read32(0xffe)).toBe(0xa1b2c3d4)
    expect(store.read16(0x1000)).toBe(0xa1b2)
    store.writeBytes(0x1ffc, [1, 2, 3, 4])
    expect(Array.from(store.readBytes(0x1ffc, 4))).toEqual([1, 2, 3, 4])
  })

  it('reads a never-written frame as zeros and zero() clears a frame', () => {
    const store = new FrameStore({ frameCount: 2 })
    expect(store.read32(0x1000)).toBe(0)
    store.write8(0x1005, 9)
    expect(store.isPristine(1)).toBe(false)
    store.zero(1)
    expect(store.read8(0x1005)).toBe(0)
    expect(store.frameBytes(1).every((byte) => byte === 0)).toBe(true)
  })

  it('frameBytes returns a copy that cannot change the frame', () => {
    const store = new FrameStore({ frameCount: 1 })
    store.write8(3, 7)
    const copy = store.frameBytes(0)
    copy[3] = 99
    expect(store.read8(3)).toBe(7)
  })

  it.each([
    [(s: FrameStore) => s.read32(4 * 4096 - 2), /physical range 16382\+4 is beyond the store/],
    [(s: FrameStore) => s.free(7), /pfn 7 is beyond the store/],
    [(s: FrameStore) => s.free(0), /pfn 0 is not allocated/],
    [(s: FrameStore) => s.write8(0, 256), /value 256 does not fit 1 byte/],
    [(s: FrameStore) => s.zero(1.5), /pfn 1.5/],
  ])('rejects bad input with a clear error (%#)', (action, message) => {
    const store = new FrameStore({ frameCount: 4 })
    const before = store.checkpoint()
    expect(() => action(store)).toThrow(message)
    expect(store.freeCount).toBe(before.freeCount)
  })

  it.each([
    [{ frameCount: 0 }, /frameCount 0 must be an integer/],
    [{ frameCount: 2 ** 21 }, /frameCount 2097152/],
    [{ bytes: 5000 }, /bytes 5000 must be a positive multiple of 4096/],
  ])('rejects the configuration %j', (options, message) => {
    expect(() => new FrameStore(options)).toThrow(message)
  })

  it('shares every frame with a checkpoint and copies a frame only on its first write', () => {
    const store = new FrameStore({ frameCount: 3 })
    store.write32(0, 1)
    store.write32(4096, 2)
    const checkpoint = store.checkpoint()
    expect(checkpoint.chunks[0]![0]).toBe(store.chunks[0]![0])
    store.write32(0, 10)
    expect(checkpoint.chunks[0]![0]).not.toBe(store.chunks[0]![0])
    expect(checkpoint.chunks[0]![1]).toBe(store.chunks[0]![1])
    expect((checkpoint.chunks[0]![0] as Uint32Array)[0]).toBe(1)
    store.restore(checkpoint)
    expect(store.read32(0)).toBe(1)
  })

  it('counts in a checkpoint the frames written since the previous checkpoint or restore (the buffers it holds)', () => {
    const store = new FrameStore({ frameCount: 600 })
    store.write32(0, 1)
    store.write32(8, 2) // same frame: one buffer
    store.write32(4096 * 300, 3)
    const first = store.checkpoint()
    expect(first.heldFrames).toBe(2)
    // After a checkpoint every frame is shared again: a write copies it, once per epoch. Two words
    // differ from the buffer the first checkpoint holds: the second holds the frame as a delta.
    store.write32(4, 4)
    store.write32(12, 5)
    const second = store.checkpoint()
    expect(second.heldFrames).toBe(0)
    expect(second.deltaBytes).toBe(2 * 2 + 2 * 4 + 64)
    expect(store.checkpoint().heldFrames).toBe(0)
    store.restore(first)
    store.write32(4096 * 599, 6)
    store.write32(4096 * 2, 7)
    const third = store.checkpoint()
    expect(third.heldFrames).toBe(2)
    // Its held bytes cover those buffers and the pointer lists a checkpoint copies.
    expect(third.heldBytes).toBeGreaterThanOrEqual(2 * 4096 + 600)
    expect(third.heldBytes).toBeLessThan(2 * 4096 + 600 + 3 * 8 * 257 + 1)
  })

  it('holds a frame rewritten in a few words as a delta, kept while unwritten and recomputed once written', () => {
    const store = new FrameStore({ frameCount: 2 })
    const saved: [FrameStoreCheckpoint, number[]][] = []
    const take = () => saved.push([store.checkpoint(), Array.from(store.readBytes(0, 2 * 4096))])
    store.write32(0, 1)
    take() // frame 0 held whole: its anchor
    store.write32(4, 2)
    take() // one word differs: a delta
    take() // not written since: the same delta
    store.write32(8, 3)
    take() // written again: a new delta with both words
    store.zero(0)
    take()
    expect(saved.map(([checkpoint]) => [checkpoint.heldFrames, checkpoint.deltaBytes > 0])).toEqual([
      [1, false],
      [0, true],
      [0, true],
      [0, true],
      [0, false],
    ])
    for (const [checkpoint, bytes] of saved) {
      const copy = new FrameStore({ frameCount: 2 })
      copy.restore(checkpoint)
      expect(Array.from(copy.readBytes(0, 2 * 4096))).toEqual(bytes)
      // Restored, written and checkpointed again: still exact.
      copy.write32(12, 9)
      const again = copy.checkpoint()
      const check = new FrameStore({ frameCount: 2 })
      check.restore(again)
      expect(check.read32(12)).toBe(9)
      expect(Array.from(check.readBytes(0, 12))).toEqual(bytes.slice(0, 12))
    }
  })

  it('reuses the buffer of a zeroed frame for the next frame written, never one a checkpoint holds', () => {
    const store = new FrameStore({ frameCount: 4 })
    store.write32(0, 0x11111111)
    const held = store.checkpoint()
    // Frame 0's buffer is the checkpoint's now: zeroing it keeps it there.
    store.zero(0)
    store.write32(4096, 0x22222222)
    store.write32(8192, 0x33333333)
    // Frame 2's buffer is the store's alone: zeroing it hands it to the next frame written, cleared.
    store.zero(2)
    store.write8(3 * 4096 + 5, 0x44)
    store.writeBytes(0, new Uint8Array(4096).fill(0x55))
    expect(store.read32(3 * 4096 + 4)).toBe(0x4400)
    expect(store.readBytes(3 * 4096, 4096).filter((byte) => byte !== 0)).toEqual(new Uint8Array([0x44]))
    expect(store.read32(8192)).toBe(0)
    expect(store.isPristine(2)).toBe(true)
    expect(store.read32(4096)).toBe(0x22222222)
    expect(store.read32(0)).toBe(0x55555555)
    const copy = new FrameStore({ frameCount: 4 })
    copy.restore(held)
    expect(copy.read32(0)).toBe(0x11111111)
    expect(copy.readBytes(4096, 3 * 4096).every((byte) => byte === 0)).toBe(true)
  })

  it('never shows writes made after a checkpoint in it (property)', () => {
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('write32' as const),
        address: fc.integer({ min: 0, max: 4 * 4096 - 4 }),
        value: fc.nat(),
      }),
      fc.record({
        kind: fc.constant('bytes' as const),
        address: fc.integer({ min: 0, max: 4 * 4096 - 64 }),
        data: fc.uint8Array({ maxLength: 64 }),
      }),
      fc.record({ kind: fc.constant('zero' as const), pfn: fc.integer({ min: 0, max: 3 }) }),
      // A whole frame rewritten: more words differ than a delta holds.
      fc.record({
        kind: fc.constant('fill' as const),
        pfn: fc.integer({ min: 0, max: 3 }),
        value: fc.nat(255),
      }),
      fc.record({ kind: fc.constant('checkpoint' as const) }),
      fc.record({ kind: fc.constant('checkpoint' as const) }),
      fc.record({ kind: fc.constant('restore' as const), which: fc.nat() }),
    )
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const store = new FrameStore({ frameCount: 4 })
        const saved: { checkpoint: ReturnType<FrameStore['checkpoint']>; bytes: Uint8Array }[] = []
        for (const op of operations) {
          if (op.kind === 'write32') store.write32(op.address, op.value >>> 0)
          else if (op.kind === 'bytes') store.writeBytes(op.address, op.data)
          else if (op.kind === 'zero') store.zero(op.pfn)
          else if (op.kind === 'fill') store.writeBytes(op.pfn * 4096, new Uint8Array(4096).fill(op.value))
          else if (op.kind === 'checkpoint')
            saved.push({ checkpoint: store.checkpoint(), bytes: store.readBytes(0, 4 * 4096) })
          else if (saved.length > 0) {
            const { checkpoint, bytes } = saved[op.which % saved.length]!
            store.restore(checkpoint)
            expect(Buffer.from(store.readBytes(0, 4 * 4096)).equals(bytes)).toBe(true)
          }
        }
        for (const { checkpoint, bytes } of saved) {
          const copy = new FrameStore({ frameCount: 4 })
          copy.restore(checkpoint)
          expect(Buffer.from(copy.readBytes(0, 4 * 4096)).equals(bytes)).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('emits an event for every change, with the previous value', () => {
    const store = new FrameStore({ frameCount: 2 })
    const events: HwEvent[] = []
    store.setRecorder((event) => events.push(event))
    const pfn = store.allocate()!
    store.write16(2, 0xbeef)
    store.writeBytes(4, [1, 2])
    store.zero(pfn)
    store.free(pfn)
    expect(events).toEqual([
      { type: 'hw.frameAllocated', pfn: 0 },
      { type: 'hw.physicalWrite', address: 2, size: 2, value: 0xbeef, previousValue: 0 },
      { type: 'hw.physicalBytesWritten', address: 4, bytes: [1, 2], previousBytes: [0, 0] },
      { type: 'hw.frameZeroed', pfn: 0, previousWords: [0, 0xbeef0000, 1, 0x0201] },
      { type: 'hw.frameFreed', pfn: 0 },
    ])
  })

  it('reads the bytes within a page as busReadInto does, whatever the length and alignment (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 8191 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 64,
        }),
        fc.integer({ min: 0, max: 8191 }),
        fc.oneof(fc.constant(8), fc.constant(4), fc.integer({ min: 0, max: 16 })),
        fc.boolean(),
        (writes, pa, wanted, aligned) => {
          const store = new FrameStore({ frameCount: 2 })
          // Frame 0 written whole (distinct bytes), frame 1 only where the writes fall.
          store.writeBytes(
            0,
            Array.from({ length: 4096 }, (_, at) => (at * 37 + 11) & 0xff),
          )
          for (const [at, byte] of writes) store.writeBytes(at, [byte])
          // Aligned quadwords (the 8-byte path) as often as anything else.
          const start = aligned ? pa & ~7 : pa
          const length = Math.min(wanted, 4096 - (start & 0xfff))
          const expected = new Uint8Array(length + 2)
          const actual = new Uint8Array(length + 2)
          busReadInto(store, start, expected, 1, length)
          busReadWithinPage(store, start, actual, 1, length)
          expect(actual).toEqual(expected)
        },
      ),
    )
  })
})

describe('the frames a checkpoint looks at (ownedList)', () => {
  it('lists a frame once an epoch however often it is written, lent, taken or zeroed', () => {
    const store = new FrameStore({ frameCount: 8 })
    for (let round = 0; round < 100; round++) {
      store.write32(4096 * (round % 3), round)
      const words = lendFrameWords(store, round % 3)
      if (words !== undefined) adoptFrameWords(store, 5, words, false)
      store.zero(round % 2)
    }
    expect([...store.ownedList].sort((a, b) => a - b)).toEqual([0, 1, 2, 5])
    const checkpoint = store.checkpoint()
    expect(store.ownedList).toEqual([])
    store.write32(4096 * 2, 7)
    store.write32(4096 * 2, 8)
    expect(store.ownedList).toEqual([2])
    store.restore(checkpoint)
    store.write32(4096 * 2, 9)
    expect(store.ownedList).toEqual([2])
  })
})
