// State blocks taken from the recording machine as it runs (LiveStateBlocks) against the writer's
// replay of the log (logStateWriter): the same file but for the state blocks' bytes — every events
// block the same bytes, the state blocks at the same seqs with the same digests — and every state
// block restores the machine a full load rebuilds at its seq, as do seeks past it.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BinaryTraceIndex, openBinaryTraceFile } from '@ntmm/trace'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import { mapWrittenFileView } from './testing/mapWrittenFileView.js'
import { replayMemoryTrace } from './importers/replayMemoryTrace.js'
import type { Kernel } from './kernel.js'
import { LiveStateBlocks } from './liveStateBlocks.js'
import { loadKernel } from './machineTraceFile.js'
import { type MachineEvent, machineSchema } from './machineSchema.js'
import { machineAtIndex } from './machineTraceSeek.js'
import { encodeMachineTrace, type SaveTraceOptions } from './writeMachineTrace.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-live-states-'))
const EVERY = 1 << 13
const BLOCK = 1 << 10
const opened: { close(): Promise<void> }[] = []
afterAll(async () => {
  for (const index of opened) await index.close()
})

/** Lackey lines over 300 pages in a 64-frame machine: a fault at nearly every access, evictions, page-file writes (~16 events a line). */
function lines(count: number): string[] {
  const out: string[] = []
  for (let line = 0; line < count; line++)
    out.push(
      `${line % 3 === 0 ? ' S' : line % 5 === 0 ? 'I ' : ' L'} ${(0x05000000 + ((line * 7919) % 300) * 4096 + (line % 512) * 8).toString(16)},8`,
    )
  return out
}

/** A recording machine with a file mapped through a section, then a lackey program, state blocks taken as it runs. */
async function recorded(record: 'eager' | 'deferred', progressEvery: number) {
  const kernel = createKernel({ record, physicalMemory: 256 * 1024, pageFile: 2 << 20 })
  const live = new LiveStateBlocks(kernel, { every: EVERY, blockEvents: BLOCK })
  const { pid } = kernel.createProcess({ name: 'a.exe' })
  live.boundary()
  mapWrittenFileView(kernel, pid, 'live.txt', () => live.boundary())
  await replayMemoryTrace(kernel, lines(2500), {
    format: 'lackey',
    pid,
    progressEvery,
    onProgress: () => live.boundary(),
  })
  live.boundary()
  return { kernel, live }
}

/** The trace file of `kernel` written with `options`, opened. */
async function written(kernel: Kernel, name: string, options: SaveTraceOptions) {
  const chunks: Uint8Array[] = []
  for await (const chunk of encodeMachineTrace(kernel.trace!, kernel.config, {
    format: 'binary',
    stateEvery: EVERY,
    blockEvents: BLOCK,
    ...options,
  }))
    chunks.push(chunk)
  const bytes = Buffer.concat(chunks)
  const path = join(directory, name)
  await writeFile(path, bytes)
  const index = await openBinaryTraceFile(path, machineSchema)
  opened.push(index)
  return { bytes, index, path }
}

/** Each events block's framed bytes, in order. */
function eventsBlocks(file: { bytes: Buffer; index: BinaryTraceIndex<MachineEvent> }): Buffer[] {
  const starts = [...file.index.blocks, ...file.index.states]
    .map((block) => block.offset)
    .sort((x, y) => x - y)
  const indexOffset = file.bytes.readUInt32LE(file.bytes.length - 16)
  return file.index.blocks.map((block) => {
    const next = starts.find((offset) => offset > block.offset) ?? indexOffset
    return file.bytes.subarray(block.offset, next)
  })
}

/** What the machine digest covers: the memory manager and its machine, the object manager, the processes. */
const digestOf = (view: Kernel) =>
  `${view.mm.digest()}|${view.ob.state.digestInput()}|${view
    .processes()
    .map((process) => process.pid)
    .join(',')}`

describe('LiveStateBlocks: state blocks taken as the machine runs', { timeout: 180_000 }, () => {
  it('writes the file the replay writes: the same events blocks, state blocks at the same seqs with the same digests', async () => {
    const { kernel, live } = await recorded('eager', 64)
    const events = kernel.trace!.length
    expect(events).toBeGreaterThan(4 * EVERY)
    const taken = live.size
    expect(taken).toBe(Math.floor((events - 1) / EVERY))
    const replayed = await written(kernel, 'replayed.ntt', {})
    const fromLive = await written(kernel, 'live.ntt', { liveStates: live })
    // Every block taken was written, none replayed.
    expect(live.size).toBe(0)
    expect(fromLive.index.header).toEqual(replayed.index.header)
    expect(fromLive.index.events).toBe(events)
    expect(fromLive.index.blocks.map((b) => [b.firstSeq, b.count])).toEqual(
      replayed.index.blocks.map((b) => [b.firstSeq, b.count]),
    )
    expect(eventsBlocks(fromLive)).toEqual(eventsBlocks(replayed))
    expect(fromLive.index.states.map((state) => state.seq)).toEqual(
      replayed.index.states.map((state) => state.seq),
    )
    expect(fromLive.index.states).toHaveLength(taken)
    for (let number = 0; number < taken; number++)
      expect((await fromLive.index.readState(number)).digest).toBe(
        (await replayed.index.readState(number)).digest,
      )

    // Each block restores (its digest checked) the machine a full load has there, and seeks past it too.
    const full = await loadKernel(replayed.path)
    for (const state of fromLive.index.states)
      for (const seq of [state.seq - 1, state.seq + 7]) {
        // Right after event seq: the state after seq + 1 events, restored from the block at or before it.
        const at = await machineAtIndex(fromLive.index, kernel.config, seq)
        expect(at.from).toBe(seq + 1 >= state.seq ? state.seq : state.seq - EVERY)
        expect(digestOf(at.kernel)).toBe(digestOf(full.at(seq)))
      }
  })

  it('with boundaries further apart than the blocks, replays for the blocks it could not take', async () => {
    // A progress report every 1,000 lines: ~20,000 events apart, more than EVERY.
    const { kernel, live } = await recorded('eager', 1000)
    const replayed = await written(kernel, 'replayed-sparse.ntt', {})
    const fromLive = await written(kernel, 'live-sparse.ntt', { liveStates: live })
    expect(eventsBlocks(fromLive)).toEqual(eventsBlocks(replayed))
    expect(fromLive.index.states.map((state) => state.seq)).toEqual(
      replayed.index.states.map((state) => state.seq),
    )
    for (let number = 0; number < fromLive.index.states.length; number++)
      expect((await fromLive.index.readState(number)).digest).toBe(
        (await replayed.index.readState(number)).digest,
      )
  })

  it('takes nothing from a kernel that does not record eagerly, nor for another log or other intervals', async () => {
    const { kernel, live } = await recorded('deferred', 64)
    expect(live.size).toBe(0)
    const eager = await recorded('eager', 64)
    // Another interval than the blocks were taken for: the replay writes them all.
    const replayed = await written(eager.kernel, 'replayed-2.ntt', { stateEvery: 2 * EVERY })
    const other = await written(eager.kernel, 'live-2.ntt', { stateEvery: 2 * EVERY, liveStates: eager.live })
    expect(eager.live.size).toBeGreaterThan(0)
    expect(eventsBlocks(other)).toEqual(eventsBlocks(replayed))
    for (let number = 0; number < other.index.states.length; number++)
      expect((await other.index.readState(number)).digest).toBe(
        (await replayed.index.readState(number)).digest,
      )
    // Another kernel's log: its own states, replayed.
    const deferred = await written(kernel, 'deferred.ntt', { liveStates: eager.live })
    const deferredReplayed = await written(kernel, 'deferred-replayed.ntt', {})
    for (let number = 0; number < deferred.index.states.length; number++)
      expect((await deferred.index.readState(number)).digest).toBe(
        (await deferredReplayed.index.readState(number)).digest,
      )
  })
})
