// The page walk for the address of the current event (or the pinned one), as the MMU does it: the
// virtual address split into its table indices and page offset for the paging mode; CR3 → (PML4E →
// PDPTE →) PDE → PTE → frame, each entry's address computed as table base + index × entry size,
// its raw value and — when P=1 — its hardware bits (set bits lit); a not-present entry decoded as
// the memory manager's software PTE (transition, page file and slot, demand-zero, prototype, with
// its protection) instead. Then the TLB entries caching the page, flagged when stale. An entry the
// current event wrote is highlighted.

import { useEffect, useState } from 'preact/hooks'
import type { EventChanges, ExplorerWalk, WalkLevel } from '../api.ts'
import { hex, parseAddress } from '../format.ts'

const bitNames: readonly [string, string][] = [
  ['present', 'P'],
  ['writable', 'R/W'],
  ['user', 'U/S'],
  ['writeThrough', 'PWT'],
  ['cacheDisable', 'PCD'],
  ['accessed', 'A'],
  ['dirty', 'D'],
  ['largePage', 'PS'],
  ['global', 'G'],
  ['noExecute', 'NX'],
]

interface PageWalkProps {
  readonly walk: ExplorerWalk | undefined
  readonly va: number | undefined
  readonly arch: string
  readonly changes: EventChanges
  readonly onVa: (va: number) => void
}

/** The page walk of the followed (or pinned) address. */
export function PageWalk({ walk, va, arch, changes, onVa }: PageWalkProps) {
  const [text, setText] = useState(va === undefined ? '' : hex(va))
  useEffect(() => setText(va === undefined ? '' : hex(va)), [va])
  const digits = arch === 'x64' ? 12 : 8
  return (
    <div>
      <div class="panel-head">
        <h2>Page walk</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault()
            const parsed = parseAddress(text)
            if (parsed !== undefined) onVa(parsed)
          }}
        >
          <input
            type="text"
            class="address-input"
            aria-label="virtual address"
            data-testid="va-input"
            value={text}
            onInput={(event) => setText((event.target as HTMLInputElement).value)}
          />
          <button type="submit">walk</button>
        </form>
      </div>
      {walk === undefined ? (
        <p class="muted">Choose an address (click a band of the map).</p>
      ) : (
        <div class="walk" data-testid="walk" data-address={walk.address} data-seq={walk.seq}>
          <AddressSplit walk={walk} digits={digits} />
          <div class="walk-step cr3">
            <span class="walk-name">CR3</span>
            <span class="walk-value">{hex(walk.cr3)}</span>
            <span class="muted">page directory base of process {walk.pid}</span>
          </div>
          {walk.levels.map((level, index) => (
            <Level
              key={level.name}
              level={level}
              last={index === walk.levels.length - 1}
              changed={changes.entries.includes(level.entryAddress)}
            />
          ))}
          <div class={`walk-step frame${walk.physicalAddress === null ? ' not-present' : ' present'}`}>
            <span class="walk-arrow">↓</span>
            <span class="walk-name">frame</span>
            <span class="walk-value" data-testid="physical-address">
              {walk.physicalAddress === null ? 'no translation: an access faults' : hex(walk.physicalAddress)}
            </span>
          </div>
          {walk.tlb.map((entry) => (
            <p key={`${entry.set}-${entry.way}`} class={entry.stale ? 'stale' : 'muted'}>
              cached in the TLB: set {entry.set} way {entry.way} → {hex(entry.translatedAddress, digits)}
              {entry.stale ? ' — STALE: the PTE changed without INVLPG' : ''}
            </p>
          ))}
        </div>
      )}
    </div>
  )
}

/** The address as its index fields: `PD 0x0 | PT 0x11 | offset 0x010`, with bit ranges. */
function AddressSplit({ walk, digits }: { readonly walk: ExplorerWalk; readonly digits: number }) {
  return (
    <div class="address-split" data-testid="address-split" data-mode={walk.mode}>
      <span class="walk-value">{hex(walk.address, digits)}</span>
      <span class="muted"> = </span>
      {walk.parts.map((part) => (
        <span
          key={part.name}
          class={`address-part part-${part.name}`}
          data-testid="address-part"
          data-name={part.name}
          data-value={part.value}
          title={`bits ${part.bits[0]}–${part.bits[1]}`}
        >
          <span class="part-name">{part.name}</span> {hex(part.value, 0)}
          <span class="part-bits">
            {part.bits[0]}..{part.bits[1]}
          </span>
        </span>
      ))}
    </div>
  )
}

function Level({
  level,
  last,
  changed,
}: {
  readonly level: WalkLevel
  readonly last: boolean
  readonly changed: boolean
}) {
  const software = level.software
  return (
    <div
      class={`walk-step ${level.present ? 'present' : 'not-present'}${last ? ' last' : ''}${changed ? ' changed' : ''}`}
      data-testid="walk-level"
      data-name={level.name}
      data-low={level.low}
      data-high={level.high}
      data-pfn={level.pfn}
      data-bits={level.hardwareBits.join(' ')}
      data-software={software?.kind ?? ''}
    >
      <div class="walk-line">
        <span class="walk-arrow">↓</span>
        <span class="walk-name">{level.name}</span>
        <span class="muted" data-testid="entry-arithmetic">
          at {hex(level.tableBase)} + {hex(level.index, 0)} × {level.entrySize} = {hex(level.entryAddress)}
        </span>
        <span class="walk-value">
          = {hex(level.low, 0)}
          {level.high === 0 ? '' : ` (high ${hex(level.high, 0)})`}
        </span>
        <span>{level.present ? `PFN ${hex(level.pfn, 0)}` : 'not present'}</span>
      </div>
      {software === null ? (
        <div class="bits">
          {bitNames.map(([key, label]) => (
            <span key={key} class={level.decoded[key] === true ? 'bit on' : 'bit'} title={key}>
              {label}
            </span>
          ))}
        </div>
      ) : (
        <div class="software" data-testid="software-pte">
          <strong>software PTE</strong> — {software.meaning}
          <div class="software-fields">
            <span class="field">P=0</span>
            <span class="field" title="bits 5-9">
              Protection {software.protection} ({software.protectionName}
              {software.win32Protection === '' ? '' : `, ${software.win32Protection}`})
            </span>
            <span class={`field${software.transition ? ' on' : ''}`} title="bit 11">
              T={software.transition ? 1 : 0}
            </span>
            <span class={`field${software.prototype ? ' on' : ''}`} title="bit 10">
              Prototype={software.prototype ? 1 : 0}
            </span>
            <span class="field" title="bits 12-31">
              {software.transition ? 'PFN' : 'PageFileHigh'} {hex(software.high, 0)}
              {software.slot === undefined ? '' : ` (slot ${software.slot})`}
            </span>
            <span class="field" title="bits 1-4">
              PageFileLow {software.pageFileLow}
            </span>
          </div>
        </div>
      )}
    </div>
  )
}
