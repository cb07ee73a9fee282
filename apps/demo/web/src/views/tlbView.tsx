// The data TLB as its hardware is organised: a row per set, a cell per way — every way fits the
// panel's width (cells shrink, no horizontal scrolling) — each valid entry with its virtual page,
// frame and permissions. The hits and fills of the access the current event belongs to are
// coloured, the cells the current event itself touched outlined, and stale entries (the PTE
// changed since the fill, without INVLPG) marked on the cell.

import type { ExplorerState, TlbEntryInfo } from '../api.ts'
import { hex } from '../format.ts'

/** The data TLB, a row per set and a cell per way. */
export function TlbView({ state }: { readonly state: ExplorerState }) {
  const tlb = state.tlb
  const cells = new Map<string, TlbEntryInfo>()
  for (const entry of tlb.entries) cells.set(`${entry.set}:${entry.way}`, entry)
  const hit = new Set(tlb.activity.hits.map((item) => `${item.set}:${item.way}`))
  const filled = new Set(tlb.activity.fills.map((item) => `${item.set}:${item.way}`))
  const touched = new Set(state.changes.tlb.map((item) => `${item.set}:${item.way}`))
  const rate = tlb.statistics.lookups === 0 ? 0 : (100 * tlb.statistics.hits) / tlb.statistics.lookups
  const access = tlb.activity.access
  const stale = tlb.entries.filter((entry) => entry.stale).length
  return (
    <div>
      <div class="panel-head">
        <h2>TLB (data)</h2>
        <span class="muted">
          {tlb.sets} sets × {tlb.ways} ways · CR3 {hex(tlb.cr3)}
        </span>
      </div>
      <p class="tlb-summary" data-testid="tlb-summary">
        {tlb.statistics.lookups} lookups, {tlb.statistics.hits} hits ({rate.toFixed(1)} %),{' '}
        {tlb.statistics.misses} misses{stale === 0 ? '' : `, ${stale} stale`}
      </p>
      <p class="tlb-access" data-testid="tlb-access">
        {access === null
          ? 'no access yet'
          : `access #${access.seq} at ${hex(access.address)}: ${tlb.activity.hits.length} hit(s), ${tlb.activity.misses.length} miss(es), ${tlb.activity.fills.length} fill(s)`}
      </p>
      <div class="tlb-grid" data-testid="tlb">
        <table class="tlb">
          <colgroup>
            <col class="tlb-set-column" />
            {Array.from({ length: tlb.ways }, (_, way) => (
              <col key={way} />
            ))}
          </colgroup>
          <thead>
            <tr>
              <th>set</th>
              {Array.from({ length: tlb.ways }, (_, way) => (
                <th key={way}>w{way}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: tlb.sets }, (_, set) => (
              <tr key={set}>
                <th>{set}</th>
                {Array.from({ length: tlb.ways }, (_, way) => {
                  const key = `${set}:${way}`
                  const entry = cells.get(key)
                  const mark = `${hit.has(key) ? ' hit' : filled.has(key) ? ' fill' : ''}${touched.has(key) ? ' changed' : ''}`
                  return entry === undefined ? (
                    <td key={way} class={`tlb-cell empty${mark}`} />
                  ) : (
                    <td
                      key={way}
                      class={`tlb-cell entry${mark}${entry.stale ? ' stale-entry' : ''}`}
                      data-testid="tlb-entry"
                      data-set={set}
                      data-way={way}
                      data-va={entry.virtualAddress}
                      data-pa={entry.physicalAddress}
                      data-stale={entry.stale ? 'true' : 'false'}
                      title={`set ${set} way ${way}: page ${hex(entry.virtualAddress)} → frame ${hex(entry.physicalAddress)}, age ${entry.age}${entry.stale ? ' — STALE: the PTE changed without INVLPG' : ''}`}
                    >
                      <span class="tlb-vpn">{hex(entry.virtualAddress / 4096, 0)}</span>
                      <span class="tlb-pfn">→{hex(entry.physicalAddress / 4096, 0)}</span>
                      <span class="flags">
                        {entry.writable ? 'W' : 'R'}
                        {entry.user ? 'U' : 'K'}
                        {entry.dirty ? 'D' : '-'}
                        {entry.global ? 'G' : '-'}
                        {entry.stale ? ' stale' : ''}
                      </span>
                    </td>
                  )
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="legend">
        <span class="swatch hit" /> hit of this access <span class="swatch fill" /> filled after a miss{' '}
        <span class="swatch changed" /> touched by this event <span class="swatch stale-entry" /> stale
      </div>
    </div>
  )
}
