// A version-2 binary machine trace holds the machine's state every so many events: the machine
// after any event, restored from the nearest state block plus the events after it, is the machine
// a full load rebuilds (the same digest), and a state block that does not hold is refused with a
// TraceFormatError, never used.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openBinaryTraceFile, replayRange, SnapshotBuffer, TraceFormatError } from '@ntmm/trace'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import { mapWrittenFileView } from './testing/mapWrittenFileView.js'
import { replayMemoryTrace } from './importers/replayMemoryTrace.js'
import { loadKernel } from './machineTraceFile.js'
import { machineModel } from './machineModel.js'
import { machineSchema } from './machineSchema.js'
import { machineSnapshotBytes } from './machineSnapshotBytes.js'
import { machineAtIndex } from './machineTraceSeek.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-seek-'))

/** A recorded machine: a file mapped through a section, then a lackey program over 300 pages in 64 frames. */
async function recorded() {
  const kernel = createKernel({ record: true, physicalMemory: 256 * 1024, pageFile: 2 << 20 })
  const { pid } = kernel.createProcess({ name: 'a.exe' })
  mapWrittenFileView(kernel, pid, 'seek.txt')
  const lines: string[] = []
  for (let line = 0; line < 8000; line++)
    lines.push(
      `${line % 3 === 0 ? ' S' : ' L'} ${(0x05000000 + ((line * 7919) % 300) * 4096 + (line % 512) * 8).toString(16)},8`,
    )
  await replayMemoryTrace(kernel, lines, { format: 'lackey' })
  return kernel
}

const kernel = await recorded()
const events = kernel.trace!.length
const path = join(directory, 'seek.ntt')
await kernel.saveTrace(path, { format: 'binary', stateEvery: 1 << 16 })
const full = await loadKernel(path)
const index = await openBinaryTraceFile(path, machineSchema)
afterAll(() => index.close())
/** What the machine digest covers: the memory manager and its machine, the object manager, the processes. */
const digestOf = (view: typeof kernel) =>
  `${view.mm.digest()}|${view.ob.state.digestInput()}|${view
    .processes()
    .map((process) => process.pid)
    .join(',')}`

// Each seek restores a state block and replays up to 2^16 events with every check: 15-20 s on a
// quiet machine, up to 50 s under other suites' load, hence more than the shared 60 s.
describe(
  'machineAtIndex: the machine after any event from the nearest state block',
  { timeout: 180_000 },
  () => {
    it('writes state blocks every 2^16 events (a version-2 file)', async () => {
      expect(events).toBeGreaterThan(2 << 16)
      expect(index.header.version).toBe(2)
      expect(index.states.map((state) => state.seq)).toEqual(
        Array.from({ length: Math.floor((events - 1) / 65536) }, (_, number) => (number + 1) * 65536),
      )
    })

    it('stores in each state block the digest of the log replayed to its seq; its payload written after seq and digest is the snapshot encode gives', async () => {
      // The writer encodes each payload after its seq and digest into one reused buffer
      // (encodeAfter). A snapshot's bytes also hold process-wide checkpoint epochs (mm-core's
      // prototype entries), so they are compared for one snapshot, not with the file's.
      const model = machineModel(kernel.config)
      let state = model.initial(kernel.config)
      let position = 0
      const buffer = new SnapshotBuffer()
      for (const [number, listed] of index.states.entries()) {
        state = replayRange(kernel.trace!, model, state, position, listed.seq)
        position = listed.seq
        expect((await index.readState(number)).digest).toBe(model.digest(state))
        const snapshot = model.checkpoint(state)
        const head = Uint8Array.of(1, 2, 3)
        const after = machineSnapshotBytes.encodeAfter!(head, snapshot, buffer)
        expect(after.subarray(0, 3)).toEqual(head)
        expect(after.subarray(3)).toEqual(machineSnapshotBytes.encode(snapshot))
      }
    })

    it.each([
      -1,
      65535,
      65536,
      100_000,
      events - 1,
    ])('gives the machine a full load gives right after event %i', async (seq) => {
      const at = await machineAtIndex(index, kernel.config, seq)
      expect(at.from).toBe(Math.max(0, ...index.states.map((state) => state.seq).filter((s) => s <= seq + 1)))
      expect(at.replayed).toBe(seq + 1 - at.from)
      expect(digestOf(at.kernel)).toBe(digestOf(full.at(seq)))
    })

    it('gives the machine inside a fault (a frame taken, its PTE not yet written): checked at the end of the fault', async () => {
      // Past the first state block, the first page-in: its frame request comes before the PTE write,
      // where "every active frame is mapped by its owner" does not hold yet.
      const log = kernel.trace!
      const pageIn = kernel.history.query.next({ type: 'mm.pageIn' }, 65_536)!
      const requested = kernel.history.query.previous({ type: 'mm.frameRequested' }, pageIn)!
      expect(log.causeOf(requested + 1)).toBeDefined()
      const at = await machineAtIndex(index, kernel.config, requested)
      expect(digestOf(at.kernel)).toBe(digestOf(full.at(requested)))
      expect(at.kernel.mm.pfnDatabase.entry((log.at(requested) as { pfn: number }).pfn).state).toBe('ACTIVE')
    })

    it('refuses a state block whose bytes restore another machine than its digest names', async () => {
      const bytes = await readFile(path)
      const first = index.states[0]!
      // The digest is stored in the block's payload: rewrite the block stored (codec 0) with one digit changed.
      const block = await index.readState(0)
      const digest = block.digest.replace(/^./, (digit) => (digit === '0' ? '1' : '0'))
      const { frame, join: joinBytes, trailer } = await import('../../trace/src/testing/binaryTamper.js')
      const payload = Uint8Array.from([
        ...varint(block.seq),
        ...varint(digest.length),
        ...new TextEncoder().encode(digest),
        ...block.bytes,
      ])
      const end = Math.min(
        ...[...index.blocks, ...index.states].map((b) => b.offset).filter((o) => o > first.offset),
      )
      const replaced = frame(3, 0, payload)
      const delta = replaced.length - (end - first.offset)
      const indexOffset = Number(
        new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 16, true),
      )
      const body = joinBytes(bytes.subarray(0, first.offset), replaced, bytes.subarray(end, indexOffset))
      const json = {
        events: index.events,
        blocks: index.blocks.map((b) => (b.offset > first.offset ? { ...b, offset: b.offset + delta } : b)),
        checkpoints: index.checkpoints,
        states: index.states.map((s) => (s.offset > first.offset ? { ...s, offset: s.offset + delta } : s)),
      }
      const raw = new TextEncoder().encode(JSON.stringify(json))
      const bad = join(directory, 'bad-state.ntt')
      await writeFile(bad, joinBytes(body, frame(2, 0, raw), trailer(body.length)))
      const badIndex = await openBinaryTraceFile(bad, machineSchema)
      const error = await machineAtIndex(badIndex, kernel.config, 70_000, { file: 'bad-state.ntt' }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TraceFormatError)
      expect((error as TraceFormatError).message).toMatch(
        /bad-state\.ntt.*field index\.states\.0.*restores a state of digest/,
      )
      // Before the state block, nothing of it is read.
      await expect(machineAtIndex(badIndex, kernel.config, 1000)).resolves.toBeDefined()
      await badIndex.close()
    })
  },
)

function varint(value: number): number[] {
  const out: number[] = []
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  out.push(value)
  return out
}
