// The hardware-level invariant an OS must keep (Intel SDM vol. 3, 4.10.4 "Invalidation of TLBs"):
// after every change to a paging-structure entry the OS invalidates what the TLB cached, so no TLB
// entry of the current address space grants more than the page tables do now. An entry that
// grants LESS (a stale read-only entry after a PTE was made writable) is allowed: the CPU takes a
// spurious #PF, invalidates the entry and retries, so the OS may skip that INVLPG.
import type { Mmu } from './mmu.js'
import { TLB_NAMES } from './tlbConfig.js'

/**
 * Every TLB entry of the loaded address space (its PCID, or global) that maps another frame than
 * the page tables, or grants write, user or execute access they no longer grant, or caches a
 * page that is no longer present. Empty when the TLB is consistent. Inspection only: no A/D bit,
 * no TLB fill, no statistic, no event.
 */
export function checkTlbConsistency(mmu: Mmu): string[] {
  const problems: string[] = []
  if (!mmu.control.paging) return problems
  const pcid = mmu.state.pcid
  TLB_NAMES.forEach((name, index) => {
    if (mmu.state.tlbs[index] === undefined) return // this level is not configured
    for (const entry of mmu.tlbEntries(name)) {
      if (!entry.global && entry.pcid !== pcid) continue
      const where = () => `${name} TLB entry for 0x${entry.virtualAddress.toString(16)}`
      const mode = entry.user ? 'user' : 'supervisor'
      const result = mmu.probe(entry.virtualAddress, { access: 'read', mode }).result
      if (!result.ok) {
        problems.push(`${where()}: cached, but the page tables no longer map it (${mode} read)`)
        continue
      }
      const pageBase = result.physicalAddress - (result.physicalAddress % entry.pageSize)
      if (pageBase !== entry.physicalAddress || result.pageSize !== entry.pageSize)
        problems.push(
          `${where()}: frame 0x${entry.physicalAddress.toString(16)}, page tables say 0x${pageBase.toString(16)}`,
        )
      if (entry.writable && !result.writable) problems.push(`${where()}: writable, the PTE is not`)
      if (entry.user && !result.user) problems.push(`${where()}: user-accessible, the PTE is not`)
      if (entry.executable && !result.executable) problems.push(`${where()}: executable, the PTE is not`)
    }
  })
  return problems
}
