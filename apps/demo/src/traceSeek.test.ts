// `inspect` and `replay --at` of a binary trace with state blocks answer from the nearest state
// block (traceSeek.ts) exactly as a full load of the same trace answers; a trace whose state
// block does not hold is loaded whole instead (the same answer), and a seq out of range is the
// same one-line error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKernel, MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { editStateBlock } from '../../../packages/nt-syscalls/src/testing/hostileMachineTraces.js'
import { SeededRandom } from '../../../packages/nt-syscalls/src/testing/seededRandom.js'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'

const scratch = mkdtempSync(join(tmpdir(), 'ntmm-seek-'))

async function run(argv: string[]) {
  const io = collectingIo({ cwd: scratch })
  const code = await main(argv, io)
  return { code, out: io.out.join(''), err: io.err.join('') }
}

/** A program writing 40 pages in a 24-frame machine (pages go out and come back). */
const kernel = createKernel({ record: true, physicalMemory: 24 * 4096, pageFile: 1 << 20 })
const pid = kernel.createProcess({ name: 'seek.exe' }).pid
const base = kernel
  .syscalls(pid)
  .NtAllocateVirtualMemory(-1, 0, 0, 40 * 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
for (let round = 0; round < 3; round++)
  for (let page = 0; page < 40; page++) kernel.cpu(pid).write(base + page * 4096 + round * 8, [page, round])
const events = kernel.trace!.length
await kernel.saveTrace(join(scratch, 'whole.ntt'), { format: 'binary' })
await kernel.saveTrace(join(scratch, 'states.ntt'), { format: 'binary', stateEvery: 256, blockEvents: 256 })

describe('inspect and replay --at from state blocks', () => {
  it('writes the trace with state blocks as version 2', () => {
    expect(readFileSync(join(scratch, 'states.ntt')).readUInt16LE(8)).toBe(2)
    expect(readFileSync(join(scratch, 'whole.ntt')).readUInt16LE(8)).toBe(1)
    expect(events).toBeGreaterThan(1024)
  })

  it.each([
    ['replay', '--at', '-1'],
    ['replay', '--at', '255'],
    ['replay', '--at', '256'],
    ['replay', '--at', String(Math.floor(events / 2))],
    ['replay', '--json'],
    ['inspect', 'stats', '--at', '700'],
    ['inspect', 'address', '--at', '1000', '--json'],
    ['inspect', 'handles'],
    ['replay', '--at', String(events)],
  ])('%s %s %s %s: the same output and exit code as a full load', async (command, ...rest) => {
    const whole = await run([command, 'whole.ntt', ...rest])
    const states = await run([command, 'states.ntt', ...rest])
    expect(states).toEqual({
      code: whole.code,
      out: whole.out.replaceAll('whole.ntt', 'states.ntt'),
      err: whole.err.replaceAll('whole.ntt', 'states.ntt'),
    })
  })

  it.each([
    1, 2, 3, 4, 5,
  ])('answers as a full load when a state block was edited past its checksum (seed %i): refused, the trace loaded whole', async (seed) => {
    const bytes = new Uint8Array(readFileSync(join(scratch, 'states.ntt')))
    const edited = editStateBlock(bytes, new SeededRandom(seed))
    expect(edited).not.toEqual(bytes)
    writeFileSync(join(scratch, 'bad.ntt'), edited)
    const whole = await run(['replay', 'whole.ntt', '--at', String(events - 1)])
    const bad = await run(['replay', 'bad.ntt', '--at', String(events - 1)])
    expect(bad).toEqual({ ...whole, out: whole.out.replaceAll('whole.ntt', 'bad.ntt') })
  })
})
