// @ntmm/hw-mmu/internal: the fine-grained pieces the other ntmm packages (mm-core, nt-syscalls)
// share with this one, and no one else should need. NOT covered by semver (docs/versioning.md):
// names and signatures here may change in any release, together with the ntmm packages that use
// them. Users replay whole events with `applyHwEvent` / `undoHwEvent` from the package root.
//
// The apply functions are the only code that changes hardware state (DESIGN.md, event sourcing);
// each applies one hw.* event, or one part of it, to the structure it names.
export { assert } from './assert.js'
export {
  applyFrameAllocated,
  applyFrameFreed,
  applyFrameZeroed,
  applyPhysicalBytesWritten,
  applyPhysicalWrite,
  adoptFrameWords,
  frameWords,
  lendFrameWords,
  ownsFrameWords,
  writeFrameWords,
} from './frameStore.js'
export { runTlbHits } from './mmuBatch.js'
export { applyControlChanged, applyCr3Loaded, applyPageFault } from './hwState.js'
export { applyPteWritten } from './pageTableEditor.js'
export { applyTlbEvict, applyTlbFill, applyTlbHit, applyTlbMiss, undoTlbHit } from './tlb.js'
