// Time travel for the memory manager and its machine (DESIGN.md "Time travel"; no ReactOS
// counterpart): a snapshot is hw-mmu's checkpoint (frames copy-on-write) plus the mm state's (area
// trees shared, PFN arrays and slot table copied) plus the inputs that are not event-sourced (LRU
// stamps, OPT's cursor). Restoring brings back the AddressSpace handles of the spaces that exist
// then; the digest fingerprints everything events determine, on both layers.

import type { HwSnapshot, Mmu } from '@ntmm/hw-mmu'
import { AddressSpace } from './addressSpace.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { type MmStateCheckpoint, fnv1a } from './mmState.js'

/** A checkpoint of the memory manager and its machine. */
export interface MemoryManagerSnapshot {
  readonly hw: HwSnapshot
  readonly mm: MmStateCheckpoint
  readonly tick: number
  readonly futureCursor: number
  readonly lastUse: Float64Array
}

/** What time travel needs of the machine: hw-mmu's own checkpoint, restore and digest. */
type MachineCheckpoints = Pick<Mmu, 'snapshot' | 'restore' | 'digest'>

/**
 * Bytes `snapshot` keeps alive on top of what it shares with the machine and with other
 * snapshots: the frames, page-file slots and file pages written since the machine's previous
 * snapshot or restore (copy-on-write leaves their old contents to this snapshot alone), and its
 * copies of the PFN database, the slot table, the segments' and files' page pointers and the
 * hardware registers and TLBs. The memory trees are
 * persistent and shared; they are not counted. Meant for a memory budget over many snapshots
 * (time travel's checkpoints).
 */
export function snapshotHeldBytes(snapshot: MemoryManagerSnapshot): number {
  const { pfn, pageFile } = snapshot.mm
  let bytes = snapshot.hw.heldBytes + snapshot.lastUse.byteLength
  for (const array of pfn.arrays) bytes += array.byteLength
  bytes += pfn.heads.byteLength + pfn.tails.byteLength + pfn.counts.byteLength
  bytes += pageFile.heldSlots * PAGE_SIZE + pageFile.tableBytes
  // Sections: the prototype entries' chunk pointers, the files' page pointers, and the file pages
  // stored since the previous snapshot (nothing on a machine that uses no section).
  const { segments, volume } = snapshot.mm
  for (const segment of segments) bytes += segment.entries.chunks.length * 8 + 128
  for (const file of volume.files) bytes += file.pages.length * 8 + 64
  bytes += volume.heldPages * PAGE_SIZE
  return bytes
}

/** A checkpoint of the whole memory manager and its machine (cheap: shared trees, COW frames). */
export function takeSnapshot(core: MmCore, machine: MachineCheckpoints): MemoryManagerSnapshot {
  return {
    hw: machine.snapshot(),
    mm: core.state.checkpoint(),
    tick: core.tick,
    futureCursor: core.futureCursor,
    lastUse: core.state.pfn.lastUse.slice(),
  }
}

/** Return to `snapshot` (which stays valid). */
export function restoreSnapshot(
  core: MmCore,
  machine: MachineCheckpoints,
  snapshot: MemoryManagerSnapshot,
): void {
  const state = core.state
  machine.restore(snapshot.hw)
  state.restore(snapshot.mm)
  state.pfn.lastUse.set(snapshot.lastUse)
  core.tick = snapshot.tick
  core.futureCursor = snapshot.futureCursor
  // OPT's next uses are rebuilt for the restored cursor when next needed.
  core.nextUseCursor = -1
  for (const pid of [...core.handles.keys()]) if (!state.spaces.has(pid)) core.handles.delete(pid)
  for (const pid of state.spaces.keys()) {
    if (!core.handles.has(pid)) core.handles.set(pid, new AddressSpace(pid, core.layout, state))
  }
}

/** A stable fingerprint of the mm state and the machine's. */
export function digestOf(core: MmCore, machine: MachineCheckpoints): string {
  return `${fnv1a(core.state.digestInput())}-${machine.digest()}`
}
