import { describe, expect, it } from 'vitest'
import { runArticleStory } from './articleStory.js'
import { main } from './cli.js'

function run(argv: string[]): { code: number; text: string } {
  const lines: string[] = []
  const code = main(argv, (line) => lines.push(line))
  return { code, text: lines.join('\n') }
}

describe('ntmm demo', () => {
  it('tells the article story: reserve, commit without mapping, demand-zero fault, access violations', () => {
    const text = runArticleStory().join('\n')
    expect(text).toContain('MEM_RESERVE')
    expect(text).toMatch(/STATUS_SUCCESS, BaseAddress 0x00010000, RegionSize 64 KiB/)
    expect(text).toMatch(/BaseAddress 0x00011000, RegionSize 4 KiB/)
    expect(text).toContain(
      'MEM_COMMIT mapped nothing: a side-effect-free peek at 0x00011000 gives STATUS_ACCESS_VIOLATION',
    )
    expect(text).toContain('#PF at 0x00011010')
    expect(text).toMatch(/MmAccessFault: write at 0x00011010 → demand-zero/)
    expect(text).toContain('MmCreateVirtualMapping 0x00011000')
    expect(text).toContain('reading back: STATUS_SUCCESS [0x4e 0x54 0x4d 0x4d]')
    expect(text).toMatch(/→ STATUS_ACCESS_VIOLATION: reserved memory/)
    expect(text).toMatch(/OldProtect PAGE_READWRITE/)
    expect(text).toMatch(/→ STATUS_ACCESS_VIOLATION: a write to PAGE_READONLY/)
  })

  it.each(['x86', 'x86-pae', 'x64'])('runs on %s and walks every paging level of that mode', (arch) => {
    const { code, text } = run(['demo', '--arch', arch])
    expect(code).toBe(0)
    expect(text).toContain(`on an ${arch} machine`)
    expect(text).toMatch(/PTE\s+at 0x/)
    if (arch === 'x64') expect(text).toMatch(/PML4E\s+at 0x/)
    if (arch === 'x86-pae') expect(text).toMatch(/PDPTE\s+at 0x/)
  })
})

describe('ntmm command line errors', () => {
  it('rejects an unknown command with exit code 2 and the usage', () => {
    const { code, text } = run(['frobnicate'])
    expect(code).toBe(2)
    expect(text).toContain("unknown command 'frobnicate'")
    expect(text).toContain('usage: ntmm')
  })

  it('rejects an unknown architecture naming the allowed ones', () => {
    const { code, text } = run(['demo', '--arch', 'arm64'])
    expect(code).toBe(2)
    expect(text).toBe("ntmm: --arch must be one of x86, x86-pae, x64, not 'arm64'")
  })

  it('rejects an unknown flag without a stack trace', () => {
    const { code, text } = run(['demo', '--bogus'])
    expect(code).toBe(2)
    expect(text).toMatch(/^ntmm: Unknown option '--bogus'/)
    expect(text).not.toContain('    at ')
  })
})
