// Physical memory as a grid of frames (PFN order, row by row) coloured by the PFN database state:
// free, zeroed, standby, modified, a process's page (coloured by process), page tables and system
// frames. Drawn on a canvas, so 16 384 frames and more stay cheap; hovering names the frame.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { ExplorerState } from '../api.ts'
import { hex, pidColour } from '../format.ts'

const colours: Readonly<Record<string, string>> = {
  F: '#e6e8eb',
  Z: '#c9d7e8',
  S: '#f2c14e',
  M: '#e4572e',
  P: '#6c4f9c',
  Y: '#2d3142',
}
const names: Readonly<Record<string, string>> = {
  F: 'free',
  Z: 'zeroed',
  S: 'standby',
  M: 'modified',
  A: 'in use',
  P: 'page table',
  Y: 'system',
}

export function FrameGrid({ state }: { readonly state: ExplorerState }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const [hover, setHover] = useState<string>('')
  const frames = state.frames
  const columns = frames.count <= 256 ? 16 : frames.count <= 4096 ? 64 : 128
  const cell = frames.count <= 256 ? 14 : frames.count <= 4096 ? 6 : 3
  const rows = Math.ceil(frames.count / columns)
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

  useEffect(() => {
    const context = canvas.current?.getContext('2d')
    if (!context) return
    context.clearRect(0, 0, columns * cell, rows * cell)
    for (let pfn = 0; pfn < frames.count; pfn++) {
      const letter = frames.states[pfn] ?? 'F'
      context.fillStyle = letter === 'A' ? pidColour(owners[pfn] ?? 0) : (colours[letter] ?? '#999')
      const x = (pfn % columns) * cell
      const y = Math.floor(pfn / columns) * cell
      context.fillRect(x, y, cell - (cell > 4 ? 1 : 0), cell - (cell > 4 ? 1 : 0))
    }
  }, [frames, owners, columns, cell, rows])

  const perProcess = new Map<number, number>()
  for (let pfn = 0; pfn < frames.count; pfn++)
    if (frames.states[pfn] === 'A')
      perProcess.set(owners[pfn] ?? -1, (perProcess.get(owners[pfn] ?? -1) ?? 0) + 1)

  return (
    <div>
      <div class="panel-head">
        <h2>Physical frames</h2>
        <span class="muted" data-testid="frame-summary">
          {frames.count} frames ·{' '}
          {Object.entries(frames.lists)
            .map(([name, count]) => `${name} ${count}`)
            .join(' · ')}
        </span>
      </div>
      <canvas
        ref={canvas}
        class="frames"
        data-testid="frames"
        width={columns * cell}
        height={rows * cell}
        onMouseMove={(event) => {
          const rect = (event.target as HTMLCanvasElement).getBoundingClientRect()
          const pfn =
            Math.floor((event.clientY - rect.top) / cell) * columns +
            Math.floor((event.clientX - rect.left) / cell)
          if (pfn < 0 || pfn >= frames.count) return setHover('')
          const letter = frames.states[pfn] ?? 'F'
          const owner = owners[pfn] ?? -1
          setHover(`PFN ${hex(pfn, 0)}: ${names[letter] ?? letter}${owner >= 0 ? `, process ${owner}` : ''}`)
        }}
        onMouseLeave={() => setHover('')}
      />
      <p class="muted hover-line">{hover || 'hover a frame'}</p>
      <div class="legend">
        {Object.entries(colours).map(([letter, colour]) => (
          <span key={letter}>
            <span class="swatch" style={{ background: colour }} /> {names[letter]}{' '}
          </span>
        ))}
        {[...perProcess.entries()].map(([pid, count]) => (
          <span key={pid}>
            <span class="swatch" style={{ background: pidColour(pid) }} /> process {pid} ({count}){' '}
          </span>
        ))}
      </div>
    </div>
  )
}
