// The explorer's "what will the next access do" against the machine itself: for every replacement
// policy, 'nt' included, the victims and the frame nextAccessOutcome names are exactly what the
// access changed between the machine before it (kernel.at(access − 1)) and after its last event.

import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Kernel } from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { comparedPolicies } from '../machine.js'
import { requireScenario } from '../scenarios/catalog.js'
import { nextAccessOutcome } from './accessOutcome.js'

const PAGE = 4096
const policies: readonly ReplacementPolicyName[] = [...new Set([...comparedPolicies, 'nt' as const])]

/** Every process page mapped valid (its working set, as QueryWorkingSet lists it), as "pid:page". */
function residentPages(machine: Kernel, pids: readonly number[]): Set<string> {
  const pages = new Set<string>()
  for (const pid of pids)
    for (const block of machine.mm.queryWorkingSet(pid)) pages.add(`${pid}:${block.virtualPage / PAGE}`)
  return pages
}

/** Frames on standby or modified with the page they hold, as "pfn:pid:address". */
function waitingFrames(machine: Kernel): Set<string> {
  const frames = new Set<string>()
  const pfnDb = machine.mm.pfnDatabase
  for (const state of ['STANDBY', 'MODIFIED'] as const)
    for (const pfn of pfnDb.framesOn(state)) {
      const entry = pfnDb.entry(pfn)
      frames.add(`${pfn}:${entry.ownerPid}:${entry.ownerAddress}`)
    }
  return frames
}

/** The accesses to check: those with each kind of victim, some faults without, some hits. */
function sample(kernel: Kernel): number[] {
  const log = kernel.trace!
  const byKind = new Map<string, number[]>()
  for (let seq = 0; seq < log.length; seq++) {
    if (log.typeAt(seq) !== 'nt.cpuAccess') continue
    const outcome = nextAccessOutcome(kernel, seq - 1)
    const key =
      outcome.victims.length > 0
        ? outcome.victims.map((victim) => victim.how).join('+')
        : String(outcome.fault)
    const list = byKind.get(key) ?? []
    if (list.length < 4) list.push(seq)
    byKind.set(key, list)
  }
  return [...byKind.values()].flat()
}

describe('nextAccessOutcome: the prediction is what the access did', () => {
  for (const policy of policies) {
    it(`names every page the access took out of a working set or whose frame it took, and the frame it gave, under '${policy}'`, () => {
      const kernel = requireScenario('pressure').run({
        arch: 'x86',
        verbose: false,
        record: true,
        policies: [policy],
      }).kernel
      const log = kernel.trace!
      const pids: number[] = []
      for (let seq = 0; seq < log.length; seq++)
        if (log.typeAt(seq) === 'mm.addressSpaceCreated')
          pids.push(Number((log.at(seq) as { pid: number }).pid))
      const accesses = sample(kernel)
      const kinds = new Set<string>()
      expect(accesses.length).toBeGreaterThan(3)
      for (const access of accesses) {
        const outcome = nextAccessOutcome(kernel, access - 1)
        expect(outcome.access?.seq).toBe(access)
        const before = kernel.at(access - 1)
        const after = kernel.at(outcome.end)
        const page = `${outcome.access!.pid}:${Math.floor(outcome.access!.address / PAGE)}`
        const residentBefore = residentPages(before, pids)
        const residentAfter = residentPages(after, pids)
        // Pages that left a working set: exactly those named trimmed or paged out (and not back by the end).
        const left = [...residentBefore].filter((entry) => !residentAfter.has(entry)).sort()
        const named = outcome.victims
          .filter((victim) => victim.how === 'trimmed' || victim.how === 'paged out')
          .map((victim) => `${victim.pid}:${Math.floor(victim.address / PAGE)}`)
          .filter((entry) => !residentAfter.has(entry))
        expect([...new Set(named)].sort(), `#${access} under ${policy}`).toEqual(left)
        // Frames taken off standby or modified for another page: exactly those named repurposed.
        const waitingBefore = waitingFrames(before)
        const waitingAfter = waitingFrames(after)
        const repurposed = [...waitingBefore]
          .filter((frame) => !waitingAfter.has(frame))
          .filter((frame) => {
            const [pfn, pid, address] = frame.split(':').map(Number) as [number, number, number]
            const entry = after.mm.pfnDatabase.entry(pfn)
            // A soft fault gives the frame back to its own page: not a victim.
            return !(entry.state === 'ACTIVE' && entry.ownerPid === pid && entry.ownerAddress === address)
          })
          .sort()
        const namedRepurposed = outcome.victims
          .filter((victim) => victim.how === 'repurposed')
          .map((victim) => `${victim.pfn}:${victim.pid}:${victim.address}`)
          .filter((frame) => !waitingAfter.has(frame))
        expect(
          namedRepurposed.filter((frame) => waitingBefore.has(frame)).sort(),
          `#${access} under ${policy}`,
        ).toEqual(repurposed)
        // The others passed through standby during the access itself: a page the same access
        // paged out or trimmed, whose frame the request then took (the textbook policies' way).
        const leftNow = outcome.victims
          .filter((victim) => victim.how !== 'repurposed')
          .map((victim) => `${victim.pfn}:${victim.pid}:${victim.address}`)
        for (const frame of namedRepurposed.filter((frame) => !waitingBefore.has(frame)))
          expect(leftNow, `#${access} under ${policy}`).toContain(frame)
        // The frame the page got is the one its PTE maps after the access.
        if (outcome.frame !== null) {
          const mapped = after.mm.queryWorkingSetEx(outcome.access!.pid, [outcome.access!.address])
          expect(mapped[0]?.virtualAttributes.valid, `#${access}`).toBe(1)
          expect(after.mm.pfnDatabase.entry(outcome.frame)).toMatchObject({
            state: 'ACTIVE',
            ownerPid: outcome.access!.pid,
            ownerAddress: Math.floor(outcome.access!.address / PAGE) * PAGE,
          })
        } else expect(residentBefore.has(page) || !outcome.fault, `#${access}`).toBe(true)
        for (const victim of outcome.victims) kinds.add(victim.how)
      }
      // Each policy's own kind of victim is seen: paged out for the textbook policies; under 'nt'
      // pages trimmed by local replacement and standby frames repurposed.
      if (policy === 'nt')
        expect([...kinds].sort()).toEqual(expect.arrayContaining(['repurposed', 'trimmed']))
      else expect(kinds.has('paged out')).toBe(true)
    })
  }
})
