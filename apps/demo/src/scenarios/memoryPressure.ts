// Memory pressure: more memory committed and touched than the machine has RAM. When no frame is
// free, MmRequestPageMemoryConsumer asks the replacement policy for victims; a dirty victim goes to
// the modified list and is written to the page file, a clean one to standby; touching a page that
// left memory is a hard fault (read back from the page file) or a soft fault (reclaimed from the
// standby/modified list). The same reference string is played under each replacement policy.

import type { ReplacementPolicyName } from '@ntmm/mm-core'
import { describeEvent } from '../describeEvent.js'
import { bytes, table } from '../format.js'
import { comparedPolicies } from '../machine.js'
import { Narrator } from '../narrator.js'
import { PRESSURE_MACHINE, PRESSURE_PAGES, playReferences, pressureReferences } from '../workloads.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

function play(options: ScenarioOptions): Narrator {
  const policies: readonly ReplacementPolicyName[] = options.policies ?? comparedPolicies
  const references = pressureReferences()
  const pages = PRESSURE_PAGES.hot + PRESSURE_PAGES.cold
  const rows = [['policy', 'faults', 'demand-zero', 'hard', 'soft', 'written', 'read back', 'corrupt']]
  let main: Narrator | undefined
  for (const policy of policies) {
    const n = new Narrator(
      { arch: options.arch, ...PRESSURE_MACHINE, replacementPolicy: policy },
      { verbose: options.verbose, record: options.record === true },
    )
    if (main === undefined) {
      main = n
      n.say(
        `ntmm: memory pressure on an ${n.kernel.arch} machine with ${bytes(PRESSURE_MACHINE.physicalMemory)} of RAM and ${bytes(PRESSURE_MACHINE.pageFile)} of page file`,
      )
      n.say(
        `a process commits ${pages} pages (${bytes(pages * 4096)}) and plays ${references.length} references: a hot set of ${PRESSURE_PAGES.hot} pages, two references in three, and a scan over ${PRESSURE_PAGES.cold} cold pages`,
      )
      n.step(`1. Under '${policy}', the first page-outs, as they happen:`)
      const figures = n.summarise(() => playReferences(n.kernel, pages, references))
      for (const kind of ['mm.pageOut', 'mm.pageIn']) {
        const first = n.events.find(({ event }) => event.type === kind)
        if (first?.cause === undefined) continue
        const root = first.cause
        n.lines.push(`   the first ${kind} (#${first.seq}) and the other effects of its cause, #${root}:`)
        const chain = n.events.filter(({ seq, cause }) => seq === root || cause === root)
        for (const { seq, event } of chain.filter(({ event }) => narrated.has(event.type)).slice(0, 10))
          n.lines.push(`    #${String(seq).padStart(5)} ${describe(event)}`)
      }
      rows.push(row(policy, figures))
      n.expect(`'${policy}': every page read back as written`, String(figures.corruptPages), '0')
      n.step('2. The same references under each policy:')
    } else {
      const figures = playReferences(n.kernel, pages, references)
      rows.push(row(policy, figures))
      main.expect(`'${policy}': every page read back as written`, String(figures.corruptPages), '0')
    }
  }
  const n = main!
  n.quietly(() => {
    for (const line of table(rows, { right: [1, 2, 3, 4, 5, 6, 7] })) n.lines.push(`   ${line}`)
    n.lines.push(
      "   'opt' (Belady) sees the future reference string: no policy can have fewer hard and soft faults.",
    )
  })
  return n
}

const narrated = new Set([
  'nt.cpuAccess',
  'hw.pageFault',
  'mm.pageFault',
  'mm.frameRequested',
  'mm.pageOut',
  'mm.pageWritten',
  'mm.pageIn',
  'mm.pageReclaimed',
  'mm.mappingCreated',
])

function describe(event: { readonly type: string } & Readonly<Record<string, unknown>>): string {
  return `${event.type.slice(0, 2)} ${describeEvent(event) ?? event.type}`
}

function row(policy: string, figures: ReturnType<typeof playReferences>): string[] {
  const mm = figures.mm
  return [
    policy,
    mm.pageFaults,
    mm.demandZeroFaults,
    mm.hardFaults,
    mm.softFaults,
    mm.pagesWritten,
    mm.pagesRead,
    figures.corruptPages,
  ].map(String)
}

/** The scenario entry. */
export const memoryPressure: Scenario = {
  name: 'pressure',
  title: 'Memory pressure under each replacement policy',
  summary:
    'More committed and touched memory than RAM: page-outs to the modified and standby lists, page-file writes, hard and soft faults, compared across working-set, fifo, lru, clock and opt.',
  comparesPolicies: true,
  run: play,
}
