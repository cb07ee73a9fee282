// The address-space map of one process: NtQueryVirtualMemory's runs from 0 to the top of user
// space as bands (free, reserved, committed; guard pages striped), grouped by allocation (the
// MEMORY_AREA they belong to), each labelled with its addresses, size and protection; below, each
// MEMORY_AREA's MM_REGION list. Clicking a band pins its address for the page walk. The bands and
// MEMORY_AREAs the current event changed are outlined.

import type { ExplorerState, RegionInfo } from '../api.ts'
import {
  bytes,
  hex,
  MEM_COMMIT,
  MEM_FREE,
  MEM_RESERVE,
  PAGE_GUARD,
  protectName,
  stateName,
  typeName,
} from '../format.ts'

interface AddressMapProps {
  readonly state: ExplorerState
  readonly arch: string
  readonly selected: number | undefined
  readonly onSelect: (address: number) => void
}

function bandClass(region: RegionInfo): string {
  if (region.state === MEM_FREE) return 'band free'
  if (region.state === MEM_RESERVE) return 'band reserved'
  if ((region.protect & PAGE_GUARD) !== 0) return 'band committed guard'
  if (region.protect === 0x01) return 'band committed noaccess'
  return 'band committed'
}

/** Band height: logarithmic in the size, so a 2 GiB hole and a 4 KiB page both stay readable. */
function bandHeight(size: number): number {
  return Math.round(Math.min(64, 20 + 3 * Math.log2(Math.max(1, size / 4096))))
}

/** The process's address space as bands, and its MEMORY_AREAs with their MM_REGIONs. */
export function AddressMap({ state, arch, selected, onSelect }: AddressMapProps) {
  const digits = arch === 'x64' ? 12 : 8
  if (state.pid === null) return <p class="muted">No process has an address space at this event.</p>
  return (
    <div class="address-map">
      <div class="bands" data-testid="address-map">
        {state.regions.map((region) => {
          const end = region.baseAddress + region.regionSize
          const isSelected = selected !== undefined && selected >= region.baseAddress && selected < end
          const allocationStart = region.allocationBase === region.baseAddress && region.state !== MEM_FREE
          const changed =
            state.changes.regions.some(
              (range) => range.start < end && range.start + range.length > region.baseAddress,
            ) || state.changes.areas.includes(region.allocationBase)
          return (
            <button
              type="button"
              key={region.baseAddress}
              class={`${bandClass(region)}${isSelected ? ' selected' : ''}${allocationStart ? ' allocation-start' : ''}${changed ? ' changed' : ''}`}
              style={{ minHeight: `${bandHeight(region.regionSize)}px` }}
              data-testid="region"
              data-base={region.baseAddress}
              data-size={region.regionSize}
              data-state={region.state}
              data-protect={region.protect}
              data-changed={changed ? 'true' : 'false'}
              title={`AllocationBase ${hex(region.allocationBase, digits)}, AllocationProtect ${protectName(region.allocationProtect)}`}
              onClick={() => onSelect(region.baseAddress)}
            >
              <span class="band-address">
                {hex(region.baseAddress, digits)} – {hex(end - 1, digits)}
              </span>
              <span class="band-size">{bytes(region.regionSize)}</span>
              <span class="band-state">{stateName(region.state)}</span>
              <span class="band-protect">{region.state === MEM_FREE ? '' : protectName(region.protect)}</span>
              <span class="band-type">{typeName(region.type)}</span>
            </button>
          )
        })}
      </div>
      <div class="legend">
        <span class="swatch free" /> free <span class="swatch reserved" /> reserved{' '}
        <span class="swatch committed" /> committed <span class="swatch guard" /> guard page{' '}
        <span class="swatch noaccess" /> PAGE_NOACCESS
      </div>
      <h3>MEMORY_AREAs and their MM_REGION lists</h3>
      <div class="table-scroll">
        <table class="compact" data-testid="areas">
          <thead>
            <tr>
              <th>MEMORY_AREA</th>
              <th>MM_REGION</th>
              <th>size</th>
              <th>type</th>
              <th>protect</th>
            </tr>
          </thead>
          <tbody>
            {state.areas.flatMap((area) =>
              area.regions.map((region, index) => (
                <tr
                  key={`${area.startingAddress}-${region.start}`}
                  data-testid="mm-region"
                  class={state.changes.areas.includes(area.startingAddress) ? 'changed' : ''}
                >
                  <td>
                    {index === 0
                      ? `${area.type} [${hex(area.startingAddress, digits)}, ${hex(area.endingAddress, digits)})`
                      : ''}
                    {index === 0 && area.view !== undefined ? (
                      <span class="muted" data-testid="view-segment">
                        {' '}
                        segment {area.view.segmentId} ({area.view.kind}
                        {area.view.fileId >= 0 ? `, file ${area.view.fileId}` : ''}) page{' '}
                        {hex(area.view.offsetPages * 4096, 0)}
                      </span>
                    ) : null}
                  </td>
                  <td>{hex(region.start, digits)}</td>
                  <td>{bytes(region.length)}</td>
                  <td>{stateName(region.type)}</td>
                  <td>
                    {region.type === MEM_COMMIT || region.type === MEM_RESERVE
                      ? protectName(region.protect)
                      : ''}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
    </div>
  )
}
