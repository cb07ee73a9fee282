// Writes to the control registers that govern paging, as the CPU executes them (Intel SDM vol. 3A
// §2.5, §4.4.1 for the PAE PDPTE registers; ReactOS's __writecr3, __writecr0/__writecr4 and
// __writemsr(MSR_EFER)): MOV CR3 loads the page-table base, and in PAE paging the four PDPTEs into
// registers; MOV CR0/CR4 and WRMSR EFER change the control bits, possibly switching x86 ⇄ x86-pae.
// A write a real CPU refuses with #GP comes back as a `ControlResult` that is not ok, and changes
// nothing. Each write is recorded as one event and applied through hwState.ts. The TLB flushes
// these writes cause (SDM §4.10.4) are the Mmu's, which calls these functions.
import { type ControlBits, checkControlChanges, controlProblem } from './controlBits.js'
import { busRead32 } from './frameStore.js'
import type { HwRecorder } from './hwRecorder.js'
import { applyControlChanged, applyCr3Loaded, type HwState } from './hwState.js'
import { checkCr3 } from './pageTableEditor.js'

/** Result of a CR3 load or a control-register change: not ok where a real CPU raises #GP. */
export type ControlResult = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/**
 * MOV CR3 without the TLB flush: checks the base and the PCID (RangeError for a malformed one),
 * loads the PAE PDPTEs when paging is on in x86-pae, then records and applies hw.cr3Loaded.
 * Not ok, changing nothing, when a present PDPTE has reserved bits set (#GP).
 */
export function writeCr3(
  state: HwState,
  recorder: HwRecorder | undefined,
  address: number,
  options: { readonly pcid?: number; readonly noFlush?: boolean },
): ControlResult {
  const s = state
  checkCr3(s.mode, address)
  const pcid = options.pcid ?? 0
  if (!Number.isInteger(pcid) || pcid < 0 || pcid > 0xfff)
    throw new RangeError(`pcid ${pcid} must be an integer in [0, 4095]`)
  if (pcid !== 0 && !s.processContextIds)
    throw new RangeError(`pcid ${pcid} needs CR4.PCIDE (control bit processContextIds)`)
  if (options.noFlush === true && !s.processContextIds)
    throw new RangeError('noFlush (CR3 bit 63) needs CR4.PCIDE')
  let pdptes: number[] | null = null
  if (s.mode === 'x86-pae' && s.paging) {
    const loaded = loadPdptes(s, address)
    if (typeof loaded === 'string') return { ok: false, reason: loaded }
    pdptes = loaded
  }
  recorder?.({
    type: 'hw.cr3Loaded',
    cr3: address,
    pcid,
    pdptes,
    previousCr3: s.cr3,
    previousPcid: s.pcid,
    previousPdptes: Array.from(s.pdptes),
  })
  applyCr3Loaded(s, address, pcid, pdptes ?? undefined)
  return { ok: true }
}

/**
 * MOV CR0 / MOV CR4 / WRMSR EFER without the TLB flush: merges `changes` into the control bits
 * (TypeError for an unknown bit), switches x86 ⇄ x86-pae with CR4.PAE, loads the PDPTEs when PAE
 * paging starts, then records and applies hw.controlChanged. Not ok, changing nothing, for a
 * combination the mode forbids or a PDPTE with reserved bits set (#GP).
 */
export function writeControlBits(
  state: HwState,
  recorder: HwRecorder | undefined,
  changes: Partial<ControlBits>,
): ControlResult {
  checkControlChanges(changes)
  const s = state
  const previous = s.control
  const next: ControlBits = { ...previous, ...changes }
  let mode = s.mode
  if (next.physicalAddressExtension !== previous.physicalAddressExtension && mode !== 'x64') {
    mode = next.physicalAddressExtension ? 'x86-pae' : 'x86'
  }
  const problem = controlProblem(mode, next, s.pcid)
  if (problem !== undefined) return { ok: false, reason: problem }
  let pdptes: number[] | null = null
  if (mode === 'x86-pae' && next.paging && (mode !== s.mode || !previous.paging)) {
    const loaded = loadPdptes(s, s.cr3 - (s.cr3 % 32))
    if (typeof loaded === 'string') return { ok: false, reason: loaded }
    pdptes = loaded
  }
  recorder?.({
    type: 'hw.controlChanged',
    mode,
    control: next,
    pdptes,
    previousMode: s.mode,
    previousControl: previous,
    previousPdptes: Array.from(s.pdptes),
  })
  applyControlChanged(s, mode, next)
  if (pdptes !== null) applyCr3Loaded(s, s.cr3, s.pcid, pdptes)
  return { ok: true }
}

/**
 * The four PAE PDPTEs of the 32-byte aligned PDPT at `address`, as (low, high) halves, read as
 * the CPU loads them into its PDPTE registers; or why the load is a #GP (a present PDPTE with a
 * reserved bit set).
 */
function loadPdptes(state: HwState, address: number): number[] | string {
  const pdptes: number[] = []
  for (let i = 0; i < 4; i++) {
    const low = busRead32(state.frames, address + i * 8)
    const high = busRead32(state.frames, address + i * 8 + 4)
    if ((low & 1) !== 0 && ((low & state.reservedLow[6]!) !== 0 || (high & state.reservedHigh[6]!) !== 0)) {
      return `general-protection: PDPTE ${i} at 0x${(address + i * 8).toString(16)} has reserved bits set`
    }
    pdptes.push(low, high)
  }
  return pdptes
}
