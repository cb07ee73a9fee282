// Physical memory as a grid of frames (PFN order, row by row) coloured by the PFN database state:
// free, zeroed, standby, modified, a process's page (coloured by process), page tables and system
// frames; the frames the current event touched are outlined. It zooms (cell size) and can show
// only the frames in use, and lists the PFN lists (free, zeroed, standby, modified, active) with
// their counts and first frames in list order, and the frames holding a section's page with
// their share count and the processes mapping them. Drawn on a canvas, so 16 384 frames and more stay
// cheap; hovering names the frame under the mouse at any displayed size.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { ExplorerState } from '../api.ts'
import { hex } from '../format.ts'
import { currentMarker, frameColours, pidColour } from '../palette.ts'

const names: Readonly<Record<string, string>> = {
  F: 'free',
  Z: 'zeroed',
  S: 'standby',
  M: 'modified',
  A: 'in use',
  P: 'page table',
  Y: 'system',
}

const zoomLevels = [2, 3, 4, 6, 8, 10, 14, 18]

/** Physical memory by PFN, with the PFN lists. */
export function FrameGrid({ state }: { readonly state: ExplorerState }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const [hover, setHover] = useState<string>('')
  const [usedOnly, setUsedOnly] = useState(false)
  const frames = state.frames
  const [zoom, setZoom] = useState(() => (frames.count <= 256 ? 6 : frames.count <= 4096 ? 4 : 1))
  const owners = useMemo(() => {
    const expanded = new Int32Array(frames.count)
    let at = 0
    for (let index = 0; index + 1 < frames.owners.length; index += 2) {
      const owner = frames.owners[index] ?? -1
      const count = frames.owners[index + 1] ?? 0
      expanded.fill(owner, at, at + count)
      at += count
    }
    return expanded
  }, [frames])
  // The frames drawn, in order: all of them, or those not free or zeroed.
  const shown = useMemo(() => {
    if (!usedOnly) return undefined
    const list: number[] = []
    for (let pfn = 0; pfn < frames.count; pfn++) {
      const letter = frames.states[pfn]
      if (letter !== 'F' && letter !== 'Z') list.push(pfn)
    }
    return list
  }, [frames, usedOnly])
  const count = shown?.length ?? frames.count
  const cell = zoomLevels[zoom] ?? 4
  const columns = Math.max(8, Math.min(128, Math.floor(480 / cell)))
  const rows = Math.max(1, Math.ceil(count / columns))
  const touched = new Set(state.changes.pfns)
  // Section pages' frames, by PFN: their segment and the processes sharing them.
  const shared = useMemo(() => new Map((frames.shared ?? []).map((frame) => [frame.pfn, frame])), [frames])

  useEffect(() => {
    const context = canvas.current?.getContext('2d')
    if (!context) return
    context.clearRect(0, 0, columns * cell, rows * cell)
    const gap = cell > 4 ? 1 : 0
    for (let index = 0; index < count; index++) {
      const pfn = shown === undefined ? index : (shown[index] ?? 0)
      const letter = frames.states[pfn] ?? 'F'
      context.fillStyle = letter === 'A' ? pidColour(owners[pfn] ?? 0) : (frameColours[letter] ?? '#999')
      const x = (index % columns) * cell
      const y = Math.floor(index / columns) * cell
      context.fillRect(x, y, cell - gap, cell - gap)
      if (touched.has(pfn)) {
        context.strokeStyle = currentMarker
        context.lineWidth = Math.max(1, cell / 4)
        context.strokeRect(x + 0.5, y + 0.5, Math.max(1, cell - 1 - gap), Math.max(1, cell - 1 - gap))
      }
    }
  }, [frames, owners, columns, cell, rows, shown, count, state.changes])

  const perProcess = new Map<number, number>()
  for (let pfn = 0; pfn < frames.count; pfn++)
    if (frames.states[pfn] === 'A')
      perProcess.set(owners[pfn] ?? -1, (perProcess.get(owners[pfn] ?? -1) ?? 0) + 1)

  /** The frame under the mouse; the canvas may be drawn smaller than its pixels (max-width). */
  const frameAt = (event: MouseEvent): number | undefined => {
    const element = event.currentTarget as HTMLCanvasElement
    const rect = element.getBoundingClientRect()
    const x = ((event.clientX - rect.left) * element.width) / rect.width
    const y = ((event.clientY - rect.top) * element.height) / rect.height
    const column = Math.floor(x / cell)
    const index = Math.floor(y / cell) * columns + column
    if (column < 0 || column >= columns || index < 0 || index >= count) return undefined
    return shown === undefined ? index : shown[index]
  }

  return (
    <div>
      <div class="panel-head">
        <h2>Physical frames</h2>
        <span class="frame-tools">
          <button type="button" data-testid="frames-zoom-out" onClick={() => setZoom(Math.max(0, zoom - 1))}>
            −
          </button>
          <button
            type="button"
            data-testid="frames-zoom-in"
            onClick={() => setZoom(Math.min(zoomLevels.length - 1, zoom + 1))}
          >
            +
          </button>
          <label>
            <input
              type="checkbox"
              data-testid="frames-used-only"
              checked={usedOnly}
              onChange={(event) => setUsedOnly((event.target as HTMLInputElement).checked)}
            />{' '}
            used only
          </label>
        </span>
      </div>
      <div class="frames-scroll">
        <canvas
          ref={canvas}
          class="frames"
          data-testid="frames"
          data-cell={cell}
          data-columns={columns}
          data-shown={count}
          width={columns * cell}
          height={rows * cell}
          onMouseMove={(event) => {
            const pfn = frameAt(event)
            if (pfn === undefined) return setHover('')
            const letter = frames.states[pfn] ?? 'F'
            const owner = owners[pfn] ?? -1
            // Only a process's pages and page tables belong to a process (system frames say owner 0).
            const belongs =
              (letter === 'A' || letter === 'P' || letter === 'S' || letter === 'M') && owner > 0
            const section = shared.get(pfn)
            setHover(
              section === undefined
                ? `PFN ${hex(pfn, 0)}: ${names[letter] ?? letter}${belongs ? `, process ${owner}` : ''}`
                : `PFN ${hex(pfn, 0)}: ${names[letter] ?? letter}, segment ${section.segmentId} +${hex(section.offset, 0)}, share count ${section.shareCount}${section.mappedBy.length === 0 ? '' : `: ${section.mappedBy.map((mapping) => `process ${mapping.pid} @ ${hex(mapping.address)}`).join(', ')}`}`,
            )
          }}
          onMouseLeave={() => setHover('')}
        />
      </div>
      <p class="muted hover-line" data-testid="frame-hover">
        {hover || 'hover a frame'}
      </p>
      <div class="legend">
        {Object.entries(frameColours).map(([letter, colour]) => (
          <span key={letter}>
            <span class="swatch" style={{ background: colour }} /> {names[letter]}{' '}
          </span>
        ))}
        {[...perProcess.entries()].map(([pid, pages]) => (
          <span key={pid}>
            <span class="swatch" style={{ background: pidColour(pid) }} /> process {pid} ({pages}){' '}
          </span>
        ))}
      </div>
      {shared.size > 0 ? (
        <table class="compact shared-frames" data-testid="shared-frames">
          <thead>
            <tr>
              <th>PFN</th>
              <th>segment</th>
              <th>offset</th>
              <th>shares</th>
              <th>mapped by</th>
            </tr>
          </thead>
          <tbody>
            {[...shared.values()].map((frame) => (
              <tr
                key={frame.pfn}
                data-testid="shared-frame"
                data-pfn={frame.pfn}
                class={touched.has(frame.pfn) ? 'changed' : ''}
              >
                <td>{hex(frame.pfn, 0)}</td>
                <td>{frame.segmentId}</td>
                <td>{hex(frame.offset, 0)}</td>
                <td>{frame.shareCount}</td>
                <td>
                  {frame.mappedBy
                    .map((mapping) => `process ${mapping.pid} @ ${hex(mapping.address)}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <table class="compact pfn-lists" data-testid="pfn-lists">
        <tbody>
          {Object.entries(frames.lists).map(([list, total]) => (
            <tr key={list} data-testid="pfn-list" data-list={list} data-count={total}>
              <th>{list}</th>
              <td>{total}</td>
              <td class="list-head">
                {(frames.listHeads[list] ?? [])
                  .slice(0, 12)
                  .map((pfn) => hex(pfn, 0))
                  .join(' → ')}
                {total > 12 && frames.listHeads[list] !== undefined ? ' → …' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
