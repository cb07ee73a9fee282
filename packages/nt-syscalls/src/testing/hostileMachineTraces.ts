// Hostile machine traces (issues 9 and 18), shared by hostileMachineTraces.test.ts and the soak
// (apps/demo/src/testing/hostileSoak.ts): a real recorded run touching every layer (two processes,
// handles, paging, a protection change, a decommit, write watch, a failed Win32 call, a process
// exit), saved by the current build in both encodings so the corpus follows the event schema, and
// the mutations an attacker or a damaged disk makes of it: truncation, bit flips, and JSON Lines
// events with one field edited. No NT counterpart: the corruptions a debugger meets in dumps.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PROCESS_ALL_ACCESS } from '../accessRights.js'
import { createKernel } from '../createKernel.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_RESERVE,
  MEM_WRITE_WATCH,
  PAGE_READONLY,
  PAGE_READWRITE,
} from '../memoryConstants.js'
import type { SeededRandom } from './seededRandom.js'

/** The two encodings of a machine trace file. */
export type TraceFormat = 'jsonl' | 'binary'

/** The replacement policies the hostile corpus is recorded under. */
export type RecordedPolicy = 'working-set' | 'nt'

const cache = new Map<string, Uint8Array>()

/**
 * The recorded run touching every layer, saved in `format` (made once per format, policy and
 * process). Under `'nt'` it also has balance-set ticks (every 5 references and explicit),
 * working-set trims, clusters written, pages zeroed, working-set limits, a page priority and
 * locked pages.
 */
export async function recordedMachineTrace(
  format: TraceFormat,
  policy: RecordedPolicy = 'working-set',
): Promise<Uint8Array> {
  const key = `${format}:${policy}`
  const known = cache.get(key)
  if (known !== undefined) return known
  const kernel =
    policy === 'nt'
      ? createKernel({
          physicalMemory: 48 * 4096,
          pageFile: 1 << 20,
          replacementPolicy: 'nt',
          nt: { tickEvery: 5 },
          record: true,
        })
      : // 24 frames of RAM: the 30 pages touched below page out and back in.
        createKernel({
          physicalMemory: 24 * 4096,
          pageFile: 1 << 20,
          replacementPolicy: 'working-set',
          record: true,
        })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const other = kernel.createProcess({ name: 'b.exe' }).pid
  const nt = kernel.syscalls(pid)
  const cpu = kernel.cpu(pid)
  const base = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    0x20000,
    MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
    PAGE_READWRITE,
  ).baseAddress
  for (let i = 0; i < 30; i++) cpu.write(base + i * 0x1000, [i, 1, 2])
  for (let i = 0; i < 4; i++) cpu.read(base + i * 0x1000, 4)
  const handle = nt.NtOpenProcess(PROCESS_ALL_ACCESS, other).handle
  const remote = nt.NtAllocateVirtualMemory(handle, 0, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
  nt.NtWriteVirtualMemory(handle, remote.baseAddress, Uint8Array.of(7, 7, 7))
  nt.NtProtectVirtualMemory(-1, base, 0x1000, PAGE_READONLY)
  nt.NtFreeVirtualMemory(-1, base + 0x2000, 0x1000, MEM_DECOMMIT)
  kernel.win32(pid).VirtualFree(0x1234, 0, MEM_DECOMMIT)
  nt.NtClose(handle)
  if (policy === 'nt') {
    const win32 = kernel.win32(pid)
    win32.SetProcessWorkingSetSizeEx(-1, 6 * 0x1000, 20 * 0x1000, 1)
    nt.NtSetInformationProcess(-1, 39, 2)
    win32.VirtualLock(base + 0x4000, 0x1000)
    for (let i = 0; i < 30; i++) cpu.write(base + ((i * 7) % 30) * 0x1000, [i])
    kernel.tick()
    win32.VirtualUnlock(base + 0x4000, 0x1000)
    win32.EmptyWorkingSet(-1)
    nt.NtSetSystemInformation(80, 3)
    kernel.tick()
    for (let i = 0; i < 8; i++) cpu.read(base + i * 0x1000, 4)
  }
  kernel.terminateProcess(other)
  const directory = mkdtempSync(join(tmpdir(), 'ntmm-recorded-'))
  try {
    const path = join(directory, `good.${format}`)
    await kernel.saveTrace(path, { format })
    // A Uint8Array, not the Buffer: Buffer#slice is a view, and mutations must not reach the cache.
    const bytes = new Uint8Array(readFileSync(path))
    cache.set(key, bytes)
    return bytes
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

/** A parsed JSON object edited freely. */
// biome-ignore lint/suspicious/noExplicitAny: edits of parsed JSON, any field at any depth
export type JsonObject = Record<string, any>

type Line = { seq: number; cause?: number; event: Record<string, unknown> & { type: string } }

/** The JSON Lines trace with the `nth` event of `type` changed by `edit`; returns the text and its seq. */
export function withEdit(
  text: string,
  type: string,
  edit: (event: JsonObject) => unknown,
  nth = 0,
): { text: string; seq: number } {
  const lines = text.split('\n')
  let seen = 0
  for (let index = 1; index < lines.length; index++) {
    if (!lines[index]!.includes(`"type":"${type}"`)) continue
    const line = JSON.parse(lines[index]!) as Line
    if (line.event.type !== type || seen++ !== nth) continue
    const replaced = edit(line.event)
    if (replaced !== undefined) line.event = replaced as Line['event']
    lines[index] = JSON.stringify(line)
    return { text: lines.join('\n'), seq: line.seq }
  }
  throw new Error(`no ${type} #${nth} in the trace`)
}

/** `bytes` with bit `bit` (0–7) of byte `at` flipped (a copy). */
export function flipBit(bytes: Uint8Array, at: number, bit: number): Uint8Array {
  const corrupt = bytes.slice()
  corrupt[at] = (corrupt[at] as number) ^ (1 << bit)
  return corrupt
}

/** Values an edited field takes: off by one, out of every range, of another type. */
const HOSTILE_FIELD_VALUES: readonly unknown[] = [
  -1,
  0,
  1,
  4.5,
  0x1000,
  0x7fffffff,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 53,
  1e300,
  -(2 ** 31),
  null,
  true,
  'x',
  '__proto__',
  [],
  {},
  [1, 2],
]

/** A value near `value` that a field of its kind could hold: ±1, ±4, a page or 64 KiB away, doubled, 0. */
function nearby(value: number, random: SeededRandom): number {
  const step = random.pick([1, 4, 0x1000, 0x10000])
  switch (random.below(4)) {
    case 0:
      return value + step
    case 1:
      return value - step
    case 2:
      return value * 2
    default:
      return 0
  }
}

/** The paths of every leaf of `value` (object keys and array indices). */
function leaves(value: unknown, path: readonly (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [path.slice()]
  const keys = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value)
  if (keys.length === 0) return [path.slice()]
  return keys.flatMap((key) => leaves((value as JsonObject)[key], [...path, key]))
}

/**
 * The JSON Lines trace `text` with one field of one event (or of the header's config) set to a
 * hostile value, an off-by-one neighbour of its own value, or removed; `random` picks which.
 */
export function editRandomField(text: string, random: SeededRandom): string {
  const lines = text.split('\n')
  const index = random.below(10) === 0 ? 0 : 1 + random.below(Math.max(1, lines.length - 2))
  const source = lines[index]
  if (source === undefined || source === '') return text
  const line = JSON.parse(source) as JsonObject
  const root: JsonObject = index === 0 ? line.config : line
  if (root === null || typeof root !== 'object') return text
  const paths = leaves(root).filter((path) => path.length > 0 && path[0] !== 'type')
  if (paths.length === 0) return text
  const path = paths[random.below(paths.length)]!
  let parent: JsonObject = root
  for (const key of path.slice(0, -1)) parent = parent[key]
  const key = path.at(-1)!
  const old = parent[key]
  // Half the edits keep the field's type and move its value a little (a page, a frame, a handle
  // further): those pass the schemas and must be caught against the machine they apply to.
  const choice = random.below(8)
  if (choice === 0) delete parent[key]
  else if (choice >= 4 && typeof old === 'number') parent[key] = nearby(old, random)
  else parent[key] = HOSTILE_FIELD_VALUES[random.below(HOSTILE_FIELD_VALUES.length)]
  lines[index] = JSON.stringify(line)
  return lines.join('\n')
}

/** A mutation of a recorded trace, named for the report. */
export interface TraceMutation {
  readonly kind: 'truncated' | 'bits flipped' | 'field edited'
  readonly bytes: Uint8Array
}

/**
 * One random mutation of a recorded trace: truncated at a random offset, one to three bits
 * flipped, or (JSON Lines) one field edited ({@link editRandomField}).
 */
export function mutateMachineTrace(
  bytes: Uint8Array,
  format: TraceFormat,
  random: SeededRandom,
): TraceMutation {
  const choice = random.below(format === 'jsonl' ? 3 : 2)
  if (choice === 0) return { kind: 'truncated', bytes: bytes.subarray(0, random.below(bytes.length)) }
  if (choice === 1) {
    let corrupt = bytes
    const flips = 1 + random.below(3)
    for (let i = 0; i < flips; i++) corrupt = flipBit(corrupt, random.below(bytes.length), random.below(8))
    return { kind: 'bits flipped', bytes: corrupt }
  }
  const text = new TextDecoder().decode(bytes)
  return { kind: 'field edited', bytes: new TextEncoder().encode(editRandomField(text, random)) }
}
