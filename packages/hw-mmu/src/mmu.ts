// The CPU's memory-access path: read, write and instruction fetch at a virtual address, through
// the TLB, the page walk on a miss, and the #PF exception when the translation fails. The OS plugs
// in as the fault handler (ReactOS's KiTrap0EHandler → MmAccessFault); when it resolves the fault
// the access is retried, as the CPU re-executes the faulting instruction. Also the TLB flushes:
// INVLPG, a full flush, and those MOV CR3 and MOV CR0/CR4 cause (Intel SDM §4.10.4).
//
//   access ─► L1 TLB (data or instruction) ─hit─► permissions ok ─► physical address
//               │miss                              │D clear on write → walk (sets D), refill
//               ▼                                  │otherwise → #PF from the cached entry
//             STLB (if any) ─hit─► fill L1
//               │miss
//               ▼
//             page walk (A/D bits) ─ok─► fill STLB and L1
//               │fault
//               ▼
//             #PF: CR2 ← va, invalidate the page, fault handler ─retry─► again (at most 8 times)
//                                                                ─else──► { ok: false, fault, response }
//
// The `Mmu` class is the machine's whole public face; what is not on the access path lives beside
// it and the class delegates: control-register writes to controlRegisters.ts, side-effect-free
// inspection (peek, probe, TLB views, statistics) to mmuInspection.ts.
//
// Why this file is over the house's ~450 lines: it is the hot path, kept in one piece. The
// inlined TLB-hit path (translateVa) and its slower branches (translateGeneral, translateSlow,
// the lookup, the walk and the fill, the recording of each event), the scalar and range accesses
// that call it, and the flushes that must keep the mirror rows right all read this class's
// `declare`d fields and this module's constants, which V8 tracks and folds (see the comments on
// the fields, on the aliases below and on translateVa; docs/hw-mmu.md §7 measured this shape).
// Split across modules, the same code would read imported bindings and pass the state around.
import { assert } from './assert.js'
import type {
  AccessOptions,
  AccessResult,
  FailedAccess,
  TranslateResult,
  WriteResult,
} from './accessResult.js'
import { type ControlResult, writeControlBits, writeCr3 } from './controlRegisters.js'
import type { ControlBits } from './controlBits.js'
import type { HwEvent, TlbEntryRecord } from './events.js'
import {
  applyPhysicalBytesWritten,
  applyPhysicalWrite,
  busRead8,
  busRead32,
  busReadInto,
  busReadScalar,
  busReadWithinPage,
  type FrameStore,
  ownedWordsAt,
} from './frameStore.js'
import { eventLane } from './eventLane.js'
import type { HwRecorder, HwRecordingLane } from './hwRecorder.js'
import {
  applyPageFault,
  digestHwState,
  type HwConfig,
  type HwSnapshot,
  HwState,
  restoreHwState,
  setHwRecording,
  snapshotHwState,
} from './hwState.js'
import { addressAt, badAddress, checkLength, checkStartAddress } from './linearAddress.js'
import {
  entryTranslation,
  explainWalk,
  identityTranslation,
  type MmuStatistics,
  mmuStatistics,
  peekMemory,
  type TlbEntryView,
  tlbEntryViews,
  type WalkExplanation,
} from './mmuInspection.js'
import {
  type CpuFault,
  decodePageFault,
  type FaultHandler,
  type FaultResponse,
  type GeneralProtectionFault,
} from './pageFault.js'
import { PageTableEditor, splitAddress } from './pageTableEditor.js'
import {
  ACCESS_EXECUTE,
  ACCESS_NAMES,
  ACCESS_READ,
  ACCESS_WRITE,
  WALK_UPDATE,
  WalkOutput,
  walkPageTables,
} from './pageWalker.js'
import type { AccessKind, PagingMode, PrivilegeMode } from './paging.js'
import { LANE_STORE_LIMIT, scalarPieceSize } from './scalarStores.js'
import {
  applyPageWalk,
  applyTlbEvict,
  applyTlbFill,
  applyTlbFlushCounted,
  applyTlbHit,
  applyTlbHitThroughMirror,
  reportTlbHitThroughMirror,
  applyTlbInvalidate,
  applyTlbMiss,
  applyTlbStatisticsReset,
  MIRROR_FLAGS_SHIFT as TLB_MIRROR_FLAGS_SHIFT,
  MIRROR_PAGE_MASK as TLB_MIRROR_PAGE_MASK,
  MIRROR_VALID as TLB_MIRROR_VALID,
  TLB_DIRTY,
  TLB_GLOBAL,
  TLB_SIZE_SHIFT,
  TLB_USER,
  type TlbLevel,
  tlbChooseWay,
  tlbEntryAge,
  tlbProbe,
} from './tlb.js'
import type { FlushKind, TlbName } from './tlbConfig.js'
import { entryAddress, offsetInPage, pageNumberOf, probeAllSizes, probeLargeSizes } from './tlbLookup.js'

/** Options of the machine. */
export interface MmuOptions extends HwConfig {
  /** Times an access is retried after the handler answers retry: true (default 8). */
  readonly maxFaultRetries?: number
}

// Module-local aliases of imported bindings for the inlined hit path. V8 reads an imported
// binding from its module cell, with a check for the temporal dead zone, at every use; a
// module's own `const` it folds into the optimised code as a constant.
const READ = ACCESS_READ
const WRITE = ACCESS_WRITE
const EXECUTE = ACCESS_EXECUTE
const USER_FLAG = TLB_USER
const tlbHitThroughMirror = applyTlbHitThroughMirror
const reportHitThroughMirror = reportTlbHitThroughMirror
const read32At = busRead32
const readInto = busReadInto
const readSmall = busReadWithinPage
/** translateSlow's `probed` when no probe was just made (a retry, or a caller without one). */
const PROBE_AGAIN = -2
const readScalarAt = busReadScalar
const writeBytesAt = applyPhysicalBytesWritten
const writeScalarAt = applyPhysicalWrite
const ownedWords = ownedWordsAt
const MIRROR_VALID = TLB_MIRROR_VALID
const MIRROR_PAGE_MASK = TLB_MIRROR_PAGE_MASK
const MIRROR_FLAGS_SHIFT = TLB_MIRROR_FLAGS_SHIFT
/** A mirror row's key bits a user-mode read needs: valid, U (reads need nothing else). */
const USER_READ_KEY = TLB_MIRROR_VALID | (TLB_USER << TLB_MIRROR_FLAGS_SHIFT)
const X64_LOW = -0x800000000000
const X64_HIGH = 0x800000000000
const TWO_32 = 0x100000000

/**
 * The MMU of one CPU: TLB, page walk, #PF delivery and the control registers. `R` is what the
 * OS's fault handler answers (see {@link FaultResponse}).
 */
export class Mmu<R extends FaultResponse = FaultResponse> {
  /** The hardware state (change it only through this class or applyHwEvent). */
  readonly state: HwState
  /** The fault of the last failed access (set whenever an access ends in a fault). */
  lastFault: CpuFault | undefined = undefined
  /** The fault handler's response to the last fault that ended an access (undefined when none ran). */
  private lastResponse: R | undefined = undefined
  private recorder: HwRecorder | undefined = undefined
  /** The recorder's numeric lane for TLB hits and small stores (set only with a recorder). */
  private lane: HwRecordingLane | undefined = undefined
  /**
   * Where the miss path's events go while a recorder listens: its lane, or for a plain recorder
   * a lane turning each call into the event object (one emission path for both).
   */
  private missLane: HwRecordingLane | undefined = undefined
  private faultHandler: FaultHandler<R> | undefined = undefined
  private readonly maxFaultRetries: number
  private readonly walkOut = new WalkOutput()
  private pendingErrorCode = 0
  // The level the last failed lookup searched first when it and the second level both missed at
  // every page size (the walk then found no translation), else undefined: the #PF's invalidation
  // of the faulting page has nothing to remove from those two levels (see translateSlow).
  private pendingMissed: TlbLevel | undefined = undefined
  private editor: PageTableEditor | undefined = undefined
  // Copies of state.dataTlb, state.fetchTlb and state.frames (fixed at construction): one object
  // hop less per access. `declare` (here and in TlbLevel): without it the field is first
  // initialised to undefined, V8 then stops tracking the field's type, and every read pays a
  // map check.
  private declare readonly dataTlb: TlbLevel
  private declare readonly fetchTlb: TlbLevel
  private declare readonly memory: FrameStore

  constructor(options: MmuOptions = {}) {
    const retries = options.maxFaultRetries ?? 8
    if (!Number.isInteger(retries) || retries < 0 || retries > 1000) {
      throw new RangeError(`maxFaultRetries ${retries} must be an integer in [0, 1000]`)
    }
    this.maxFaultRetries = retries
    this.state = new HwState(options)
    this.dataTlb = this.state.dataTlb
    this.fetchTlb = this.state.fetchTlb
    this.memory = this.state.frames
  }

  /** Physical memory. */
  get frames() {
    return this.state.frames
  }

  /** The paging mode. */
  get mode(): PagingMode {
    return this.state.mode
  }

  /** CR2: address of the last page fault. */
  get cr2(): number {
    return this.state.cr2
  }

  /** CR3's page-table base. */
  get cr3(): number {
    return this.state.cr3
  }

  /** The current control bits. */
  get control(): ControlBits {
    return this.state.control
  }

  /** The OS's page-table editor for this machine's memory and mode. */
  get pageTables(): PageTableEditor {
    if (this.editor === undefined) this.editor = new PageTableEditor(this.state.frames, () => this.state.mode)
    return this.editor
  }

  /**
   * Attaches (or detaches) the recorder that receives every state change as an event. With a
   * `lane`, TLB hits and the misses' events go to the lane's numeric calls instead (the same
   * events, in the same order, without event objects), and so do stores of up to
   * {@link LANE_STORE_LIMIT} bytes, as the scalar writes of 4, 2 and 1 bytes they amount to (a
   * plain recorder gets them as one hw.physicalBytesWritten); everything else goes to `recorder`.
   */
  setRecorder(recorder: HwRecorder | undefined, lane?: HwRecordingLane): void {
    this.recorder = recorder
    this.lane = recorder === undefined ? undefined : lane
    this.missLane = recorder === undefined ? undefined : (lane ?? eventLane(recorder))
    // With a lane the inlined hit path stays on and reports each hit to it.
    setHwRecording(this.state, recorder !== undefined && this.lane === undefined)
    for (const tlb of this.state.tlbs) if (tlb !== undefined) tlb.hitLane = this.lane
    this.state.frames.setRecorder(recorder)
  }

  /** Registers the OS's page-fault handler (undefined: every fault returns to the caller). */
  setFaultHandler(handler: FaultHandler<R> | undefined): void {
    this.faultHandler = handler
  }

  // ---- control registers -----------------------------------------------------------------------

  /**
   * MOV CR3: loads the page-table base (x86: page directory; x86-pae: 32-byte aligned PDPT, whose
   * four PDPTEs are loaded into registers now; x64: PML4). Flushes the non-global entries (of the
   * new PCID with CR4.PCIDE, unless `noFlush`, CR3 bit 63). `options` may be just the PCID.
   * Not ok (#GP) when a present PAE PDPTE
   * has reserved bits set; nothing changes then.
   */
  loadCr3(
    address: number,
    options: number | { readonly pcid?: number; readonly noFlush?: boolean } = {},
  ): ControlResult {
    if (typeof options === 'number') options = { pcid: options }
    const result = writeCr3(this.state, this.recorder, address, options)
    if (!result.ok) return result
    if (this.state.processContextIds) {
      if (options.noFlush !== true) this.flushWhere('pcid', 1, this.state.pcid)
    } else {
      this.flushWhere('nonGlobal', 1, 0)
    }
    return result
  }

  /**
   * Changes control bits (MOV CR0 / MOV CR4 / WRMSR EFER) with the SDM's flush rules: changing
   * PG, WP, PSE, PAE or PGE, or clearing PCIDE, flushes every TLB entry, global ones included.
   * EFER.NXE needs no flush (the TLB keeps the raw NX information). Not ok (#GP) for a combination
   * the mode forbids; nothing changes then. Throws a TypeError for an unknown bit.
   */
  setControl(changes: Partial<ControlBits>): ControlResult {
    const previous = this.state.control
    const result = writeControlBits(this.state, this.recorder, changes)
    if (!result.ok) return result
    const next = this.state.control
    if (
      next.paging !== previous.paging ||
      next.writeProtect !== previous.writeProtect ||
      next.pageSizeExtension !== previous.pageSizeExtension ||
      next.physicalAddressExtension !== previous.physicalAddressExtension ||
      next.globalPages !== previous.globalPages ||
      (previous.processContextIds && !next.processContextIds)
    ) {
      this.flushWhere('full', 0, 0)
    }
    return result
  }

  /** INVLPG: removes every TLB entry covering `va` (current PCID and global), at every level and page size. */
  invlpg(va: number): void {
    const s = this.state
    if (s.modeCode === 2 && Number.isSafeInteger(va) && (va < X64_LOW || va >= X64_HIGH)) return // non-canonical: no-op
    // A 32-bit mode's address is its low half: splitAddress's answer without its object (the
    // memory manager invalidates a page at every page-out).
    if (s.modeCode !== 2 && va >>> 0 === va) {
      this.invalidatePage(va, va, 0, true)
      return
    }
    const { lo, hi } = splitAddress(s.mode, va)
    this.invalidatePage(va, lo, hi, true)
  }

  /** Flushes every TLB entry at every level (as a CR4.PGE toggle does). */
  flushAll(): void {
    this.flushWhere('full', 0, 0)
  }

  // ---- accesses --------------------------------------------------------------------------------

  /** Reads `length` bytes at `va`. Every page touched is translated first; a fault comes back as a value. */
  read(va: number, length: number, options: AccessOptions = {}): AccessResult<R> {
    return this.readAccess(va, length, ACCESS_READ, modeCode(options.mode))
  }

  /**
   * Reads `length` bytes at `va` into `target` from `offset`: {@link Mmu.read}'s translations,
   * faults and events, with no allocation on a TLB hit. True, or false on a fault (then
   * {@link Mmu.lastFailure}). Throws a RangeError when the bytes do not fit in `target`.
   */
  readInto(
    va: number,
    target: Uint8Array,
    offset: number,
    length: number,
    mode: PrivilegeMode = 'user',
  ): boolean {
    checkFits('readInto', target, offset, length)
    const user = modeCode(mode)
    if (length > 0 && (va & 0xfff) + length <= 4096) {
      // Within one page (the CPU's accesses): translateOnePage's checks are translateVa's own
      // here (a malformed va misses the inlined hit path and translateGeneral throws), and
      // checkFits bounded the length.
      const pa = this.translateVa(va, READ, user)
      if (pa < 0) return false
      readSmall(this.memory, pa, target, offset, length)
      return true
    }
    return this.readIntoAccess(va, target, offset, length, READ, user)
  }

  /**
   * The last failed access as {@link Mmu.read} would have returned it (the fault and the fault
   * handler's last answer), for the callers of the forms that answer -1 or false; undefined before
   * any fault.
   */
  lastFailure(): FailedAccess<R> | undefined {
    return this.lastFault === undefined ? undefined : this.failed()
  }

  /** Fetches `length` instruction bytes at `va` (default 1). */
  fetch(va: number, length = 1, options: AccessOptions = {}): AccessResult<R> {
    return this.readAccess(va, length, ACCESS_EXECUTE, modeCode(options.mode))
  }

  /**
   * Fetches `length` instruction bytes at `va` into `target` from `offset`: {@link Mmu.fetch}'s
   * translations, faults and events, with no allocation on a TLB hit. True, or false on a fault
   * (then {@link Mmu.lastFailure}). Throws a RangeError when the bytes do not fit in `target`.
   */
  fetchInto(
    va: number,
    target: Uint8Array,
    offset: number,
    length: number,
    mode: PrivilegeMode = 'user',
  ): boolean {
    checkFits('fetchInto', target, offset, length)
    return this.readIntoAccess(va, target, offset, length, ACCESS_EXECUTE, modeCode(mode))
  }

  /**
   * A load of `length` bytes at `va` made for its effect: {@link Mmu.readInto}'s translations,
   * TLB lookups, walks, A-bit updates, faults and events, without copying the bytes out of the
   * frames (a replay of a program's memory trace wants what the access does, not what it read,
   * as mmuBatch.ts's runTlbHits makes its reads). True, or false on a fault (then
   * {@link Mmu.lastFailure}). Throws a RangeError for a length that is no byte count (an integer
   * in [0, 2^30]).
   */
  readForEffect(va: number, length: number, mode: PrivilegeMode = 'user'): boolean {
    checkLength(length)
    const user = modeCode(mode)
    // readInto's two branches, each without its copy.
    if (length > 0 && (va & 0xfff) + length <= 4096) return this.translateVa(va, READ, user) >= 0
    return this.translateRange(va, length, READ, user) !== undefined
  }

  /**
   * An instruction fetch of `length` bytes at `va` made for its effect: {@link Mmu.fetchInto}'s
   * translations, faults and events without the bytes (see {@link Mmu.readForEffect}).
   */
  fetchForEffect(va: number, length: number, mode: PrivilegeMode = 'user'): boolean {
    checkLength(length)
    const user = modeCode(mode)
    // readIntoAccess's two branches for an execute access, each without its copy.
    // Within one page translateOnePage's checks are translateVa's own (see readInto).
    if (length > 0 && (va & 0xfff) + length <= 4096) return this.translateVa(va, EXECUTE, user) >= 0
    return this.translateRange(va, length, EXECUTE, user) !== undefined
  }

  /** Writes `data` at `va`. Every page is translated (for write) before any byte is stored: a fault writes nothing. */
  write(va: number, data: ArrayLike<number>, options: AccessOptions = {}): WriteResult<R> {
    const user = modeCode(options.mode)
    const bytes = checkBytes(data)
    const length = bytes.length
    if (length > 0 && (va & 0xfff) + length <= 4096) {
      // translateOnePage's checks are translateVa's own here (see readInto).
      const pa = this.translateVa(va, WRITE, user)
      if (pa < 0) return this.failed()
      this.store(pa, bytes)
      return WRITTEN
    }
    const chunks = this.translateRange(va, length, ACCESS_WRITE, user)
    if (chunks === undefined) return this.failed()
    this.storeChunks(chunks, bytes)
    return WRITTEN
  }

  /** Reads a byte; returns -1 on a fault (see {@link Mmu.lastFault}). */
  read8(va: number, mode: PrivilegeMode = 'user'): number {
    const pa = this.translateVa(va, ACCESS_READ, modeCode(mode))
    return pa < 0 ? -1 : busRead8(this.state.frames, pa)
  }

  /** Reads a little-endian 16-bit word; -1 on a fault. */
  read16(va: number, mode: PrivilegeMode = 'user'): number {
    return this.readScalar(va, 2, ACCESS_READ, modeCode(mode))
  }

  /** Reads a little-endian 32-bit word (unsigned); -1 on a fault. */
  read32(va: number, mode: PrivilegeMode = 'user'): number {
    const user = modeCode(mode)
    if ((va & 0xfff) <= 0xffc) {
      const pa = this.translateVa(va, READ, user)
      return pa < 0 ? -1 : read32At(this.memory, pa)
    }
    return this.readScalar(va, 4, ACCESS_READ, user)
  }

  /** Writes a byte (0..255 or -128..127); false on a fault (see {@link Mmu.lastFault}). */
  write8(va: number, value: number, mode: PrivilegeMode = 'user'): boolean {
    return this.writeScalar(va, 1, checkScalar(value, 1), modeCode(mode))
  }

  /** Writes a 16-bit word; false on a fault. */
  write16(va: number, value: number, mode: PrivilegeMode = 'user'): boolean {
    return this.writeScalar(va, 2, checkScalar(value, 2), modeCode(mode))
  }

  /** Writes a 32-bit word (signed or unsigned); false on a fault. */
  write32(va: number, value: number, mode: PrivilegeMode = 'user'): boolean {
    const word = checkScalar(value, 4)
    const user = modeCode(mode)
    if ((va & 0xfff) <= 0xffc && this.recorder === undefined) {
      // Within one page, nothing recording (writeScalar's first branch without its recording).
      const pa = this.translateVa(va, WRITE, user)
      if (pa < 0) return false
      writeScalarAt(this.memory, pa, 4, word)
      return true
    }
    return this.writeScalar(va, 4, word, user)
  }

  /**
   * The CPU's TLB-hit load of an aligned user-mode word: when `va` is a 32-bit address, a multiple
   * of 4, whose page hits in the data TLB's mirror row (translateVa's inlined hit) with nothing
   * recording, the word, the hit counted as {@link Mmu.read32} counts it. Otherwise -1 and
   * nothing done (no lookup counted, no walk, no fault): the caller then makes the access in full
   * (read32). Small enough for V8 to inline whole into a caller's loop, where read32 is not.
   */
  userRead32Hit(va: number): number {
    const tlb = this.dataTlb
    if (tlb.hitPathEnabled === true && (va & 3) === 0 && va >>> 0 === va && tlb.hitLane === undefined) {
      const vpn = va >>> 12
      const mirror = tlb.mirror
      const row = (vpn & tlb.mirrorMask) << 2
      if ((mirror[row]! & (USER_READ_KEY | MIRROR_PAGE_MASK)) === (USER_READ_KEY | vpn)) {
        tlbHitThroughMirror(tlb, row)
        return read32At(this.memory, mirror[row + 1]! | (va & 0xfff))
      }
    }
    return -1
  }

  /**
   * The CPU's TLB-hit store of an aligned user-mode word: when `va` is as for
   * {@link Mmu.userRead32Hit}, its page hits for a user write (D already set), its frame is this
   * checkpoint epoch's own (no copy-on-write copy due) and `value` fits 32 bits (signed or not),
   * stores it as {@link Mmu.write32} does and returns true. Otherwise false and nothing done: the
   * caller then makes the access in full (write32).
   */
  userWrite32Hit(va: number, value: number): boolean {
    const tlb = this.dataTlb
    if (
      tlb.hitPathEnabled === true &&
      (va & 3) === 0 &&
      va >>> 0 === va &&
      tlb.hitLane === undefined &&
      ((value | 0) === value || value >>> 0 === value)
    ) {
      const vpn = va >>> 12
      const required = MIRROR_VALID | (this.state.required[WRITE * 2 + 1]! << MIRROR_FLAGS_SHIFT)
      const mirror = tlb.mirror
      const row = (vpn & tlb.mirrorMask) << 2
      if ((mirror[row]! & (required | MIRROR_PAGE_MASK)) === (required | vpn)) {
        const pa = mirror[row + 1]! | (va & 0xfff)
        const words = ownedWords(this.memory, pa)
        if (words !== undefined) {
          tlbHitThroughMirror(tlb, row)
          words[(pa & 0xfff) >>> 2] = value
          return true
        }
      }
    }
    return false
  }

  /**
   * The hot-path translation: as {@link Mmu.translate} but returns the physical address as a
   * number, or -1 on a fault (then read {@link Mmu.lastFault}). No allocation on a TLB hit.
   */
  translateToPhysical(va: number, access: AccessKind = 'read', mode: PrivilegeMode = 'user'): number {
    return this.translateVa(va, accessCodeOf(access), modeCode(mode))
  }

  /**
   * Translates `va` as an access would (TLB, walk with A/D updates, #PF delivery and retries):
   * the physical address and the effective permissions, or the fault.
   */
  translate(va: number, access: AccessKind = 'read', mode: PrivilegeMode = 'user'): TranslateResult<R> {
    const accessCode = accessCodeOf(access)
    const pa = this.translateVa(va, accessCode, modeCode(mode))
    if (pa < 0) return this.failed()
    const s = this.state
    if (!s.paging) return identityTranslation(pa)
    const { lo, hi } = splitAddress(s.mode, va)
    const tlb = accessCode === ACCESS_EXECUTE ? s.fetchTlb : s.dataTlb
    const i = probeAllSizes(s, tlb, lo, hi)
    assert(i >= 0, 'a successful translation leaves its entry in the first-level TLB')
    return { ok: true, ...entryTranslation(s, tlb, i, pa) }
  }

  // ---- inspection (no side effects: no A/D bit, no TLB fill, no statistic, no event) -----------

  /** Reads `length` bytes at `va` as the page tables say now, without touching any state. */
  peek(va: number, length: number, options: AccessOptions = {}): AccessResult {
    return peekMemory(this.state, va, length, modeCode(options.mode))
  }

  /** Explains the walk for `va`: every level's entry address, raw value and decoded bits; and the TLB entries caching it. */
  probe(
    va: number,
    options: { readonly access?: AccessKind; readonly mode?: PrivilegeMode } = {},
  ): WalkExplanation {
    const accessCode = accessCodeOf(options.access ?? 'read')
    return explainWalk(this.state, va, accessCode, modeCode(options.mode ?? 'user'))
  }

  /** The valid entries of TLB level `name`. */
  tlbEntries(name: TlbName = 'data'): TlbEntryView[] {
    return tlbEntryViews(this.state, name)
  }

  /** Statistics of every TLB level. */
  statistics(): MmuStatistics {
    return mmuStatistics(this.state)
  }

  /** Resets every level's statistics (an event too, so replays stay exact). */
  resetStatistics(): void {
    const tlbs = this.state.tlbs
    this.recorder?.({
      type: 'hw.statisticsReset',
      previous: tlbs.map((tlb) => (tlb === undefined ? null : tlb.statistics())),
    })
    for (const tlb of tlbs) if (tlb !== undefined) applyTlbStatisticsReset(tlb)
  }

  /** A checkpoint of the whole hardware state, cheap enough for time travel (copy-on-write RAM). */
  snapshot(): HwSnapshot {
    return snapshotHwState(this.state)
  }

  /** Returns the machine to `snapshot`. */
  restore(snapshot: HwSnapshot): void {
    restoreHwState(this.state, snapshot)
  }

  /** A stable fingerprint of the whole hardware state. */
  digest(): string {
    return digestHwState(this.state)
  }

  // ---- the hot path ----------------------------------------------------------------------------

  /**
   * Physical address for `va`, or -1 with {@link Mmu.lastFault} set. Throws a RangeError for a
   * malformed address. Kept small so the JIT inlines it into the caller (where `access` and
   * `user` are usually constants): a 32-bit TLB hit on a mirrored 4 KiB entry finishes here,
   * everything else goes to {@link Mmu.translateGeneral}.
   */
  private translateVa(va: number, access: number, user: number): number {
    const tlb = access === EXECUTE ? this.fetchTlb : this.dataTlb
    // `=== true`: a plain pointer compare, where a bare truthiness test of a field V8 does not
    // know to be a boolean tests for every falsy kind of value.
    if (tlb.hitPathEnabled === true && va >>> 0 === va) {
      const vpn = va >>> 12
      // A read needs U for a user access and nothing else: a constant once inlined, which
      // saves the table load; writes and fetches depend on CR0.WP and EFER.NXE.
      const required =
        (access === READ ? user * USER_FLAG : this.state.required[access * 2 + user]!) << MIRROR_FLAGS_SHIFT
      // The mirror row (see tlb.ts) checks the tag and the permissions with one load: without
      // PCIDs (hitPathEnabled) every entry has PCID 0, so the page number alone decides.
      const mirror = tlb.mirror
      const row = (vpn & tlb.mirrorMask) << 2
      if ((mirror[row]! & (MIRROR_VALID | MIRROR_PAGE_MASK | required)) === (MIRROR_VALID | vpn | required)) {
        const lane = tlb.hitLane
        if (lane !== undefined) reportHitThroughMirror(lane, tlb, row)
        tlbHitThroughMirror(tlb, row)
        return mirror[row + 1]! | (va & 0xfff)
      }
    }
    return this.translateGeneral(va, access, user)
  }

  /** Every translation the inlined fast path does not finish: validation, x64, recorder, the full set search, misses. */
  private translateGeneral(va: number, access: number, user: number): number {
    const s = this.state
    let lo: number
    let hi: number
    if (s.modeCode !== 2) {
      if (va >>> 0 !== va) throw badAddress(s.mode, va)
      if (!s.paging) return va
      lo = va
      hi = 0
    } else {
      if (!(va >= X64_LOW && va < X64_HIGH) || Math.floor(va) !== va)
        return this.nonCanonical(va, access, user)
      lo = va >>> 0
      hi = ((va < 0 ? va + 0x1000000000000 : va) - lo) / TWO_32
    }
    const tlb = access === ACCESS_EXECUTE ? s.fetchTlb : s.dataTlb
    const vpn = hi * 0x100000 + (lo >>> 12)
    const i = tlbProbe(tlb, vpn * 4, vpn, s.pcid)
    if (i >= 0) {
      const required = s.required[access * 2 + user]!
      if ((tlb.flags[i]! & required) === required) {
        if (this.recorder !== undefined) this.recordHit(tlb, i)
        applyTlbHit(tlb, i)
        return tlb.frames[i]! * 4096 + (lo & 0xfff)
      }
    }
    // The probe's outcome goes along: the first lookup starts from it instead of searching the
    // 4 KiB page's set again (nothing changes the TLB in between).
    return this.translateSlow(va, lo, hi, access, user, i)
  }

  /**
   * The TLB levels, the walk and #PF delivery with retries. `probed` is the first-level 4 KiB
   * probe's result for (lo, hi) just made (an index, or -1), or {@link PROBE_AGAIN}.
   */
  private translateSlow(
    va: number,
    lo: number,
    hi: number,
    access: number,
    user: number,
    probed: number,
  ): number {
    const s = this.state
    this.lastResponse = undefined
    for (let attempt = 0; ; attempt++) {
      // A retry follows the fault handler, which may have changed the TLB: search again.
      const pa = this.lookupOrWalk(lo, hi, access, user, attempt === 0 ? probed : PROBE_AGAIN)
      if (pa >= 0) return pa
      const errorCode = this.pendingErrorCode
      const mode: PrivilegeMode = user !== 0 ? 'user' : 'supervisor'
      const accessName = ACCESS_NAMES[access]!
      this.recorder?.({
        type: 'hw.pageFault',
        address: va,
        errorCode,
        access: accessName,
        mode,
        previousCr2: s.cr2,
      })
      applyPageFault(s, va)
      // The #PF drops the faulting page's translations. After a lookup that missed at the first
      // and second levels (every size searched), those levels hold none when they hold no large
      // entry (the 4 KiB probe and the invalidation match the same tag, PCID and global bit), so
      // only the other levels are searched: the same removals, without two set scans per fault
      // of a sweep that mostly faults (docs/performance.md, issue 22's sweeps, second pass).
      this.invalidatePage(va, lo, hi, false, this.pendingMissed)
      const fault = decodePageFault(va, errorCode, accessName, mode)
      this.lastFault = fault
      const handler = this.faultHandler
      if (handler === undefined || attempt >= this.maxFaultRetries) return -1
      const response = handler(fault)
      this.lastResponse = response
      if (!response.retry) return -1
    }
  }

  /**
   * TLB levels, then the walk. Returns the physical address, or -1 with pendingErrorCode set.
   * `probed`: as {@link Mmu.translateSlow}'s; the first level's lookup is then what
   * probeAllSizes would find, without repeating the 4 KiB probe.
   */
  private lookupOrWalk(lo: number, hi: number, access: number, user: number, probed: number): number {
    const s = this.state
    this.pendingMissed = undefined
    const first = access === ACCESS_EXECUTE ? s.fetchTlb : s.dataTlb
    const required = s.required[access * 2 + user]!
    const i =
      probed === PROBE_AGAIN
        ? probeAllSizes(s, first, lo, hi)
        : probed >= 0
          ? probed
          : probeLargeSizes(s, first, lo, hi)
    if (i >= 0) {
      if (this.recorder !== undefined) this.recordHit(first, i)
      applyTlbHit(first, i)
      const flags = first.flags[i]!
      if ((flags & required) === required) return entryAddress(s, first, i, lo)
      if (((flags | TLB_DIRTY) & required) === required) return this.walkAndFill(lo, hi, access, user, first)
      this.pendingErrorCode = this.errorBase(access, user) | 1
      return -1
    }
    this.missLane?.tlbMiss(first.index)
    applyTlbMiss(first)
    const second = s.secondTlb
    if (second !== undefined) {
      const j = probeAllSizes(s, second, lo, hi)
      if (j >= 0) {
        if (this.recorder !== undefined) this.recordHit(second, j)
        applyTlbHit(second, j)
        const flags = second.flags[j]!
        if ((flags & required) === required) {
          const sizeCode = flags >>> TLB_SIZE_SHIFT
          this.fill(first, sizeCode, lo, hi, second.frames[j]!, flags)
          return entryAddress(s, second, j, lo)
        }
        if (((flags | TLB_DIRTY) & required) === required)
          return this.walkAndFill(lo, hi, access, user, first)
        this.pendingErrorCode = this.errorBase(access, user) | 1
        return -1
      }
      this.missLane?.tlbMiss(second.index)
      applyTlbMiss(second)
    }
    this.pendingMissed = first
    return this.walkAndFill(lo, hi, access, user, first)
  }

  private walkAndFill(lo: number, hi: number, access: number, user: number, first: TlbLevel): number {
    const s = this.state
    const out = this.walkOut
    walkPageTables(s, lo, hi, access, user, out, WALK_UPDATE, this.missLane, undefined)
    this.missLane?.pageWalk(first.index, joinAddress(s, lo, hi), out.references)
    applyPageWalk(first, out.references)
    if (s.secondTlb !== undefined) applyPageWalk(s.secondTlb, out.references)
    if (out.errorCode >= 0) {
      this.pendingErrorCode = out.errorCode
      return -1
    }
    const { frame, flags, sizeCode } = out
    if (s.secondTlb !== undefined) this.fill(s.secondTlb, sizeCode, lo, hi, frame, flags)
    this.fill(first, sizeCode, lo, hi, frame, flags)
    return frame * 4096 + offsetInPage(s, sizeCode, lo)
  }

  private fill(tlb: TlbLevel, sizeCode: number, lo: number, hi: number, frame: number, flags: number): void {
    const s = this.state
    const pageNumber = pageNumberOf(s, sizeCode, lo, hi)
    const tag = pageNumber * 4 + sizeCode
    const set = tlb.setOf(pageNumber)
    const way = tlbChooseWay(tlb, set, tag, s.pcid)
    const index = set * tlb.ways + way
    const oldTag = tlb.tags[index]!
    const replacing =
      oldTag !== -1 &&
      !(oldTag === tag && (tlb.pcids[index] === s.pcid || (tlb.flags[index]! & TLB_GLOBAL) !== 0))
    const lane = this.missLane
    if (replacing) {
      lane?.tlbEvict(
        tlb.index,
        set,
        way,
        oldTag,
        tlb.frames[index]!,
        tlb.flags[index]!,
        tlb.pcids[index]!,
        tlbEntryAge(tlb, index),
      )
      applyTlbEvict(tlb, index)
    }
    lane?.tlbFill(
      tlb.index,
      set,
      way,
      tag,
      frame,
      flags,
      s.pcid,
      tlb.tags[index]!,
      tlb.frames[index]!,
      tlb.flags[index]!,
      tlb.pcids[index]!,
      tlbEntryAge(tlb, index),
    )
    applyTlbFill(tlb, index, tag, frame, flags, s.pcid)
  }

  private recordHit(tlb: TlbLevel, index: number): void {
    const set = Math.floor(index / tlb.ways)
    const lane = this.lane
    if (lane !== undefined) {
      lane.tlbHit(tlb.index, set, index - set * tlb.ways, tlbEntryAge(tlb, index))
      return
    }
    this.recorder!({
      type: 'hw.tlbHit',
      tlb: tlb.index,
      set,
      way: index - set * tlb.ways,
      previousAge: tlbEntryAge(tlb, index),
    })
  }

  private errorBase(access: number, user: number): number {
    return (
      (access === ACCESS_WRITE ? 2 : 0) |
      (user !== 0 ? 4 : 0) |
      (access === ACCESS_EXECUTE ? this.state.instructionFetchBit : 0)
    )
  }

  private nonCanonical(va: number, access: number, user: number): number {
    if (!Number.isSafeInteger(va)) throw badAddress('x64', va)
    const fault: GeneralProtectionFault = {
      kind: 'general-protection',
      address: va,
      reason: 'non-canonical',
      access: ACCESS_NAMES[access]!,
      mode: user !== 0 ? 'user' : 'supervisor',
    }
    this.lastFault = fault
    this.lastResponse = undefined
    return -1
  }

  /** The result of an access that ended in {@link Mmu.lastFault}. */
  private failed(): FailedAccess<R> {
    return { ok: false, fault: this.lastFault!, response: this.lastResponse }
  }

  // ---- multi-byte and range accesses -----------------------------------------------------------

  /**
   * `translateRange` for an access of `length` (≥ 1) bytes that stays within the page of `va`:
   * the same checks, then the physical address (or -1 with `lastFault` set).
   */
  private translateOnePage(va: number, length: number, access: number, user: number): number {
    checkLength(length)
    checkStartAddress(this.state, va)
    return this.translateVa(addressAt(this.state, va, 0), access, user)
  }

  /** Translates every page of [va, va + length) in order; (pa, length) pairs, or undefined on a fault. */
  private translateRange(va: number, length: number, access: number, user: number): number[] | undefined {
    checkLength(length)
    checkStartAddress(this.state, va)
    const chunks: number[] = []
    let done = 0
    while (done < length) {
      const current = addressAt(this.state, va, done)
      const chunk = Math.min(length - done, 4096 - (current & 0xfff))
      const pa = this.translateVa(current, access, user)
      if (pa < 0) return undefined
      chunks.push(pa, chunk)
      done += chunk
    }
    return chunks
  }

  private readIntoAccess(
    va: number,
    target: Uint8Array,
    offset: number,
    length: number,
    access: number,
    user: number,
  ): boolean {
    if (length > 0 && (va & 0xfff) + length <= 4096) {
      const pa = this.translateOnePage(va, length, access, user)
      if (pa < 0) return false
      readInto(this.state.frames, pa, target, offset, length)
      return true
    }
    const chunks = this.translateRange(va, length, access, user)
    if (chunks === undefined) return false
    let done = offset
    for (let k = 0; k < chunks.length; k += 2) {
      readInto(this.state.frames, chunks[k]!, target, done, chunks[k + 1]!)
      done += chunks[k + 1]!
    }
    return true
  }
  private readAccess(va: number, length: number, access: number, user: number): AccessResult<R> {
    if (length > 0 && (va & 0xfff) + length <= 4096) {
      // Within one page (the common case): one translation and no list of chunks.
      const pa = this.translateOnePage(va, length, access, user)
      if (pa < 0) return this.failed()
      const data = new Uint8Array(length)
      readInto(this.state.frames, pa, data, 0, length)
      return { ok: true, data }
    }
    const chunks = this.translateRange(va, length, access, user)
    if (chunks === undefined) return this.failed()
    const data = new Uint8Array(length)
    let done = 0
    for (let k = 0; k < chunks.length; k += 2) {
      readInto(this.state.frames, chunks[k]!, data, done, chunks[k + 1]!)
      done += chunks[k + 1]!
    }
    return { ok: true, data }
  }

  private storeChunks(chunks: readonly number[], bytes: Uint8Array): void {
    let done = 0
    for (let k = 0; k < chunks.length; k += 2) {
      const length = chunks[k + 1]!
      this.store(chunks[k]!, length === bytes.length ? bytes : bytes.subarray(done, done + length))
      done += length
    }
  }

  /** Stores `part` at physical `pa` (within one page), recording it when a recorder listens. */
  private store(pa: number, part: Uint8Array): void {
    const frames = this.state.frames
    const length = part.length
    const lane = this.lane
    if (lane !== undefined && (length === 4 || length === 8) && (pa & 3) === 0) {
      // An aligned word or quadword into a frame this checkpoint epoch owns (most recorded
      // stores): the loop below's scalar writes of 4 bytes, their previous values read from the
      // frame's words, and the words set in place (Mmu.write32's store; the byte merge of
      // applyPhysicalBytesWritten leaves the same words). Anything else takes the loop.
      const words = ownedWords(frames, pa)
      if (words !== undefined) {
        const word = (pa & 0xfff) >>> 2
        const low = (part[0]! | (part[1]! << 8) | (part[2]! << 16) | (part[3]! << 24)) >>> 0
        if (length === 4) {
          lane.physicalWrite(pa, 4, low, words[word]!)
          words[word] = low
          return
        }
        const high = (part[4]! | (part[5]! << 8) | (part[6]! << 16) | (part[7]! << 24)) >>> 0
        lane.physicalWrite(pa, 4, low, words[word]!)
        lane.physicalWrite(pa + 4, 4, high, words[word + 1]!)
        words[word] = low
        words[word + 1] = high
        return
      }
    }
    if (lane !== undefined && length <= LANE_STORE_LIMIT) {
      // The same state change as the bytes written, as scalar stores (no arrays; see
      // scalarStores.ts). Each previous value is read before anything is written.
      for (let offset = 0; offset < length; ) {
        const size = scalarPieceSize(length - offset)
        let value = 0
        for (let b = offset + size - 1; b >= offset; b--) value = value * 256 + part[b]!
        lane.physicalWrite(pa + offset, size, value, readScalarAt(frames, pa + offset, size))
        offset += size
      }
    } else if (this.recorder !== undefined) {
      const previous = new Uint8Array(length)
      busReadInto(frames, pa, previous, 0, length)
      this.recorder({
        type: 'hw.physicalBytesWritten',
        address: pa,
        bytes: Array.from(part),
        previousBytes: Array.from(previous),
      })
    }
    writeBytesAt(frames, pa, part)
  }

  private readScalar(va: number, size: number, access: number, user: number): number {
    const chunks = this.translateRange(va, size, access, user)
    if (chunks === undefined) return -1
    const frames = this.state.frames
    if (chunks.length === 2) return busReadScalar(frames, chunks[0]!, size)
    let value = 0
    let shift = 0
    for (let k = 0; k < chunks.length; k += 2) {
      for (let b = 0; b < chunks[k + 1]!; b++) {
        value += busRead8(frames, chunks[k]! + b) * 2 ** shift
        shift += 8
      }
    }
    return value
  }

  private writeScalar(va: number, size: number, value: number, user: number): boolean {
    const frames = this.state.frames
    if ((va & 0xfff) <= 4096 - size) {
      const pa = this.translateVa(va, ACCESS_WRITE, user)
      if (pa < 0) return false
      const lane = this.lane
      if (lane !== undefined) {
        lane.physicalWrite(pa, size, value, readScalarAt(frames, pa, size))
      } else if (this.recorder !== undefined) {
        this.recorder({
          type: 'hw.physicalWrite',
          address: pa,
          size: size as 1 | 2 | 4,
          value,
          previousValue: busReadScalar(frames, pa, size),
        })
      }
      applyPhysicalWrite(frames, pa, size, value)
      return true
    }
    const chunks = this.translateRange(va, size, ACCESS_WRITE, user)
    if (chunks === undefined) return false
    const bytes = new Uint8Array(size)
    for (let b = 0; b < size; b++) bytes[b] = (value >>> (8 * b)) & 0xff
    this.storeChunks(chunks, bytes)
    return true
  }

  // ---- flushes ---------------------------------------------------------------------------------

  /** Removes the entries covering (lo, hi) from every level; counts a 'single' flush when `always` or when one was removed. */
  private invalidatePage(
    va: number,
    lo: number,
    hi: number,
    always: boolean,
    missed: TlbLevel | undefined = undefined,
  ): void {
    const s = this.state
    const tlbs = s.tlbs
    const sizes = s.modeCode === 2 ? 3 : 2
    // An index loop, and no list made when nothing is removed (INVLPG of a page the TLB does not
    // hold: most page-outs of a sweep whose pages are each touched once in a while).
    for (let level = 0; level < tlbs.length; level++) {
      const tlb = tlbs[level]
      if (tlb === undefined) continue
      // `missed` (never with `always`): this level and the second were searched for (lo, hi)
      // and missed; with no large entry nothing here could match.
      if (missed !== undefined && tlb.largeEntries === 0 && (tlb === missed || tlb === s.secondTlb)) continue
      let removed: number[] | undefined
      // No recorder: each match is dropped where it is found (the hw.tlbFlush removals applied in
      // the same order, no list: the aging scan's INVLPG of an accessed page removes its entry,
      // a list per page; docs/performance.md, issue 22, `hardfault2`). A dropped tag is -1, which
      // no later probe of this scan matches.
      const direct = this.recorder === undefined
      let removedAny = false
      const ways = tlb.ways
      const tags = tlb.tags
      // A level with no large entry holds no tag of a larger size code: its 4 KiB set only.
      const levelSizes = tlb.largeEntries === 0 ? 1 : sizes
      for (let sizeCode = 0; sizeCode < levelSizes; sizeCode++) {
        const pageNumber = pageNumberOf(s, sizeCode, lo, hi)
        const tag = pageNumber * 4 + sizeCode
        const base = tlb.setOf(pageNumber) * ways
        for (let i = base; i < base + ways; i++) {
          if (tags[i] === tag && (tlb.pcids[i] === s.pcid || (tlb.flags[i]! & TLB_GLOBAL) !== 0)) {
            if (direct) {
              applyTlbInvalidate(tlb, i)
              removedAny = true
            } else {
              if (removed === undefined) removed = []
              removed.push(i)
            }
          }
        }
      }
      if (direct) {
        if (always || removedAny) applyTlbFlushCounted(tlb, 'single')
      } else if (always || removed !== undefined)
        this.removeEntries(tlb, 'single', va, removed ?? NONE_REMOVED)
    }
  }

  /** Flushes entries of every level: scope 0 = all, 1 = non-global entries of `pcid`. */
  private flushWhere(kind: FlushKind, scope: number, pcid: number): void {
    for (const tlb of this.state.tlbs) {
      if (tlb === undefined) continue
      const removed: number[] = []
      for (let i = 0; i < tlb.entries; i++) {
        if (tlb.tags[i] === -1) continue
        if (scope === 0 || ((tlb.flags[i]! & TLB_GLOBAL) === 0 && tlb.pcids[i] === pcid)) removed.push(i)
      }
      this.removeEntries(tlb, kind, null, removed)
    }
  }

  private removeEntries(
    tlb: TlbLevel,
    kind: FlushKind,
    address: number | null,
    indices: readonly number[],
  ): void {
    const recorder = this.recorder
    if (recorder !== undefined) {
      const removed: TlbEntryRecord[] = indices.map((i) => {
        const set = Math.floor(i / tlb.ways)
        return {
          set,
          way: i - set * tlb.ways,
          tag: tlb.tags[i]!,
          frame: tlb.frames[i]!,
          flags: tlb.flags[i]!,
          pcid: tlb.pcids[i]!,
          age: tlbEntryAge(tlb, i),
        }
      })
      const event: HwEvent = {
        type: 'hw.tlbFlush',
        tlb: tlb.index,
        kind,
        address,
        pcid: this.state.pcid,
        removed,
      }
      recorder(event)
    }
    // An index loop: `indices` is most often the frozen NONE_REMOVED, whose iterator V8 does not
    // take the fast path for (a page-out's INVLPG of a page the TLB does not hold).
    for (let k = 0; k < indices.length; k++) applyTlbInvalidate(tlb, indices[k]!)
    applyTlbFlushCounted(tlb, kind)
  }
}

function joinAddress(s: HwState, lo: number, hi: number): number {
  if (s.modeCode !== 2) return lo
  const u = hi * TWO_32 + lo
  return u >= X64_HIGH ? u - 0x1000000000000 : u
}

// The string-to-code conversions of the public entry points are `const` arrow functions, not
// function declarations: V8 treats a module's function declarations as reassignable and checks
// the callee's identity at every inlined call, but folds a `const` binding. With a literal
// argument ('read', 'user') the whole conversion then folds away in the caller.
const modeCode = (mode: PrivilegeMode | undefined): number => {
  if (mode === 'user' || mode === undefined) return 1
  if (mode === 'supervisor') return 0
  throw new RangeError(`mode ${JSON.stringify(mode)} must be 'user' or 'supervisor'`)
}

const accessCodeOf = (access: AccessKind): number => {
  if (access === 'read') return READ
  if (access === 'write') return WRITE
  if (access === 'execute') return EXECUTE
  throw new RangeError(`access ${JSON.stringify(access)} must be 'read', 'write' or 'execute'`)
}

/** The entries an INVLPG removed when it removed none (shared: nothing writes it). */
const NONE_REMOVED: readonly number[] = Object.freeze([])

/** A successful write's answer: one shared object, so a store allocates nothing on a TLB hit. */
const WRITTEN: { readonly ok: true } = Object.freeze({ ok: true })

/** Throws the RangeError of readInto/fetchInto when `length` bytes at `offset` do not fit `target`. */
const checkFits = (method: string, target: Uint8Array, offset: number, length: number): void => {
  // `>>> 0 ===`: an integer in [0, 2^32) in one compare each (a Uint8Array is shorter).
  if (offset >>> 0 !== offset || length >>> 0 !== length || offset + length > target.length)
    throw new RangeError(
      `${method}: ${length} bytes at offset ${offset} do not fit a buffer of ${target.length}`,
    )
}

function checkBytes(data: ArrayLike<number>): Uint8Array {
  if (data instanceof Uint8Array) return data
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!
    if (!Number.isInteger(value) || value < 0 || value > 255)
      throw new RangeError(`byte ${i} of the data (${value}) must be an integer in [0, 255]`)
  }
  return Uint8Array.from(data)
}

function checkScalar(value: number, size: number): number {
  // A 32-bit word, signed or not (the commonest store): `| 0` or `>>> 0` gives it back unchanged.
  if (size === 4 && ((value | 0) === value || value >>> 0 === value)) return value >>> 0
  const bits = size * 8
  const limit = 2 ** bits
  if (!Number.isInteger(value) || value < -(limit / 2) || value >= limit) {
    throw new RangeError(
      `value ${value} does not fit ${size} byte(s): it must be an integer in [${-(limit / 2)}, ${limit - 1}]`,
    )
  }
  return size === 4 ? value >>> 0 : value & (limit - 1)
}
