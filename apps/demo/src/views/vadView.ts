// The `vad` view, as WinDbg's `!vad`: the process's MEMORY_AREA AVL tree (ReactOS keeps areas
// where Windows keeps VADs) in address order, each node with its depth in the tree, its range in
// pages (StartingVpn–EndingVpn), its type, its committed pages and its AllocationProtect.

import type { MemoryArea } from '@ntmm/mm-core'
import { committedBytesIn } from '@ntmm/mm-core'
import { pageProtectionName } from '@ntmm/nt-syscalls'
import { hex, table } from '../format.js'
import {
  choosePid,
  type MachineLike,
  processName,
  type RenderedView,
  type ViewOptions,
} from './machineLike.js'
import { machineHasSections, segmentLabel } from './sectionInspection.js'

interface TreeNode {
  readonly value: MemoryArea
  readonly left: TreeNode | undefined
  readonly right: TreeNode | undefined
}

/** The `vad` view. */
export function vadView(machine: MachineLike, options: ViewOptions): RenderedView {
  const pid = choosePid(machine, options.pid)
  const tree = machine.mm.addressSpace(pid)!.tree
  const nodes: { level: number; area: MemoryArea }[] = []
  const visit = (node: TreeNode | undefined, level: number) => {
    if (node === undefined) return
    visit(node.left, level + 1)
    nodes.push({ level, area: node.value })
    visit(node.right, level + 1)
  }
  visit(tree.root as TreeNode | undefined, 0)
  // A view's segment shows once the machine has sections, so other machines print as before.
  const sections = machineHasSections(machine)
  const rows = [['Level', 'StartVpn', 'EndVpn', 'Type', 'Commit', 'Protect']]
  if (sections) rows[0]!.push('Section')
  const json = nodes.map(({ level, area }) => {
    const committedPages = committedBytesIn(area.regions, area.startingAddress, area.endingAddress) / 4096
    const segment = area.view === undefined ? undefined : machine.mm.segmentInfo(area.view.segmentId)
    const row = [
      String(level),
      hex(area.startingAddress / 4096, 0),
      hex(area.endingAddress / 4096 - 1, 0),
      area.type,
      String(committedPages),
      pageProtectionName(area.protect),
    ]
    if (sections && area.view !== undefined)
      row.push(
        `${segment?.kind === 'image' ? 'MEM_IMAGE' : 'MEM_MAPPED'} ${segment === undefined ? `segment ${area.view.segmentId}` : segmentLabel(segment)} page ${hex(area.view.offsetPages * 4096, 0)}`,
      )
    rows.push(row)
    return {
      level,
      startingAddress: area.startingAddress,
      endingAddress: area.endingAddress,
      type: area.type,
      committedPages,
      protect: area.protect,
      ...(area.view === undefined
        ? {}
        : {
            view: {
              ...area.view,
              kind: segment?.kind,
              fileId: segment?.fileId,
              memoryType: segment?.kind === 'image' ? 'MEM_IMAGE' : 'MEM_MAPPED',
            },
          }),
    }
  })
  return {
    lines: [
      `!vad: process ${pid} (${processName(machine, pid)}), ${tree.size} areas, AVL height ${tree.height}`,
      ...table(rows, { right: [0] }),
    ],
    json: { pid, size: tree.size, height: tree.height, areas: json },
  }
}
