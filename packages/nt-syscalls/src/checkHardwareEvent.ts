// Whether a rare recorded hardware event (the hw.* kinds stored as objects: frame zeroing, multi-byte
// physical writes, TLB flushes, page faults, CR3 and control-register loads, statistics resets)
// holds against the machine it is about to be applied to, when a trace from outside is loaded
// (loadMachineState.ts): the frame, physical address or TLB entry it names exists, and the old
// values it carries are the machine's (so undoing it, stepping back in time, gives back the state
// before it). The per-access rows have their own column checks (loadMachineRows.ts). No NT
// counterpart: the checks a debugger makes before it trusts a dump.

import type { FrameStore, HwState, TlbLevel } from '@ntmm/hw-mmu'
import type { MachineEvent } from './machineSchema.js'

/** Why an event does not hold: the field (a dotted path inside the event) and the reason. */
export interface EventProblem {
  readonly field: string
  readonly reason: string
}

/** An {@link EventProblem}. */
export function problem(field: string, reason: string): EventProblem {
  return { field, reason }
}

/** A problem with TLB level `tlb` (absent) or its entry (set, way) (out of range), else undefined. */
function entryProblem(hw: HwState, tlb: number, set: number, way: number): EventProblem | undefined {
  const level = hw.tlbs[tlb as 0 | 1 | 2]
  if (level === undefined) return problem('tlb', `TLB level ${tlb} does not exist on this machine`)
  if (set >= level.sets)
    return problem('set', `set ${set} is beyond the ${level.sets} sets of TLB level ${tlb}`)
  if (way >= level.ways)
    return problem('way', `way ${way} is beyond the ${level.ways} ways of TLB level ${tlb}`)
  return undefined
}

/** The problem with `size` bytes at physical address `address` (outside RAM, fractional), or undefined. */
function ramProblem(
  frames: FrameStore,
  field: string,
  address: number,
  size: number,
): EventProblem | undefined {
  if (Number.isInteger(address) && address >= 0 && address + size <= frames.byteLength) return undefined
  return problem(field, `physical address ${address} (+${size}) is outside RAM (${frames.byteLength} bytes)`)
}

/** The problem with frame `pfn` (not a frame number, or beyond RAM), or undefined. */
export function frameProblem(frames: FrameStore, pfn: number, field = 'pfn'): EventProblem | undefined {
  return Number.isInteger(pfn) && pfn >= 0 && pfn < frames.frameCount
    ? undefined
    : problem(field, `frame ${pfn} is beyond RAM (${frames.frameCount} frames)`)
}

/** True when two arrays of numbers hold the same values. */
function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

/** The problem with a rare hardware event (hw.* stored as an object) on `hw`, or undefined. */
export function checkHardwareEvent(hw: HwState, event: Readonly<MachineEvent>): EventProblem | undefined {
  const frames = hw.frames
  switch (event.type) {
    case 'hw.frameZeroed': {
      const bad = frameProblem(frames, event.pfn)
      if (bad !== undefined) return bad
      const words = new Uint32Array(frames.readBytes(event.pfn * 4096, 4096).buffer)
      const nonZero: number[] = []
      for (let index = 0; index < words.length; index++)
        if (words[index] !== 0) nonZero.push(index, words[index]!)
      return sameNumbers(nonZero, event.previousWords)
        ? undefined
        : problem('previousWords', `frame ${event.pfn} does not hold these words`)
    }
    case 'hw.physicalBytesWritten': {
      const bad = ramProblem(frames, 'address', event.address, event.bytes.length)
      if (bad !== undefined) return bad
      if (event.previousBytes.length !== event.bytes.length)
        return problem('previousBytes', 'previousBytes and bytes differ in length')
      return sameNumbers(frames.readBytes(event.address, event.bytes.length), event.previousBytes)
        ? undefined
        : problem('previousBytes', `memory at ${event.address} does not hold these bytes`)
    }
    case 'hw.tlbFlush': {
      if (hw.tlbs[event.tlb] === undefined)
        return problem('tlb', `TLB level ${event.tlb} does not exist on this machine`)
      const level = hw.tlbs[event.tlb] as TlbLevel
      for (const [index, entry] of event.removed.entries()) {
        const bad = entryProblem(hw, event.tlb, entry.set, entry.way)
        if (bad !== undefined) return problem(`removed.${index}.${bad.field}`, bad.reason)
        if (level.tags[entry.set * level.ways + entry.way] !== entry.tag)
          return problem(`removed.${index}.tag`, `the entry does not hold tag ${entry.tag}`)
      }
      return undefined
    }
    case 'hw.pageFault':
      return event.previousCr2 === hw.cr2
        ? undefined
        : problem('previousCr2', `CR2 is ${hw.cr2}, not ${event.previousCr2}`)
    case 'hw.cr3Loaded': {
      const base = hw.mode === 'x86-pae' ? 32 : 4096
      if (event.cr3 % base !== 0 || event.cr3 + base > frames.byteLength)
        return problem('cr3', `CR3 ${event.cr3} is not a ${base}-byte aligned table inside RAM`)
      if (event.pcid > 0xfff || (event.pcid !== 0 && !hw.processContextIds))
        return problem('pcid', `PCID ${event.pcid} is not one this machine can load`)
      if (event.pdptes !== null && event.pdptes.length !== 8)
        return problem('pdptes', 'the PDPTE registers are 4 entries as 8 halves')
      return previousRegisters(hw, event.previousCr3, event.previousPcid, event.previousPdptes)
    }
    case 'hw.controlChanged': {
      if (event.previousMode !== hw.mode) return problem('previousMode', `the mode is ${hw.mode}`)
      // The memory manager pages in the mode it was built for: a trace may not switch it.
      if (event.mode !== hw.mode) return problem('mode', `the machine's paging mode is ${hw.mode}`)
      if (event.control.physicalAddressExtension !== (hw.mode !== 'x86'))
        return problem('control.physicalAddressExtension', `CR4.PAE is fixed by the mode ${hw.mode}`)
      const control = hw.control
      for (const [key, value] of Object.entries(event.previousControl))
        if (control[key as keyof typeof control] !== value)
          return problem(`previousControl.${key}`, `the control bit is ${String(!value)}`)
      if (event.pdptes !== null && event.pdptes.length !== 8)
        return problem('pdptes', 'the PDPTE registers are 4 entries as 8 halves')
      return sameNumbers(hw.pdptes, event.previousPdptes)
        ? undefined
        : problem('previousPdptes', 'the PDPTE registers do not hold these values')
    }
    case 'hw.statisticsReset':
      return event.previous.length === hw.tlbs.length &&
        event.previous.every((statistics, index) => (statistics === null) === (hw.tlbs[index] === undefined))
        ? undefined
        : problem('previous', 'the statistics do not list the TLB levels of this machine')
    default:
      return undefined
  }
}

/** The problem with the registers a CR3 load says it replaced, or undefined. */
function previousRegisters(
  hw: HwState,
  cr3: number,
  pcid: number,
  pdptes: readonly number[],
): EventProblem | undefined {
  if (cr3 !== hw.cr3) return problem('previousCr3', `CR3 is ${hw.cr3}, not ${cr3}`)
  if (pcid !== hw.pcid) return problem('previousPcid', `the PCID is ${hw.pcid}, not ${pcid}`)
  return sameNumbers(hw.pdptes, pdptes)
    ? undefined
    : problem('previousPdptes', 'the PDPTE registers do not hold these values')
}
