// Hostile scenario scripts (issue 9): truncated at every offset, bytes flipped, prototype keys,
// numbers beyond 2^53, deep nesting, huge values and counts. Each one either runs or is refused
// with one CliError (exit code 2) — never another exception — in bounded time, and
// Object.prototype is untouched.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CliError } from './cliError.js'
import { parseScript } from './parseScript.js'
import { runScript } from './runScript.js'

const example = readFileSync(join(import.meta.dirname, '../examples/reserve-commit-touch.json'), 'utf8')

/** Parses and runs `text`: 'ran', or the CliError's message; anything else is thrown on. */
function attempt(text: string): string {
  try {
    runScript(parseScript(text, 'hostile.json'), 'hostile.json')
    return 'ran'
  } catch (error) {
    if (error instanceof CliError) return error.message
    throw error
  } finally {
    expect(Object.keys(Object.prototype)).toEqual([])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  }
}

const script = (body: Record<string, unknown>) =>
  JSON.stringify({ processes: [{ name: 'a.exe' }], steps: [], ...body })
const call = (args: Record<string, unknown>) =>
  script({ steps: [{ call: 'NtAllocateVirtualMemory', args, expect: 'STATUS_SUCCESS' }] })

describe('hostile scripts', () => {
  it('refuses more processes than a tiny machine can hold, naming the process (no stack trace)', () => {
    const processes = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name: `${name}.exe` }))
    const tiny = script({ machine: { arch: 'x86', physicalMemory: '24K' }, processes })
    expect(attempt(tiny)).toMatch(
      /^hostile\.json: processes\[\d\] '[a-f]\.exe': cannot be created \(no frame left for the page directory of \d+; nothing was created\); give the machine more physicalMemory$/,
    )
    expect(attempt(script({ machine: { arch: 'x86', physicalMemory: '24K' } }))).toBe('ran')
  })

  it('refuses the example truncated at every offset with a CliError', () => {
    expect(attempt(example)).toBe('ran')
    for (let cut = 0; cut < example.trimEnd().length; cut++)
      expect(attempt(example.slice(0, cut))).toMatch(/hostile\.json/)
  })

  it('runs or refuses the example with any byte flipped', () => {
    fc.assert(
      fc.property(fc.nat(example.length - 1), fc.integer({ min: 1, max: 127 }), (position, mask) => {
        const flipped =
          example.slice(0, position) +
          String.fromCharCode(example.charCodeAt(position) ^ mask) +
          example.slice(position + 1)
        attempt(flipped)
      }),
      { numRuns: 300, seed: 9 },
    )
  })

  it.each([
    ['__proto__ at the top', '{"__proto__":{"polluted":1},"processes":[{"name":"a"}],"steps":[]}'],
    ['__proto__ in args', call(JSON.parse('{"__proto__":{"polluted":1}}'))],
    [
      '__proto__ as an arg key',
      '{"processes":[{"name":"a"}],"steps":[{"call":"NtClose","args":{"__proto__":{"polluted":1}}}]}',
    ],
    [
      'constructor.prototype',
      '{"processes":[{"name":"a"}],"steps":[{"call":"NtClose","args":{"constructor":{"prototype":{"polluted":1}}}}]}',
    ],
    [
      '__proto__ in machine',
      '{"machine":{"__proto__":{"polluted":1}},"processes":[{"name":"a"}],"steps":[]}',
    ],
    ['a process named __proto__', script({ processes: [{ name: '__proto__' }, { name: 'constructor' }] })],
    [
      'a variable named __proto__',
      script({
        steps: [
          {
            call: 'NtAllocateVirtualMemory',
            args: { regionSize: 4096, allocationType: 'MEM_RESERVE', protect: 'PAGE_READWRITE' },
            save: { __proto__x: 'baseAddress' },
          },
        ],
      }),
    ],
    [
      'regionSize 2^53 + 1',
      call({ regionSize: 'BIG', allocationType: 'MEM_RESERVE', protect: 'PAGE_READWRITE' }).replace(
        '"BIG"',
        '9007199254740993',
      ),
    ],
    [
      'regionSize 1e300',
      call({ regionSize: 1e300, allocationType: 'MEM_RESERVE', protect: 'PAGE_READWRITE' }),
    ],
    [
      'a 100-digit hex size',
      call({ regionSize: `0x${'f'.repeat(100)}`, allocationType: 'MEM_RESERVE', protect: 'PAGE_READWRITE' }),
    ],
    [
      'a negative size',
      call({ regionSize: -4096, allocationType: 'MEM_RESERVE', protect: 'PAGE_READWRITE' }),
    ],
    ['physical memory 1e300', script({ machine: { physicalMemory: 1e300 } })],
    ['physical memory 0', script({ machine: { physicalMemory: 0 } })],
    ['physical memory 4096 T', script({ machine: { physicalMemory: '0x10000000000000' } })],
    ['a page file of -1', script({ machine: { pageFile: -1 } })],
    ['a TLB of 2^40 entries', script({ machine: { tlb: { entries: 2 ** 40, ways: 1 } } })],
    [
      'nesting 100 000 deep',
      `{"processes":[{"name":"a"}],"steps":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    ],
    ['a 10 MB string', script({ name: 'x'.repeat(10 << 20) })],
    ['an unknown service', script({ steps: [{ call: 'NtCreateSection' }] })],
    ['an access of 2^53 bytes', script({ steps: [{ access: 'read', address: '0x10000', length: 2 ** 53 }] })],
    ['an access at NaN', script({ steps: [{ access: 'read', address: 'NaN' }] })],
    [
      'a write of a huge byte string',
      script({ steps: [{ access: 'write', address: '0x10000', data: 'ff'.repeat(1 << 20) }] }),
    ],
    ['not an object', '[1,2,3]'],
    ['null', 'null'],
    ['an empty file', ''],
  ])('refuses or runs %s without a crash or pollution', (_name, text) => {
    const started = performance.now()
    attempt(text)
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})
