// The MEMORY_AREA AVL tree of the process drawn as a tree: each node an area (range, type,
// committed pages) with its height and balance factor (height(left) − height(right)); nodes are
// placed in address order left to right, by depth top to bottom. The drawing scales to the panel;
// levels below a chosen depth, or the subtree of a clicked node, collapse into one "+n areas"
// node, so a tree of dozens of areas stays readable. Labels are fitted to their boxes. The areas the
// current event inserted, removed or altered are outlined.

import { useEffect, useRef, useState } from 'preact/hooks'
import type { AreaTreeNode, ExplorerState } from '../api.ts'
import { hex } from '../format.ts'

interface Placed {
  readonly node: AreaTreeNode
  /** Areas hidden under this node when it is drawn collapsed. */
  readonly hidden: number
  x: number
  readonly depth: number
  readonly parent: Placed | undefined
}

const nodeWidth = 150
const nodeHeight = 46
const levelGap = 66
const gap = 12
/** Width of one monospace character at the labels' sizes (11 and 10 px). */
const charWidth = { large: 6.7, small: 6.1 }

/** Columns of the drawing with `levels` levels shown (0: all). */
function columnsWithin(node: AreaTreeNode | null, levels: number, depth = 0): number {
  if (node === null) return 0
  if (levels > 0 && depth === levels - 1) return 1
  return 1 + columnsWithin(node.left, levels, depth + 1) + columnsWithin(node.right, levels, depth + 1)
}

function size(node: AreaTreeNode | null): number {
  return node === null ? 0 : 1 + size(node.left) + size(node.right)
}

/** A label fitted to the box: squeezed (textLength) only when it would overflow. */
function Label(props: {
  readonly x: number
  readonly y: number
  readonly text: string
  readonly small?: boolean
}) {
  const room = nodeWidth - 12
  const width = props.text.length * (props.small ? charWidth.small : charWidth.large)
  return (
    <text
      x={props.x}
      y={props.y}
      class={props.small ? 'small' : undefined}
      {...(width > room ? { textLength: room, lengthAdjust: 'spacingAndGlyphs' } : {})}
    >
      {props.text}
    </text>
  )
}

/** The MEMORY_AREA AVL tree, folded to fit the panel. */
export function AreaTree({
  state,
  onSelect,
}: {
  readonly state: ExplorerState
  readonly onSelect: (va: number) => void
}) {
  // 'auto': as many levels as fit the panel at 60 % scale or more; 0: all; n: n levels.
  const [choice, setChoice] = useState<number | 'auto'>('auto')
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set())
  const [room, setRoom] = useState(900)
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = host.current
    if (!element) return
    const observer = new ResizeObserver(() => setRoom(Math.max(200, element.clientWidth)))
    observer.observe(element)
    return () => observer.disconnect()
  }, [])
  const touched = new Set(state.changes.areas)
  const fits = (levels: number) => columnsWithin(state.tree.root, levels) * (nodeWidth + gap) * 0.6 <= room
  let depthLimit = choice === 'auto' ? 0 : choice
  if (choice === 'auto' && !fits(0)) {
    depthLimit = 2
    for (let levels = 3; levels <= state.tree.height; levels++) if (fits(levels)) depthLimit = levels
  }
  const placed: Placed[] = []
  let column = 0
  const visit = (node: AreaTreeNode | null, depth: number, parent: Placed | undefined): void => {
    if (node === null) return
    const fold = collapsed.has(node.startingAddress) || (depthLimit > 0 && depth === depthLimit - 1)
    const hidden = fold ? size(node.left) + size(node.right) : 0
    // In order: the left subtree first, so x follows the addresses.
    const self: Placed = { node, hidden, x: 0, depth, parent }
    if (hidden === 0) visit(node.left, depth + 1, self)
    self.x = column++
    placed.push(self)
    if (hidden === 0) visit(node.right, depth + 1, self)
  }
  visit(state.tree.root, 0, undefined)
  const width = Math.max(1, column) * (nodeWidth + gap) + gap
  const depth = Math.max(...placed.map((item) => item.depth), 0) + 1
  const height = depth * levelGap + 10
  const centre = (item: Placed) => gap + item.x * (nodeWidth + gap) + nodeWidth / 2
  const toggle = (start: number) => {
    const next = new Set(collapsed)
    if (next.has(start)) next.delete(start)
    else next.add(start)
    setCollapsed(next)
  }
  return (
    <div>
      <div class="panel-head">
        <h2>MEMORY_AREA AVL tree</h2>
        <span class="muted" data-testid="tree-summary">
          {state.tree.size} areas, height {state.tree.height}
        </span>
        <label class="muted">
          levels{' '}
          <select
            data-testid="tree-depth"
            value={choice}
            onChange={(event) => {
              const value = (event.target as HTMLSelectElement).value
              setChoice(value === 'auto' ? 'auto' : Number(value))
            }}
          >
            <option value="auto">fit ({depthLimit === 0 ? 'all' : depthLimit})</option>
            <option value={0}>all</option>
            {[2, 3, 4, 5].map((levels) => (
              <option key={levels} value={levels}>
                {levels}
              </option>
            ))}
          </select>
        </label>
      </div>
      {state.tree.root === null ? (
        <p class="muted" ref={host}>
          No areas.
        </p>
      ) : (
        <div class="tree-scroll" ref={host}>
          <svg
            // Scaled to the panel; never below 60 % (then the panel scrolls).
            style={{ width: '100%', minWidth: `${Math.min(width, width * 0.6)}px`, maxWidth: `${width}px` }}
            viewBox={`0 0 ${width} ${height}`}
            data-testid="area-tree"
            role="img"
            aria-label="AVL tree of memory areas"
          >
            {placed.map((item) =>
              item.parent === undefined ? null : (
                <line
                  key={`edge-${item.node.startingAddress}`}
                  x1={centre(item.parent)}
                  y1={item.parent.depth * levelGap + 5 + nodeHeight}
                  x2={centre(item)}
                  y2={item.depth * levelGap + 5}
                  class="tree-edge"
                />
              ),
            )}
            {placed.map((item) => {
              const x = gap + item.x * (nodeWidth + gap)
              const y = item.depth * levelGap + 5
              const balance = item.node.balance
              const start = item.node.startingAddress
              return (
                // biome-ignore lint/a11y/noStaticElementInteractions: an SVG node; the address map's bands are the accessible way to select an area
                <g
                  key={start}
                  class={`tree-node balance${balance === 0 ? '0' : balance > 0 ? 'plus' : 'minus'}${touched.has(start) ? ' changed' : ''}${item.hidden > 0 ? ' folded' : ''}`}
                  data-testid="tree-node"
                  data-start={start}
                  data-balance={balance}
                  data-hidden={item.hidden}
                  onClick={(event) => (event.shiftKey || item.hidden > 0 ? toggle(start) : onSelect(start))}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter') onSelect(start)
                  }}
                >
                  <title>{`${item.node.type} [${hex(start)}, ${hex(item.node.endingAddress)}), ${item.node.committedPages} committed page(s), height ${item.node.height}${item.hidden > 0 ? `; ${item.hidden} more area(s) below: click to expand` : '; Shift+click collapses its subtree'}`}</title>
                  <rect x={x} y={y} width={nodeWidth} height={nodeHeight} rx={6} />
                  <Label x={x + 6} y={y + 15} text={hex(start)} />
                  <Label
                    x={x + 6}
                    y={y + 29}
                    text={`${item.node.type} · ${item.node.committedPages}p`}
                    small
                  />
                  <Label
                    x={x + 6}
                    y={y + 41}
                    text={`h ${item.node.height} · bf ${balance > 0 ? `+${balance}` : balance}${item.hidden > 0 ? ` · +${item.hidden} below` : ''}`}
                    small
                  />
                </g>
              )
            })}
          </svg>
        </div>
      )}
    </div>
  )
}
