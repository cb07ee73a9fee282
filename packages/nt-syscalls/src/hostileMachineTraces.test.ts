// Hostile machine trace files (issue 9): a real recorded machine, saved in both encodings, then
// truncated at many offsets, bytes flipped, its header's version, config and schema corrupted.
// loadKernel either rebuilds a sound machine from what is valid or refuses with a TraceFormatError
// (or a TypeError/RangeError of the configuration checks, naming the value), never a crash from
// inside the machine (an InvariantError, "Cannot read properties of undefined"), in bounded time,
// and Object.prototype stays untouched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TraceFormatError } from '@ntmm/trace'
import { afterAll, describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import { MACHINE_TRACE_PRODUCER } from './machineSchema.js'
import { loadKernel } from './machineTraceFile.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-hostile-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

async function recorded(format: 'jsonl' | 'binary'): Promise<Uint8Array> {
  const kernel = createKernel({ physicalMemory: 256 * 1024, pageFile: 1 << 20, record: true })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const nt = kernel.syscalls(pid)
  const base = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    0x4000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  ).baseAddress
  for (let i = 0; i < 4; i++) kernel.cpu(pid).write(base + i * 0x1000, [i, 1, 2])
  const path = join(directory, `good.${format}`)
  await kernel.saveTrace(path, { format })
  return readFileSync(path)
}

let tried = 0
/** Loads `bytes`; 'loaded' (and sound) or the refusal's message; other exceptions fail the test. */
async function attempt(bytes: Uint8Array | string): Promise<string> {
  const path = join(directory, `hostile-${tried++}`)
  writeFileSync(path, bytes)
  try {
    const kernel = await loadKernel(path)
    expect(checkKernelInvariants(kernel, { tlb: false })).toEqual([])
    return 'loaded'
  } catch (error) {
    if (!(error instanceof TraceFormatError)) {
      // A configuration the header cannot hold is refused by the config checks (TypeError or
      // RangeError naming the value): a clear message, never a crash from inside the machine.
      expect(error).toBeInstanceOf(Error)
      expect(['TypeError', 'RangeError']).toContain((error as Error).name)
      expect((error as Error).message).not.toMatch(/Cannot read|undefined|is not a function|is not iterable/)
    }
    return (error as Error).message
  } finally {
    expect(Object.keys(Object.prototype)).toEqual([])
  }
}

describe('hostile machine traces', () => {
  it('refuses a trace from another machine-trace version naming both versions', async () => {
    const lines = new TextDecoder().decode(await recorded('jsonl')).split('\n')
    const header = JSON.parse(lines[0]!)
    header.producer.version = '0'
    lines[0] = JSON.stringify(header)
    const index = lines.findIndex((line, at) => at > 0 && line.includes('"nt.cpuAccess"'))
    expect(index).toBeGreaterThan(0)
    lines[index] = lines[index]!.replace(/"address":/, '"addr":')
    const message = await attempt(lines.join('\n'))
    expect(message).toContain(
      `machine-trace version 0; this version reads machine-trace version ${MACHINE_TRACE_PRODUCER.version}`,
    )
  })

  it('names both versions when an older machine-trace schema is refused at the header', async () => {
    const lines = new TextDecoder().decode(await recorded('jsonl')).split('\n')
    const header = JSON.parse(lines[0]!)
    header.producer.version = '0'
    header.schema.kinds[0].type = 'nt.retiredKind'
    lines[0] = JSON.stringify(header)
    const message = await attempt(lines.join('\n'))
    expect(message).toContain(
      `machine-trace version 0; this version reads machine-trace version ${MACHINE_TRACE_PRODUCER.version}`,
    )
    expect(message).toContain("kind 'nt.retiredKind' is not in the reader's schema")
  })

  it('loads a machine-trace version 2 trace (the schema before nt.cpuWriteWords)', async () => {
    const lines = new TextDecoder().decode(await recorded('jsonl')).split('\n')
    const header = JSON.parse(lines[0]!)
    expect(header.producer.version).toBe(MACHINE_TRACE_PRODUCER.version)
    header.producer.version = '2'
    const kinds = header.schema.kinds as { type: string }[]
    expect(kinds.at(-1)?.type).toBe('nt.cpuWriteWords')
    header.schema.kinds = kinds.slice(0, -1)
    lines[0] = JSON.stringify(header)
    expect(await attempt(lines.join('\n'))).toBe('loaded')
  })

  it.each([
    'jsonl',
    'binary',
  ] as const)('refuses the trace truncated at offsets throughout (%s)', async (format) => {
    const bytes = await recorded(format)
    expect(await attempt(bytes)).toBe('loaded')
    const stride = Math.max(1, Math.floor(bytes.length / 150))
    for (let cut = 0; cut < bytes.length - 1; cut += stride)
      expect(await attempt(bytes.subarray(0, cut))).not.toBe('loaded')
  })

  it.each([
    'jsonl',
    'binary',
  ] as const)('loads or refuses the trace with bytes flipped (%s)', async (format) => {
    const bytes = await recorded(format)
    let state = 12345
    for (let i = 0; i < 120; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      const corrupt = bytes.slice()
      const at = state % bytes.length
      corrupt[at] = (corrupt[at] as number) ^ (1 << ((state >>> 28) % 8))
      await attempt(corrupt)
    }
  })

  it.each([
    ['version 99', (h: Record<string, unknown>) => ({ ...h, version: 99 })],
    [
      'a config with 2^60 bytes of RAM',
      (h: Record<string, unknown>) => ({
        ...h,
        config: { ...(h.config as object), physicalMemory: 2 ** 60 },
      }),
    ],
    [
      'a config with an unknown arch',
      (h: Record<string, unknown>) => ({ ...h, config: { ...(h.config as object), arch: 'arm64' } }),
    ],
    [
      'a config with __proto__',
      (h: Record<string, unknown>) => ({ ...h, config: JSON.parse('{"__proto__":{"polluted":1}}') }),
    ],
    [
      'a negative page file',
      (h: Record<string, unknown>) => ({ ...h, config: { ...(h.config as object), pageFile: -4096 } }),
    ],
    ['no schema', (h: Record<string, unknown>) => ({ ...h, schema: null })],
  ])('refuses a JSON Lines header with %s', async (_name, change) => {
    const lines = new TextDecoder().decode(await recorded('jsonl')).split('\n')
    lines[0] = JSON.stringify(change(JSON.parse(lines[0] as string)))
    expect(await attempt(lines.join('\n'))).not.toBe('loaded')
  })

  it('refuses unknown event types and events of the wrong shape', async () => {
    const lines = new TextDecoder().decode(await recorded('jsonl')).split('\n')
    const bad = [...lines]
    bad[2] = '{"seq":1,"event":{"type":"mm.notAnEvent","x":1}}'
    expect(await attempt(bad.join('\n'))).toMatch(/type/)
    const shape = [...lines]
    shape[3] = '{"seq":2,"event":{"type":"hw.pteWritten"}}'
    expect(await attempt(shape.join('\n'))).not.toBe('loaded')
  })
})
