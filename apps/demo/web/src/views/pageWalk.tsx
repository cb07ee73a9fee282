// The page walk for the selected address, as the MMU does it: CR3 → (PML4E → PDPTE →) PDE → PTE →
// frame, each entry's address, raw value and every bit decoded (set bits lit), the path followed
// highlighted and the level where it stops marked; then the leaf as the memory manager reads it
// (valid, demand-zero, transition, page file) and the TLB entries caching the page.

import { useEffect, useState } from 'preact/hooks'
import type { ExplorerWalk } from '../api.ts'
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
  readonly onVa: (va: number) => void
}

export function PageWalk({ walk, va, arch, onVa }: PageWalkProps) {
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
          <div class="walk-step cr3">
            <span class="walk-name">CR3</span>
            <span class="walk-value">{hex(walk.cr3)}</span>
            <span class="muted">page directory base of process {walk.pid}</span>
          </div>
          {walk.levels.map((level, index) => {
            const last = index === walk.levels.length - 1
            return (
              <div
                key={level.name}
                class={`walk-step ${level.present ? 'present' : 'not-present'}${last ? ' last' : ''}`}
                data-testid="walk-level"
                data-name={level.name}
                data-low={level.low}
                data-high={level.high}
                data-pfn={level.pfn}
                data-bits={level.bits.join(' ')}
              >
                <div class="walk-line">
                  <span class="walk-arrow">↓</span>
                  <span class="walk-name">{level.name}</span>
                  <span class="muted">at {hex(level.entryAddress)}</span>
                  <span class="walk-value">
                    = {hex(level.low, 0)}
                    {level.high === 0 ? '' : ` (high ${hex(level.high, 0)})`}
                  </span>
                  <span>{level.present ? `PFN ${hex(level.pfn, 0)}` : 'not present'}</span>
                </div>
                <div class="bits">
                  {bitNames.map(([key, label]) => (
                    <span key={key} class={level.decoded[key] === true ? 'bit on' : 'bit'} title={key}>
                      {label}
                    </span>
                  ))}
                  {typeof level.decoded.software === 'number' && level.decoded.software !== 0 ? (
                    <span class="bit on">sw {level.decoded.software}</span>
                  ) : null}
                </div>
              </div>
            )
          })}
          <div class={`walk-step frame${walk.physicalAddress === null ? ' not-present' : ' present'}`}>
            <span class="walk-arrow">↓</span>
            <span class="walk-name">frame</span>
            <span class="walk-value" data-testid="physical-address">
              {walk.physicalAddress === null ? 'no translation: an access faults' : hex(walk.physicalAddress)}
            </span>
          </div>
          {walk.leaf === null ? null : (
            <p class="leaf" data-testid="leaf" data-kind={walk.leaf.kind}>
              the memory manager reads the PTE as: <strong>{walk.leaf.kind}</strong>
              {walk.leaf.kind === 'valid' || walk.leaf.kind === 'transition'
                ? `, PFN ${hex(walk.leaf.pfn as number, 0)}`
                : ''}
              {walk.leaf.kind === 'pageFile' ? `, slot ${String(walk.leaf.slot)}` : ''}
            </p>
          )}
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
