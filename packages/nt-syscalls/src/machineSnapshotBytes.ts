// A machine checkpoint as bytes: what a version-2 binary machine trace stores in its state blocks
// (docs/trace-format.md "State blocks"), so `ntmm inspect`, `replay --at` and Kernel views of a
// big trace restore the nearest checkpoint and replay only the events after it. The checkpoint's
// records are written by @ntmm/trace's snapshot codec; these are the classes it may meet (each
// read back with its prototype), and the two executive states, whose records are private, as
// their current version. No NT counterpart: a debugger's saved state (rr's keyframes).

import { FrameDelta, FrameStoreCheckpoint, HwSnapshot, PAGE_SIZE } from '@ntmm/hw-mmu'
import { AreaTree } from '@ntmm/mm-core'
import { decodeSnapshotValue, encodeSnapshotValue, type SnapshotBytes, type SnapshotClass } from '@ntmm/trace'
import { HandleTable } from './handleTable.js'
import { KernelState } from './kernelState.js'
import type { MachineSnapshot } from './machineModel.js'
import { ObjectManagerState } from './objectManagerState.js'

/** The classes of a machine checkpoint (their names are written into files: never rename one). */
const MACHINE_SNAPSHOT_CLASSES: readonly SnapshotClass[] = [
  { name: 'HwSnapshot', prototype: HwSnapshot.prototype },
  { name: 'FrameStoreCheckpoint', prototype: FrameStoreCheckpoint.prototype },
  { name: 'FrameDelta', prototype: FrameDelta.prototype },
  { name: 'AreaTree', prototype: AreaTree.prototype },
  { name: 'HandleTable', prototype: HandleTable.prototype },
  {
    name: 'ObjectManagerState',
    prototype: ObjectManagerState.prototype,
    save: (state: ObjectManagerState) => state.records,
    load: (records) => ObjectManagerState.fromRecords(records),
  },
  {
    name: 'KernelState',
    prototype: KernelState.prototype,
    save: (state: KernelState) => state.records,
    load: (records) => KernelState.fromRecords(records),
  },
]

/** A shape check of a decoded checkpoint (its contents are checked by the digest and invariants). */
function isMachineSnapshot(value: unknown): value is MachineSnapshot {
  const snapshot = value as Partial<MachineSnapshot> | null
  return (
    typeof snapshot === 'object' &&
    snapshot !== null &&
    snapshot.ob instanceof ObjectManagerState &&
    snapshot.kernel instanceof KernelState &&
    typeof snapshot.mm === 'object' &&
    snapshot.mm !== null &&
    snapshot.mm.hw instanceof HwSnapshot
  )
}

/**
 * The length of the last checkpoint encoded: the next one of a trace is about as long (its
 * frames dominate), so its encoding starts with room for it (see encodeSnapshotValue).
 */
let lastLength = 0

/** Machine checkpoints to bytes and back (for @ntmm/trace's state blocks). */
export const machineSnapshotBytes: SnapshotBytes<MachineSnapshot> = {
  encode(snapshot) {
    const capacity = lastLength === 0 ? undefined : lastLength + (lastLength >> 4)
    const bytes = encodeSnapshotValue(snapshot, MACHINE_SNAPSHOT_CLASSES, capacity)
    lastLength = bytes.length
    return bytes
  },
  encodeAfter(head, snapshot, buffer) {
    // Room for the frames in use and a sixteenth more (the PFN database, page tables, TLBs): the
    // first block's buffer made at once rather than doubled up to it (a guess; it grows if short).
    const frames = snapshot.mm.hw.frames
    const capacity = head.length + (frames.frameCount - frames.freeCount) * PAGE_SIZE * (17 / 16) + (1 << 16)
    return encodeSnapshotValue(snapshot, MACHINE_SNAPSHOT_CLASSES, Math.ceil(capacity), {
      buffer,
      prefix: head,
    })
  },
  decode(bytes, base) {
    const value = decodeSnapshotValue(bytes, MACHINE_SNAPSHOT_CLASSES, base)
    if (!isMachineSnapshot(value)) throw new Error('not a machine checkpoint')
    return value
  },
}
