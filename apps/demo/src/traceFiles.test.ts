// Trace files written and read by the command line: every failed write is one line and a
// non-zero exit code (never a silent exit 0), the files are byte for byte what Kernel.saveTrace
// and Kernel.exportTrace write, and long work shows its progress on a terminal — and only there.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { loadKernel } from '@ntmm/nt-syscalls'
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
