// The control-register bits that govern paging (Intel SDM vol. 3A §2.5 and §4.1: CR0.PG/WP,
// CR4.PSE/PAE/PGE/PCIDE, EFER.NXE), named in full, with the defaults Windows and ReactOS set and
// the rules a real CPU enforces with #GP. Plain data and checks: the registers themselves live in
// HwState, and MOV CR0/CR4, WRMSR EFER and MOV CR3 are modelled in controlRegisters.ts.
import type { PagingMode } from './paging.js'

/** The paging-related control bits, named in full (register bit in the comment). */
export interface ControlBits {
  /** CR0.PG: paging enabled. Without it linear addresses are physical (x86 and x86-pae only). */
  readonly paging: boolean
  /** CR0.WP: supervisor writes honour read-only pages. */
  readonly writeProtect: boolean
  /** CR4.PSE: 4 MiB pages in 32-bit paging. */
  readonly pageSizeExtension: boolean
  /** CR4.PAE: fixed by the mode (set in x86-pae and x64); toggling it switches x86 ⇄ x86-pae. */
  readonly physicalAddressExtension: boolean
  /** CR4.PGE: global pages survive CR3 loads. */
  readonly globalPages: boolean
  /** CR4.PCIDE: process-context identifiers (x64 only). */
  readonly processContextIds: boolean
  /** EFER.NXE: bit 63 of PAE and x64 entries means no-execute (reserved otherwise). */
  readonly noExecute: boolean
}

/** Default control bits for a mode (as Windows and ReactOS set them). */
export function defaultControlBits(mode: PagingMode): ControlBits {
  return {
    paging: true,
    writeProtect: true,
    pageSizeExtension: true,
    physicalAddressExtension: mode !== 'x86',
    globalPages: true,
    processContextIds: false,
    noExecute: mode !== 'x86',
  }
}

const CONTROL_KEYS: readonly (keyof ControlBits)[] = [
  'paging',
  'writeProtect',
  'pageSizeExtension',
  'physicalAddressExtension',
  'globalPages',
  'processContextIds',
  'noExecute',
]

/** Throws a TypeError for a key that is not a control bit or a value that is not a boolean. */
export function checkControlChanges(changes: Partial<ControlBits>): void {
  if (typeof changes !== 'object' || changes === null)
    throw new TypeError('control changes must be an object')
  for (const [key, value] of Object.entries(changes)) {
    if (!CONTROL_KEYS.includes(key as keyof ControlBits)) {
      throw new TypeError(
        `unknown control bit ${JSON.stringify(key)}: expected one of ${CONTROL_KEYS.join(', ')}`,
      )
    }
    if (typeof value !== 'boolean')
      throw new TypeError(`control bit ${key} must be a boolean, got ${String(value)}`)
  }
}

/** Why `control` is not allowed in `mode` (a #GP on a real CPU), or undefined. */
export function controlProblem(mode: PagingMode, control: ControlBits, pcid: number): string | undefined {
  if (mode === 'x64' && !control.paging) return 'paging cannot be disabled in x64 (IA-32e) mode'
  if (mode === 'x64' && !control.physicalAddressExtension)
    return 'CR4.PAE cannot be cleared in x64 (IA-32e) mode'
  if (control.processContextIds && mode !== 'x64') return 'CR4.PCIDE needs x64 (IA-32e) mode'
  if (control.processContextIds && pcid !== 0)
    return `CR4.PCIDE can be set only while the current PCID is 0 (it is ${pcid})`
  return undefined
}
