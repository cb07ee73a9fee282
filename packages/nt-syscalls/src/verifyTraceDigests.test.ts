// The state digests a machine trace records (`saveTrace({ digestEvery })`) are checked by
// verifyTrace (issue 18, point 4): each against the digest of the machine rebuilt at its seq, the
// first that differs reported with its seq, the recorded digest and the rebuilt one. A digest
// edited in a recorded file, JSON Lines or binary, is found; the untouched files pass.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readTraceFile, writeLogFile } from '@ntmm/trace'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import { checkTraceDigests, verifyTrace } from './machineTraceFile.js'
import { machineSchema } from './machineSchema.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-digests-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

/** A paging run saved in `format` with a digest every 10 events; returns the path. */
async function recorded(format: 'jsonl' | 'binary'): Promise<string> {
  const kernel = createKernel({ physicalMemory: 24 * 4096, pageFile: 1 << 20, record: true })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const base = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(-1, 0, 0, 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
  for (let i = 0; i < 30; i++) kernel.cpu(pid).write(base + i * 0x1000, [i, 1, 2])
  const path = join(directory, `good.${format}`)
  await kernel.saveTrace(path, { format, digestEvery: 10 })
  return path
}

/** The digest recorded at seq 20 of the file at `path`. */
async function digestAt20(path: string): Promise<string> {
  const read = await readTraceFile(path, machineSchema)
  if (!read.ok) throw read.error
  const checkpoint = read.trace.checkpoints.find((c) => c.seq === 20)
  if (checkpoint === undefined) throw new Error('no digest at seq 20')
  return checkpoint.digest
}

describe('verifyTrace and recorded state digests', () => {
  it.each(['jsonl', 'binary'] as const)('passes every digest of an untouched trace (%s)', async (format) => {
    const { determinism, digests } = await verifyTrace(await recorded(format))
    expect(determinism.ok).toBe(true)
    expect(digests.ok).toBe(true)
    expect(digests.ok && digests.checked).toBeGreaterThan(10)
  })

  it('reports the first digest edited in a JSON Lines file: its seq, the recorded and the rebuilt digest', async () => {
    const path = await recorded('jsonl')
    const right = await digestAt20(path)
    const text = readFileSync(path, 'utf8')
    const edited = join(directory, 'edited.jsonl')
    writeFileSync(
      edited,
      text.replace(`{"seq":20,"digest":"${right}"}`, '{"seq":20,"digest":"0123456789abcdef"}'),
    )
    const { determinism, digests } = await verifyTrace(edited)
    // The events are untouched: re-execution still agrees, only the digest check finds it.
    expect(determinism.ok).toBe(true)
    expect(digests).toEqual({ ok: false, seq: 20, expected: '0123456789abcdef', actual: right, checked: 2 })
  })

  it('reports a digest edited in a binary file', async () => {
    const path = await recorded('binary')
    const read = await readTraceFile(path, machineSchema)
    if (!read.ok) throw read.error
    const right = await digestAt20(path)
    const checkpoints = read.trace.checkpoints.map((c) =>
      c.seq === 20 ? { seq: 20, digest: 'fedcba9876543210' } : c,
    )
    const edited = join(directory, 'edited.ntt')
    await writeLogFile(
      edited,
      { header: read.trace.header, log: read.trace.log, checkpoints },
      { encoding: 'binary' },
    )
    expect(readFileSync(edited).includes('fedcba9876543210')).toBe(true)
    const { digests } = await verifyTrace(edited)
    expect(digests).toEqual({ ok: false, seq: 20, expected: 'fedcba9876543210', actual: right, checked: 2 })
  })

  it('reports a digest recorded at the initial state (seq 0) that differs', async () => {
    const read = await readTraceFile(await recorded('jsonl'), machineSchema)
    if (!read.ok) throw read.error
    const config = read.trace.config as Parameters<typeof checkTraceDigests>[1]
    const report = checkTraceDigests(read.trace.log, config, [{ seq: 0, digest: 'x' }])
    expect(report).toMatchObject({ ok: false, seq: 0, expected: 'x', checked: 0 })
    expect(checkTraceDigests(read.trace.log, config, [])).toEqual({ ok: true, checked: 0 })
  })
})
