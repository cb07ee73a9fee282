// The MEMORY_AREA AVL tree of the process drawn as a tree: each node an area (range, type,
// committed pages) with its height and balance factor (height(left) − height(right)); nodes are
// placed in address order left to right, by depth top to bottom.

import type { AreaTreeNode, ExplorerState } from '../api.ts'
import { hex } from '../format.ts'

interface Placed {
  readonly node: AreaTreeNode
  readonly x: number
  readonly depth: number
  readonly parent: Placed | undefined
}

const nodeWidth = 118
const nodeHeight = 46
const levelGap = 70

export function AreaTree({
  state,
  onSelect,
}: {
  readonly state: ExplorerState
  readonly onSelect: (va: number) => void
}) {
  const placed: Placed[] = []
  let column = 0
  const visit = (node: AreaTreeNode | null, depth: number, parent: Placed | undefined): void => {
    if (node === null) return
    // In order: the left subtree first, so x follows the addresses.
    const self = { node, x: 0, depth, parent } as {
      node: AreaTreeNode
      x: number
      depth: number
      parent: Placed | undefined
    }
    visit(node.left, depth + 1, self)
    self.x = column++
    placed.push(self)
    visit(node.right, depth + 1, self)
  }
  visit(state.tree.root, 0, undefined)
  const width = Math.max(1, column) * (nodeWidth + 12) + 12
  // Wide trees are scaled down to the panel (to half size at most), then scroll.
  const maxWidth = 1000
  const scale = Math.max(0.5, Math.min(1, maxWidth / width))
  const height = (state.tree.height || 1) * levelGap + 10
  const centre = (item: Placed) => 12 + item.x * (nodeWidth + 12) + nodeWidth / 2
  return (
    <div>
      <div class="panel-head">
        <h2>MEMORY_AREA AVL tree</h2>
        <span class="muted" data-testid="tree-summary">
          {state.tree.size} areas, height {state.tree.height}
        </span>
      </div>
      {state.tree.root === null ? (
        <p class="muted">No areas.</p>
      ) : (
        <div class="tree-scroll">
          <svg
            width={width * scale}
            height={height * scale}
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
              const x = 12 + item.x * (nodeWidth + 12)
              const y = item.depth * levelGap + 5
              const balance = item.node.balance
              return (
                // biome-ignore lint/a11y/noStaticElementInteractions: an SVG node; the address map's bands are the accessible way to select an area
                <g
                  key={item.node.startingAddress}
                  class={`tree-node balance${balance === 0 ? '0' : balance > 0 ? 'plus' : 'minus'}`}
                  data-testid="tree-node"
                  data-start={item.node.startingAddress}
                  data-balance={balance}
                  onClick={() => onSelect(item.node.startingAddress)}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter') onSelect(item.node.startingAddress)
                  }}
                >
                  <title>{`${item.node.type} [${hex(item.node.startingAddress)}, ${hex(item.node.endingAddress)}), ${item.node.committedPages} committed page(s), height ${item.node.height}`}</title>
                  <rect x={x} y={y} width={nodeWidth} height={nodeHeight} rx={6} />
                  <text x={x + 6} y={y + 15}>
                    {hex(item.node.startingAddress)}
                  </text>
                  <text x={x + 6} y={y + 29} class="small">
                    {item.node.type.slice(0, 14)} · {item.node.committedPages}p
                  </text>
                  <text x={x + 6} y={y + 41} class="small">
                    h {item.node.height} · bf {balance > 0 ? `+${balance}` : balance}
                  </text>
                </g>
              )
            })}
          </svg>
        </div>
      )}
    </div>
  )
}
