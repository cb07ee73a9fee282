// Every built-in scenario checks what is true on the architecture it runs on: played on x86,
// x86-pae and x64, each of its claims holds (and `ntmm run` exits 0).

import { describe, expect, it } from 'vitest'
import { main } from '../cli.js'
import { collectingIo } from '../cliIo.js'
import { architectures } from '../machine.js'
import { scenarios } from './catalog.js'

describe('built-in scenarios', () => {
  it.each(
    scenarios.flatMap((scenario) => architectures.map((arch) => [scenario.name, arch] as const)),
  )('%s on %s: every expectation holds', (name, arch) => {
    const scenario = scenarios.find((entry) => entry.name === name)!
    const narrator = scenario.run({ arch, verbose: false })
    expect(narrator.expectations.length).toBeGreaterThan(0)
    expect(narrator.failures).toEqual([])
  })

  it('`ntmm run placement --arch x64` passes its own checks: exit code 0', async () => {
    const io = collectingIo()
    expect(await main(['run', 'placement', '--arch', 'x64'], io)).toBe(0)
    expect(io.out.join('')).toContain(
      '✓ top-down takes the highest 64 KiB under MM_HIGHEST_VAD_ADDRESS: 0x7ffffffd0000',
    )
  })
})
