// The machine-state views of the explorer's `/api/state` that the CLI has no view for: the
// MEMORY_AREA AVL tree with heights and balance factors (mm-core's persistent AVL tree, as
// MmInsertMemoryArea keeps it), and the PFN database as a compact grid (one state letter and owner
// per frame, MmPfnDatabase's lists counted) with, once the machine has sections, the frames that
// hold a section page and the processes sharing each.

import { committedBytesIn, type MemoryArea } from '@ntmm/mm-core'
import type { MachineLike } from '../views/machineLike.js'
import { frameMappings, machineHasSections } from '../views/sectionInspection.js'
import type { AreaTreeNode, ExplorerState, FrameGrid, SharedFrameInfo } from './explorerApi.js'

interface TreeNode {
  readonly value: MemoryArea
  readonly left: TreeNode | undefined
  readonly right: TreeNode | undefined
  readonly height: number
}

const frameLetters: Readonly<Record<string, string>> = {
  FREE: 'F',
  ZEROED: 'Z',
  STANDBY: 'S',
  MODIFIED: 'M',
  ACTIVE: 'A',
  PAGE_TABLE: 'P',
  SYSTEM: 'Y',
}

/** The MEMORY_AREA AVL tree of `pid`, each node with its height and balance factor. */
export function areaTree(machine: MachineLike, pid: number): ExplorerState['tree'] {
  const tree = machine.mm.addressSpace(pid)!.tree
  const build = (node: TreeNode | undefined): AreaTreeNode | null => {
    if (node === undefined) return null
    const area = node.value
    const leftHeight = node.left?.height ?? 0
    const rightHeight = node.right?.height ?? 0
    return {
      startingAddress: area.startingAddress,
      endingAddress: area.endingAddress,
      type: area.type,
      protect: area.protect,
      committedPages: committedPages(area),
      height: node.height,
      balance: leftHeight - rightHeight,
      left: build(node.left),
      right: build(node.right),
    }
  }
  return { size: tree.size, height: tree.height, root: build(tree.root as TreeNode | undefined) }
}

function committedPages(area: MemoryArea): number {
  return committedBytesIn(area.regions, area.startingAddress, area.endingAddress) / 4096
}

/** The PFN database as one letter and one owner per frame. */
export function frameGrid(machine: MachineLike): FrameGrid {
  const database = machine.mm.pfnDatabase
  const letters: string[] = []
  const owners: number[] = []
  const sections = machineHasSections(machine)
  const shared: SharedFrameInfo[] = []
  for (let pfn = 0; pfn < database.frameCount; pfn++) {
    const entry = database.entry(pfn)
    letters.push(frameLetters[entry.state] ?? '?')
    if (sections && entry.segment !== undefined) {
      const { id, offset, shareCount } = entry.segment
      const mappedBy = entry.state === 'ACTIVE' ? frameMappings(machine, id, offset / 4096, pfn) : []
      shared.push({ pfn, segmentId: id, offset, shareCount, mappedBy })
    }
    if (owners.length > 0 && owners[owners.length - 2] === entry.ownerPid) owners[owners.length - 1]! += 1
    else owners.push(entry.ownerPid, 1)
  }
  return {
    count: database.frameCount,
    states: letters.join(''),
    owners,
    lists: {
      free: database.count('FREE'),
      zeroed: database.count('ZEROED'),
      standby: database.count('STANDBY'),
      modified: database.count('MODIFIED'),
      active: database.count('ACTIVE'),
    },
    listHeads: {
      free: listHead(database, 'FREE'),
      zeroed: listHead(database, 'ZEROED'),
      standby: listHead(database, 'STANDBY'),
      modified: listHead(database, 'MODIFIED'),
    },
    ...(sections ? { shared } : {}),
  }
}

/** The first PFNs of a list, in list order (the order the memory manager takes them). */
function listHead(
  database: MachineLike['mm']['pfnDatabase'],
  list: 'FREE' | 'ZEROED' | 'STANDBY' | 'MODIFIED',
) {
  const head: number[] = []
  for (let pfn = database.first(list); pfn !== undefined && head.length < 64; pfn = database.nextOnList(pfn))
    head.push(pfn)
  return head
}
