// The whole hardware state of the simulated CPU's memory path: physical memory, the control
// registers that govern paging (CR0.PG/WP, CR2, CR3, CR4.PSE/PAE/PGE/PCIDE, EFER.NXE), the PAE
// PDPTE registers and the TLB levels. The apply functions here are the only code that changes the
// registers; checkpoints (copy-on-write frames plus copies of the small arrays) and a stable digest
// serve time travel and determinism checks.
import { type ControlBits, checkControlChanges, controlProblem, defaultControlBits } from './controlBits.js'
import { FrameStore, frameWords } from './frameStore.js'
import type { FrameStoreCheckpoint } from './frameStoreCheckpoint.js'
import type { PagingMode } from './paging.js'
import { checkPagingMode } from './paging.js'
import { highFrameMask, reservedBits } from './pte.js'
import { clearTlbMirror, TLB_DIRTY, TLB_EXECUTABLE, TLB_USER, TLB_WRITABLE, TlbLevel } from './tlb.js'
import {
  resolveTlbConfig,
  TLB_DATA,
  TLB_INSTRUCTION,
  TLB_SECOND,
  type TlbConfig,
  type TlbPresetName,
} from './tlbConfig.js'

/** Configuration of the hardware. */
export interface HwConfig {
  /** Paging mode; 'x86' (ReactOS's 32-bit paging) by default. */
  readonly mode?: PagingMode
  /** Physical memory: a store, or its size in frames. Default 1024 frames (4 MiB). */
  readonly frames?: FrameStore | number
  /** TLB organisation or preset; default 'i386'. */
  readonly tlb?: TlbConfig | TlbPresetName
  /** Initial control bits; defaults: paging, WP, PSE, PGE on; NXE on in x86-pae and x64; PCIDE off. */
  readonly control?: Partial<ControlBits>
}

/** The hardware state. Fields are public for the apply functions, the walker and inspection; change them only through apply functions. */
export class HwState {
  readonly frames: FrameStore
  readonly tlbConfig: TlbConfig
  mode: PagingMode
  /** CR3's page-table base (physical address; PAE: the 32-byte aligned PDPT). */
  cr3 = 0
  /** CR3's PCID (0 without CR4.PCIDE). */
  pcid = 0
  /** CR2: the address of the last page fault. */
  cr2 = 0
  /** Page faults raised so far. */
  faultCount = 0
  paging = true
  writeProtect = true
  pageSizeExtension = true
  globalPages = true
  processContextIds = false
  noExecute = false
  /** PAE PDPTE registers, loaded with CR3: (low, high) × 4. */
  readonly pdptes = new Uint32Array(8)
  readonly tlbs: readonly [TlbLevel, TlbLevel | undefined, TlbLevel | undefined]
  readonly dataTlb: TlbLevel
  readonly secondTlb: TlbLevel | undefined
  /** @internal TLB used by instruction fetches (the instruction TLB, or the unified one). */
  readonly fetchTlb: TlbLevel

  // ---- derived from mode and control bits (recomputed by applyControlChanged) ----
  /** @internal 0 x86, 1 x86-pae, 2 x64 */
  modeCode = 0
  /** @internal 32-bit addresses, paging on, no PCIDs: the case the inlined TLB-hit path handles. */
  fastPath = false
  /**
   * @internal An Mmu records this state's changes as events without a numeric lane: its inlined
   * hit path, which builds no event, stays off. Not hardware state: set by Mmu.setRecorder,
   * untouched by restores.
   */
  recording = false
  /** @internal TLB flags an access needs, by access code × 2 + user. */
  readonly required = new Int32Array(6)
  /** @internal I/D error-code bit value for fetches (0 when NX is off or in 32-bit paging). */
  instructionFetchBit = 0
  /** @internal reserved masks by level × 2 + large. */
  readonly reservedLow = new Uint32Array(10)
  /** @internal */
  readonly reservedHigh = new Uint32Array(10)
  /** @internal */
  highMask = 0

  constructor(config: HwConfig = {}) {
    const mode = checkPagingMode(config.mode ?? 'x86')
    const tlbConfig = resolveTlbConfig(config.tlb ?? 'i386')
    const control = { ...defaultControlBits(mode), ...(config.control ?? {}) }
    checkControlChanges(config.control ?? {})
    const problem = controlProblem(mode, control, 0)
    if (problem !== undefined) throw new RangeError(`control bits invalid for mode ${mode}: ${problem}`)
    const frames = config.frames
    if (frames instanceof FrameStore) this.frames = frames
    else this.frames = new FrameStore({ frameCount: frames ?? 1024 })
    this.tlbConfig = tlbConfig
    const seed = tlbConfig.seed ?? 1
    const data = new TlbLevel(TLB_DATA, tlbConfig.data, seed)
    const instruction = tlbConfig.instruction
      ? new TlbLevel(TLB_INSTRUCTION, tlbConfig.instruction, seed + 1)
      : undefined
    const second = tlbConfig.second ? new TlbLevel(TLB_SECOND, tlbConfig.second, seed + 2) : undefined
    this.tlbs = [data, instruction, second]
    this.dataTlb = data
    this.secondTlb = second
    this.fetchTlb = instruction ?? data
    this.mode = mode
    applyControlChanged(this, mode, control)
  }

  /** The current control bits. */
  get control(): ControlBits {
    return {
      paging: this.paging,
      writeProtect: this.writeProtect,
      pageSizeExtension: this.pageSizeExtension,
      physicalAddressExtension: this.mode !== 'x86',
      globalPages: this.globalPages,
      processContextIds: this.processContextIds,
      noExecute: this.noExecute,
    }
  }
}

// ---- apply functions ---------------------------------------------------------------------------

/** Applies hw.cr3Loaded: CR3's base and PCID, and in PAE mode the four PDPTE registers. */
export function applyCr3Loaded(
  state: HwState,
  cr3: number,
  pcid: number,
  pdptes: ArrayLike<number> | undefined,
): void {
  state.cr3 = cr3
  state.pcid = pcid
  if (pdptes !== undefined) state.pdptes.set(pdptes)
}

/** Applies hw.pageFault: CR2 takes the faulting address. */
export function applyPageFault(state: HwState, address: number): void {
  state.cr2 = address
  state.faultCount++
}

/** Applies hw.controlChanged: the mode and control bits, and everything derived from them. */
export function applyControlChanged(state: HwState, mode: PagingMode, control: ControlBits): void {
  state.mode = mode
  state.paging = control.paging
  state.writeProtect = control.writeProtect
  state.pageSizeExtension = control.pageSizeExtension
  state.globalPages = control.globalPages
  state.processContextIds = control.processContextIds
  state.noExecute = control.noExecute
  state.modeCode = mode === 'x86' ? 0 : mode === 'x86-pae' ? 1 : 2
  state.fastPath = mode !== 'x64' && control.paging && !control.processContextIds
  updateHitPath(state)
  const nx = control.noExecute && mode !== 'x86'
  const fetch = nx ? TLB_EXECUTABLE : 0
  const r = state.required
  r[0] = 0 // read, supervisor
  r[1] = TLB_USER // read, user
  r[2] = control.writeProtect ? TLB_WRITABLE | TLB_DIRTY : TLB_DIRTY // write, supervisor
  r[3] = TLB_USER | TLB_WRITABLE | TLB_DIRTY // write, user
  r[4] = fetch // execute, supervisor
  r[5] = TLB_USER | fetch // execute, user
  state.instructionFetchBit = nx ? 0x10 : 0
  state.highMask = highFrameMask(mode)
  for (let level = 1; level <= 4; level++) {
    for (let large = 0; large < 2; large++) {
      const masks = reservedBits(mode, level, large === 1, control.noExecute)
      state.reservedLow[level * 2 + large] = masks.low
      state.reservedHigh[level * 2 + large] = masks.high
    }
  }
}

/** Marks `state` as recorded (or not) by its Mmu: the inlined hit path runs only unrecorded. */
export function setHwRecording(state: HwState, recording: boolean): void {
  state.recording = recording
  updateHitPath(state)
}

/**
 * Copies "fast path and not recording" into every level's `hitPathEnabled`, where the inlined
 * hit path reads it: one field of the one object that path touches anyway.
 */
function updateHitPath(state: HwState): void {
  const enabled = state.fastPath && !state.recording
  for (const tlb of state.tlbs) if (tlb !== undefined) tlb.hitPathEnabled = enabled
}

// ---- checkpoints and digest --------------------------------------------------------------------

interface TlbLevelSnapshot {
  readonly tags: Float64Array
  readonly frames: Float64Array
  readonly flags: Uint8Array
  readonly pcids: Uint16Array
  readonly ages: Float64Array
  readonly counters: Float64Array
}

/** A checkpoint of the hardware state (copy-on-write frames plus copies of the TLB arrays). */
export class HwSnapshot {
  /** @internal */
  constructor(
    /** @internal */ readonly frames: FrameStoreCheckpoint,
    /** @internal */ readonly registers: Float64Array,
    /** @internal */ readonly mode: PagingMode,
    /** @internal */ readonly pdptes: Uint32Array,
    /** @internal */ readonly tlbs: readonly (TlbLevelSnapshot | undefined)[],
  ) {}

  /**
   * Bytes this snapshot keeps alive: the frames written since the machine's previous snapshot
   * or restore (copy-on-write leaves their buffers to this snapshot), the frame store's pointer
   * lists, and the TLB and register copies. For a memory budget over many snapshots.
   */
  get heldBytes(): number {
    let bytes = this.frames.heldBytes + this.registers.byteLength + this.pdptes.byteLength
    for (const tlb of this.tlbs) {
      if (tlb === undefined) continue
      for (const array of [tlb.tags, tlb.frames, tlb.flags, tlb.pcids, tlb.ages, tlb.counters])
        bytes += array.byteLength
    }
    return bytes
  }
}

function tlbCounters(tlb: TlbLevel): Float64Array {
  return Float64Array.of(
    tlb.clock,
    tlb.fillCount,
    tlb.hitBase,
    tlb.misses,
    tlb.walks,
    tlb.walkMemoryReferences,
    tlb.evictions,
    ...tlb.flushCounts,
  )
}

function registerVector(state: HwState): Float64Array {
  return Float64Array.of(
    state.cr3,
    state.pcid,
    state.cr2,
    state.faultCount,
    state.paging ? 1 : 0,
    state.writeProtect ? 1 : 0,
    state.pageSizeExtension ? 1 : 0,
    state.globalPages ? 1 : 0,
    state.processContextIds ? 1 : 0,
    state.noExecute ? 1 : 0,
  )
}

/** Takes a checkpoint of `state`: O(frames) pointers plus O(TLB entries), no byte of RAM copied. */
export function snapshotHwState(state: HwState): HwSnapshot {
  return new HwSnapshot(
    state.frames.checkpoint(),
    registerVector(state),
    state.mode,
    state.pdptes.slice(),
    state.tlbs.map((tlb) =>
      tlb === undefined
        ? undefined
        : {
            tags: tlb.tags.slice(),
            frames: tlb.frames.slice(),
            flags: tlb.flags.slice(),
            pcids: tlb.pcids.slice(),
            ages: tlb.ages.slice(),
            counters: tlbCounters(tlb),
          },
    ),
  )
}

/** Returns `state` to `snapshot` (taken from a state of the same configuration). The snapshot stays valid. */
export function restoreHwState(state: HwState, snapshot: HwSnapshot): void {
  // Check everything first: nothing may be half-restored.
  if (snapshot.frames.frameCount !== state.frames.frameCount) {
    throw new RangeError(
      `snapshot of ${snapshot.frames.frameCount} frames cannot restore a machine of ${state.frames.frameCount}`,
    )
  }
  for (let i = 0; i < 3; i++) {
    const tlb = state.tlbs[i]
    const saved = snapshot.tlbs[i]
    if (
      (tlb === undefined) !== (saved === undefined) ||
      (tlb !== undefined && saved !== undefined && saved.tags.length !== tlb.entries)
    ) {
      throw new RangeError('snapshot was taken from a machine with another TLB configuration')
    }
  }
  state.frames.restore(snapshot.frames)
  const r = snapshot.registers
  applyControlChanged(state, snapshot.mode, {
    paging: r[4] === 1,
    writeProtect: r[5] === 1,
    pageSizeExtension: r[6] === 1,
    physicalAddressExtension: snapshot.mode !== 'x86',
    globalPages: r[7] === 1,
    processContextIds: r[8] === 1,
    noExecute: r[9] === 1,
  })
  applyCr3Loaded(state, r[0]!, r[1]!, snapshot.pdptes)
  state.cr2 = r[2]!
  state.faultCount = r[3]!
  for (let i = 0; i < 3; i++) {
    const tlb = state.tlbs[i]
    const saved = snapshot.tlbs[i]
    if (tlb === undefined || saved === undefined) {
      if (tlb !== saved)
        throw new RangeError('snapshot was taken from a machine with another TLB configuration')
      continue
    }
    if (saved.tags.length !== tlb.entries)
      throw new RangeError('snapshot was taken from a machine with another TLB configuration')
    tlb.tags.set(saved.tags)
    tlb.frames.set(saved.frames)
    tlb.flags.set(saved.flags)
    tlb.pcids.set(saved.pcids)
    tlb.rawAges.set(saved.ages)
    clearTlbMirror(tlb)
    const c = saved.counters
    tlb.clock = c[0]!
    tlb.fillCount = c[1]!
    tlb.hitBase = c[2]!
    tlb.misses = c[3]!
    tlb.walks = c[4]!
    tlb.walkMemoryReferences = c[5]!
    tlb.evictions = c[6]!
    tlb.flushCounts.set(c.subarray(7, 11))
  }
}

const FNV_PRIME = 0x01000193

class Fnv {
  a = 0x811c9dc5
  b = 0x2f6b3e1d
  word(value: number): void {
    for (let i = 0; i < 4; i++) {
      const byte = (value >>> (8 * i)) & 0xff
      this.a = Math.imul(this.a ^ byte, FNV_PRIME)
      this.b = Math.imul(this.b ^ byte ^ 0x5a, FNV_PRIME)
    }
  }
  number(value: number): void {
    // Exact for integers below 2^53 and for -1.
    const low = value >>> 0
    this.word(low)
    this.word(Math.floor((value - low) / 0x100000000) >>> 0)
  }
  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0')
  }
}

/**
 * A stable FNV-1a fingerprint (16 hex digits) of the whole state: mode, registers, PDPTEs, every
 * TLB array and counter, the allocation map and the contents of RAM (by value: a frame that was
 * never written and a frame of zeros hash alike). Costs O(RAM written).
 */
export function digestHwState(state: HwState): string {
  const h = new Fnv()
  h.number(state.modeCode)
  for (const value of registerVector(state)) h.number(value)
  for (const value of state.pdptes) h.word(value)
  for (const tlb of state.tlbs) {
    if (tlb === undefined) {
      h.word(0xdead)
      continue
    }
    for (const value of tlbCounters(tlb)) h.number(value)
    const ages = tlb.ages
    for (let i = 0; i < tlb.entries; i++) {
      h.number(tlb.tags[i]!)
      if (tlb.tags[i] === -1) continue
      h.number(tlb.frames[i]!)
      h.word(tlb.flags[i]!)
      h.word(tlb.pcids[i]!)
      h.number(ages[i]!)
    }
  }
  const frames = state.frames
  h.number(frames.freeCount)
  for (let pfn = 0; pfn < frames.frameCount; pfn++) {
    if (frames.allocated[pfn] === 1) h.number(pfn)
  }
  h.word(0xfeed)
  for (let pfn = 0; pfn < frames.frameCount; pfn++) {
    const words = frameWords(frames, pfn)
    if (words === undefined) continue
    for (let i = 0; i < words.length; i++) {
      const value = words[i]!
      if (value !== 0) {
        h.number(pfn * 1024 + i)
        h.word(value)
      }
    }
  }
  return h.hex()
}
