// Trace files written and read by the command line: every failed write is one line and a
// non-zero exit code (never a silent exit 0), the files are byte for byte what Kernel.saveTrace
// and Kernel.exportTrace write, and long work shows its progress on a terminal — and only there.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import {
  createKernel,
  loadKernel,
  MEM_COMMIT,
  MEM_RESERVE,
  machineSchema,
  PAGE_READWRITE,
} from '@ntmm/nt-syscalls'
import { readTraceFile, writeLogFile } from '@ntmm/trace'
import { describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'
import { commandProgress } from './progress.js'
import { playArticleStory } from './scenarios/articleStory.js'
import { exportTrace, exportTraceFile, machineAt, openTrace, saveTrace } from './traceFiles.js'

const scratch = mkdtempSync(join(tmpdir(), 'ntmm-files-'))
const trace = join(scratch, 'article.ntt')
const pages = join(scratch, 'pages.txt')
writeFileSync(pages, '1\n2\n3\n1\n')

/** A terminal that records what is drawn on it. */
function fakeTerminal(): NodeJS.WritableStream & { readonly text: () => string } {
  const written: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString())
      done()
    },
  })
  return Object.assign(stream, { isTTY: true, columns: 120, text: () => written.join('') })
}

async function run(argv: string[], terminal?: NodeJS.WritableStream) {
  const io = collectingIo({ cwd: scratch, ...(terminal === undefined ? {} : { progressStream: terminal }) })
  const code = await main(argv, io)
  return { code, out: io.out.join(''), err: io.err.join('') }
}

describe('a failed write', () => {
  it.each([
    [['record', 'article', '-o', '/nonexistent/x.ntt']],
    [['record', 'pressure', '-o', '/nonexistent/x.ntt']],
    [['import', 'pages', pages, '-o', '/nonexistent/x.ntt']],
    [['export', 'perfetto', 'TRACE', '-o', '/nonexistent/x.perfetto-trace']],
  ])('%j: one line naming the path, exit code 2', async (argv) => {
    expect((await run(['record', 'article', '-o', trace])).code).toBe(0)
    const { code, out, err } = await run(argv.map((item) => (item === 'TRACE' ? trace : item)))
    expect({ code, out, err }).toEqual({
      code: 2,
      out: '',
      err: `ntmm: ${argv.at(-1)}: cannot write the file (no such directory /nonexistent)\n`,
    })
  })

  it('refuses a directory as the output, before playing anything', async () => {
    const directory = join(scratch, 'a-directory')
    mkdirSync(directory, { recursive: true })
    expect(await run(['record', 'article', '-o', directory])).toEqual({
      code: 2,
      out: '',
      err: `ntmm: ${directory}: cannot write the file (it is a directory)\n`,
    })
  })

  it.runIf(existsSync('/dev/full'))(
    'a disk that fills up: exit code 74, and the device is left alone',
    async () => {
      const { code, out, err } = await run(['record', 'article', '-o', '/dev/full'])
      expect({ code, out }).toEqual({ code: 74, out: '' })
      expect(err).toMatch(
        /^ntmm: \/dev\/full: writing failed after 0 bytes \(no space left on the device\); the partial file was removed\n$/,
      )
      expect(statSync('/dev/full').isCharacterDevice()).toBe(true)
    },
  )
})

describe('trace files', () => {
  it('are byte for byte what Kernel.saveTrace and Kernel.exportTrace write, and load as loadKernel loads them', async () => {
    const io = collectingIo({ cwd: scratch })
    const { kernel } = playArticleStory({ arch: 'x86', verbose: false, record: true })
    for (const format of ['binary', 'jsonl'] as const) {
      await saveTrace(io, kernel, `ours.${format}`, format)
      await kernel.saveTrace(join(scratch, `theirs.${format}`), { format })
      expect(readFileSync(join(scratch, `ours.${format}`))).toEqual(
        readFileSync(join(scratch, `theirs.${format}`)),
      )
    }
    const opened = await openTrace(io, 'ours.binary')
    const loaded = await loadKernel(join(scratch, 'ours.binary'))
    expect(opened.length).toBe(loaded.trace!.length)
    expect(machineAt(opened, 30, undefined, 8).mm.counters).toEqual(loaded.at(30).mm.counters)
    for (const kind of ['perfetto', 'chrome'] as const) {
      await exportTrace(io, opened, `ours.${kind}`, kind)
      await loaded.exportTrace(join(scratch, `theirs.${kind}`), { format: kind })
      expect(readFileSync(join(scratch, `ours.${kind}`))).toEqual(
        readFileSync(join(scratch, `theirs.${kind}`)),
      )
    }
  })
})

describe('the streamed export', () => {
  it("writes the bytes of the loaded trace's export, for either encoding, without loading it", async () => {
    const io = collectingIo({ cwd: scratch })
    const { kernel } = playArticleStory({ arch: 'x86', verbose: false, record: true })
    for (const format of ['binary', 'jsonl'] as const) {
      await saveTrace(io, kernel, `streamed.${format}`, format)
      const opened = await openTrace(io, `streamed.${format}`)
      for (const kind of ['perfetto', 'chrome'] as const) {
        await exportTrace(io, opened, `loaded.${format}.${kind}`, kind)
        await exportTraceFile(io, `streamed.${format}`, `streamed.${format}.${kind}`, kind)
        expect(readFileSync(join(scratch, `streamed.${format}.${kind}`))).toEqual(
          readFileSync(join(scratch, `loaded.${format}.${kind}`)),
        )
      }
    }
  })

  it('refuses a corrupt trace as openTrace does, and leaves no partial output', async () => {
    const io = collectingIo({ cwd: scratch })
    const { kernel } = playArticleStory({ arch: 'x86', verbose: false, record: true })
    await saveTrace(io, kernel, 'whole.ntt', 'binary')
    const bytes = readFileSync(join(scratch, 'whole.ntt'))
    writeFileSync(join(scratch, 'cut.ntt'), bytes.subarray(0, bytes.length - 40))
    await expect(exportTraceFile(io, 'cut.ntt', 'cut.perfetto', 'perfetto')).rejects.toThrow(
      /^cut\.ntt: not a readable ntmm trace \(/,
    )
    expect(existsSync(join(scratch, 'cut.perfetto'))).toBe(false)
  })
})

describe('progress', () => {
  it.each([
    [
      ['record', 'article', '-o', 'TRACE'],
      ['record: playing article', 'record: writing'],
    ],
    [
      ['import', 'pages', 'PAGES', '-o', 'pages.ntt'],
      ['import: replaying', 'import: writing pages.ntt'],
    ],
    [
      ['replay', 'TRACE', '--verify'],
      ['replay: reading', 'replay: rebuilding the machine', 'replay: re-executing'],
    ],
    [
      ['inspect', 'TRACE', 'vad'],
      ['inspect: reading', 'inspect: rebuilding the machine'],
    ],
    [
      ['events', 'TRACE', '--type', 'mm.*'],
      ['events: reading', 'events: matching events'],
    ],
    [
      ['why', 'TRACE', '27'],
      ['why: reading', 'why: following the causes of #27'],
    ],
    [
      ['export', 'chrome', 'TRACE', '-o', 'article.json'],
      ['export: reading', 'export: writing article.json'],
    ],
  ])('%j draws its stages on a terminal, and prints the same output as without one', async (argv, stages) => {
    expect((await run(['record', 'article', '-o', trace])).code).toBe(0)
    const args = argv.map((item) => (item === 'TRACE' ? trace : item === 'PAGES' ? pages : item))
    const terminal = fakeTerminal()
    const drawn = await run(args, terminal)
    for (const stage of stages) expect(terminal.text()).toContain(stage)
    const piped = await run(args)
    expect(drawn).toEqual(piped)
    expect(piped.err).toBe('')
    // --json output is JSON whatever the terminal shows.
    if (['replay', 'inspect', 'events', 'why'].includes(args[0]!)) {
      const json = await run([...args, '--json'], fakeTerminal())
      expect(() => JSON.parse(json.out)).not.toThrow()
    }
  })

  it('shows the seek through a long trace in steps, each moving the bar', async () => {
    const io = collectingIo({ cwd: scratch, progressStream: fakeTerminal() })
    const terminal = io.progressStream as ReturnType<typeof fakeTerminal>
    const opened = await openTrace(io, trace)
    const progress = commandProgress(io, 'inspect')
    machineAt(opened, 50, progress, 8)
    progress.stop()
    expect(terminal.text()).toContain('inspect: seeking to event #50')
    expect(terminal.text()).toMatch(/\d+\/51 events/)
  })
})

describe('replay of a trace from outside', () => {
  /** A paging run saved by the library with a state digest every 10 events. */
  async function withDigests(format: 'jsonl' | 'binary'): Promise<string> {
    const kernel = createKernel({ physicalMemory: 24 * 4096, pageFile: 1 << 20, record: true })
    const pid = kernel.createProcess({ name: 'a.exe' }).pid
    const base = kernel
      .syscalls(pid)
      .NtAllocateVirtualMemory(-1, 0, 0, 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
    for (let i = 0; i < 30; i++) kernel.cpu(pid).write(base + i * 0x1000, [i, 1, 2])
    const path = join(scratch, `digests.${format}`)
    await kernel.saveTrace(path, { format, digestEvery: 10 })
    return path
  }

  it.each([
    'jsonl',
    'binary',
  ] as const)('--verify finds a recorded state digest edited (%s): exit code 1 naming its seq, the recorded and the rebuilt digest', async (format) => {
    const path = await withDigests(format)
    expect((await run(['replay', path, '--verify'])).out).toMatch(
      /verify: all \d+ recorded state digests match the rebuilt machine/,
    )
    const read = await readTraceFile(path, machineSchema)
    if (!read.ok) throw read.error
    const right = read.trace.checkpoints.find((c) => c.seq === 20)!.digest
    const edited = join(scratch, `edited.${format}`)
    if (format === 'jsonl') {
      writeFileSync(
        edited,
        readFileSync(path, 'utf8').replace(`"digest":"${right}"`, '"digest":"0badd16e57000000"'),
      )
    } else {
      const checkpoints = read.trace.checkpoints.map((c) =>
        c.seq === 20 ? { seq: 20, digest: '0badd16e57000000' } : c,
      )
      await writeLogFile(
        edited,
        { header: read.trace.header, log: read.trace.log, checkpoints },
        { encoding: 'binary' },
      )
    }
    const { code, out, err } = await run(['replay', edited, '--verify'])
    expect(code).toBe(1)
    expect(err).toBe('')
    expect(out).toContain('verify: re-execution reproduced all')
    expect(out).toContain(
      `verify: the state digest recorded at seq 20 is 0badd16e57000000, the machine rebuilt there gives ${right} (2 earlier digests matched)`,
    )
    const json = JSON.parse((await run(['replay', edited, '--verify', '--json'])).out)
    expect(json.digests).toEqual({
      ok: false,
      seq: 20,
      expected: '0badd16e57000000',
      actual: right,
      checked: 2,
    })
  })

  it('refuses a trace whose events do not hold (an area ending below its start): one line, exit code 2', async () => {
    const path = await withDigests('jsonl')
    const text = readFileSync(path, 'utf8')
    const line = text
      .split('\n')
      .find((l) => l.startsWith('{"seq"') && l.includes('"type":"mm.areaInserted"'))!
    const parsed = JSON.parse(line)
    const area = parsed.event.area
    ;[area.startingAddress, area.endingAddress] = [area.endingAddress, area.startingAddress]
    const bad = join(scratch, 'unsound.jsonl')
    writeFileSync(bad, text.replace(line, JSON.stringify(parsed)))
    for (const argv of [
      ['replay', bad],
      ['replay', bad, '--verify'],
      ['inspect', bad, 'vad'],
    ]) {
      const { code, out, err } = await run(argv)
      expect({ code, out }).toEqual({ code: 2, out: '' })
      expect(err).toMatch(
        /^ntmm: .*unsound\.jsonl: not a sound ntmm trace \(seq \d+, field event\.area\.endingAddress: .*\)\n$/,
      )
    }
  })
})
