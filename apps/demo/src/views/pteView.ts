// The `pte` view, as WinDbg's `!pte`: the page walk for one address from CR3 down, each level's
// entry address, raw value and decoded bits; the leaf as the memory manager reads it (valid,
// demand-zero, transition, page file, protection-only); and the TLB entries caching the page,
// flagged when stale (the PTE changed without INVLPG).

import { protectionMaskToWin32, readPteView } from '@ntmm/mm-core'
import { pageProtectionName } from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import {
  checkAddress,
  choosePid,
  type MachineLike,
  type RenderedView,
  type ViewOptions,
} from './machineLike.js'
import { entryLabel, frameMappings, mappingsLabel, sectionPageAt, segmentLabel } from './sectionInspection.js'

/** The walk for `va` in `pid` as lines (side-effect free: a probe, not an access). */
export function pteLines(machine: MachineLike, pid: number, va: number): string[] {
  return pteView(machine, { pid, va }).lines
}

/** The `pte` view. */
export function pteView(machine: MachineLike, options: ViewOptions): RenderedView {
  const pid = choosePid(machine, options.pid)
  const va = checkAddress(machine, options.va ?? 0)
  const space = machine.mm.addressSpace(pid)!
  const mmu = machine.mm.mmu
  const mode = mmu.pageTables.mode
  const top = mode === 'x86' ? 2 : mode === 'x86-pae' ? 3 : 4
  const names = ['', 'PTE', 'PDE', 'PDPTE', 'PML4E']
  const lines = [`!pte ${hex(va)}: process ${pid}, CR3 ${hex(space.cr3)}`]
  // Read each level from memory with this process's CR3 (no CR3 load, no A/D bit, no event).
  const walk: { name: string; low: number; high: number }[] = []
  const levels = []
  for (let level = top; level >= 1; level--) {
    const entry = mmu.pageTables.readEntry(space.cr3, va, level)
    if (!entry.ok) break
    const name = names[level] ?? `level ${level}`
    const bits = Object.entries(entry.decoded)
      .filter(([, value]) => value === true)
      .map(([bit]) => bit)
    walk.push({ name, low: entry.low, high: entry.high })
    lines.push(
      `  ${name.padEnd(5)} at ${hex(entry.address)} = ${hex(entry.low, 0)}${entry.high === 0 ? '' : ` (high ${hex(entry.high, 0)})`}  ${entry.decoded.present ? `PFN ${hex(entry.decoded.pfn, 0)} ${bits.join(' ')}` : 'not present'}`,
    )
    levels.push({
      name,
      entryAddress: entry.address,
      low: entry.low,
      high: entry.high,
      present: entry.decoded.present,
      pfn: entry.decoded.pfn,
      bits,
    })
    if (!entry.decoded.present || entry.decoded.maps === 'page') break
  }
  // The TLB holds translations of the loaded CR3 only.
  const probe = mmu.cr3 === space.cr3 ? mmu.probe(va, { access: 'read', mode: 'user' }) : undefined
  const leaf = walk.at(-1)
  const software =
    leaf === undefined || leaf.name !== 'PTE' ? undefined : readPteView(leaf.low, leaf.high, mode)
  if (software !== undefined)
    lines.push(`  leaf as the memory manager reads it: ${describeSoftware(software)}`)
  const translated = software?.kind === 'valid' ? software.pfn * 4096 + (va % 4096) : null
  // A section view's page: the segment page behind it and, when resident, who shares its frame.
  const sectionPage = sectionPageAt(machine, pid, va)
  let section: object | undefined
  if (sectionPage !== undefined) {
    const { segment, page, entry, view } = sectionPage
    const shared = entry.kind === 'VALID' && software?.kind === 'valid' && software.pfn === entry.value
    const mappedBy = entry.kind === 'VALID' ? frameMappings(machine, segment.id, page, entry.value) : []
    const shareCount =
      entry.kind === 'VALID' ? (machine.mm.pfnDatabase.entry(entry.value).segment?.shareCount ?? 0) : 0
    lines.push(
      `  section view ${hex(view.startingAddress)}: ${segmentLabel(segment)} page ${hex(page * 4096, 0)}, prototype entry ${entryLabel(entry)}`,
    )
    if (software?.kind === 'valid')
      lines.push(
        shared
          ? `  the segment's frame, shared: share count ${shareCount} (${mappingsLabel(mappedBy)})`
          : '  a private copy (copy-on-write): the segment page is no longer mapped here',
      )
    section = {
      viewBase: view.startingAddress,
      segmentId: segment.id,
      kind: segment.kind,
      fileId: segment.fileId,
      page,
      entry,
      privateCopy: software?.kind === 'valid' && !shared,
      shareCount,
      mappedBy,
    }
  }
  lines.push(
    translated === null ? '  → no translation (an access would fault)' : `  → physical ${hex(translated)}`,
  )
  const cached = probe?.tlb ?? []
  for (const entry of cached) {
    lines.push(
      `  TLB ${entry.tlb} set ${entry.set} way ${entry.way} → ${hex(entry.translatedAddress)}${entry.stale ? '  STALE: the PTE changed without INVLPG' : ''}`,
    )
  }
  return {
    lines,
    json: {
      pid,
      address: va,
      levels,
      leaf: software ?? null,
      physicalAddress: translated,
      ...(section === undefined ? {} : { section }),
      tlb: cached.map((entry) => ({
        set: entry.set,
        way: entry.way,
        translatedAddress: entry.translatedAddress,
        stale: entry.stale,
      })),
    },
  }
}

function describeSoftware(view: ReturnType<typeof readPteView>): string {
  switch (view.kind) {
    case 'valid':
      return `valid, PFN ${hex(view.pfn, 0)}${view.dirty ? ', dirty' : ''}${view.accessed ? ', accessed' : ''}`
    case 'zero':
      return 'zero (demand-zero if the region is committed)'
    case 'protection':
      return `protection-only (mask ${view.protectMask})`
    case 'pageFile':
      return `in the page file, slot ${view.slot}`
    case 'transition':
      return `transition, PFN ${hex(view.pfn, 0)} (standby or modified list)`
    case 'prototype':
      return `prototype PTE (P=0, bit 10): the page is its segment's prototype entry; ${pageProtectionName(protectionMaskToWin32(view.protectMask))} in this view`
  }
}
