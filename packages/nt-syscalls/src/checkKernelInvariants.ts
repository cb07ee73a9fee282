// The whole machine's invariants, for tests, fuzzers and the debug mode: the object manager's
// reference counting (ObpIncrementHandleCount / ObDereferenceObject: every handle holds one pointer
// reference, and a service that referenced an object by handle drops that reference before it
// returns), each live process owning a handle table and an address space, the memory manager's
// cross-structure invariants (mm-core), the TLB agreeing with the page tables (hw-mmu) and the
// recorded trace's dense seqs and backward causes (trace).
import { checkTlbConsistency } from '@ntmm/hw-mmu'
import type { MemoryManager } from '@ntmm/mm-core'
import { checkTraceLog, type TraceLog } from '@ntmm/trace'
import type { MachineEvent } from './machineSchema.js'
import type { ObjectManagerState } from './objectManagerState.js'

/** What to check beyond the object manager; everything by default. */
export interface KernelInvariantOptions {
  /** The memory manager's trees, regions, PTE ↔ region ↔ frame, commit charge and PFN lists. */
  readonly memoryManager?: boolean
  /** The TLB against the page tables of the loaded address space. */
  readonly tlb?: boolean
  /** The recorded trace from this seq on (when the kernel records); all of it by default. */
  readonly traceFrom?: number
}

/**
 * What the checks read of a machine: a Kernel is one (named structurally, so that the Kernel may
 * check the machines it loads without an import cycle).
 */
export interface CheckedMachine {
  readonly ob: { readonly state: ObjectManagerState }
  readonly mm: MemoryManager
  /** Every process whose object still exists. */
  processes(): readonly { readonly pid: number; readonly exited: boolean }[]
  readonly trace: TraceLog<MachineEvent> | undefined
}

/** Every violated invariant of `kernel`, as readable lines; empty when the machine is sound. */
export function checkKernelInvariants(
  kernel: CheckedMachine,
  options: KernelInvariantOptions = {},
): string[] {
  const problems: string[] = []
  const ob = kernel.ob.state
  const handlesPerObject = new Map<number, number>()
  const live = new Set<number>()
  for (const process of kernel.processes()) if (!process.exited) live.add(process.pid)
  for (const pid of live) {
    const table = ob.handleTable(pid)
    if (table === undefined) {
      problems.push(`process ${pid}: live without a handle table`)
      continue
    }
    if (kernel.mm.addressSpace(pid) === undefined)
      problems.push(`process ${pid}: live without an address space`)
    for (const { handle, entry } of table.handles()) {
      if (!(handle > 0 && handle % 4 === 0)) problems.push(`process ${pid}: handle value ${handle}`)
      if (ob.object(entry.objectId) === undefined)
        problems.push(`process ${pid}: handle ${handle} names deleted object ${entry.objectId}`)
      handlesPerObject.set(entry.objectId, (handlesPerObject.get(entry.objectId) ?? 0) + 1)
    }
  }
  for (const header of ob.objects()) {
    const handles = handlesPerObject.get(header.id) ?? 0
    if (header.handleCount !== handles)
      problems.push(`object ${header.id}: handle count ${header.handleCount}, handles ${handles}`)
    // Beyond its handles, an object holds only its creator's reference while its process runs.
    const body = header.body
    const running = live.has(body.pid) && !(body.kind === 'Process' && body.exited)
    const expected = header.handleCount + (running ? 1 : 0)
    if (header.pointerCount !== expected)
      problems.push(
        `object ${header.id} (${header.type} of ${body.pid}): pointer count ${header.pointerCount}, expected ${expected}`,
      )
  }
  for (const pid of kernel.mm.processIds())
    if (!live.has(pid)) problems.push(`address space ${pid} outlives its process`)
  if (options.memoryManager !== false) problems.push(...kernel.mm.checkInvariants())
  if (options.tlb !== false) problems.push(...checkTlbConsistency(kernel.mm.mmu))
  const trace = kernel.trace
  if (trace !== undefined) problems.push(...checkTraceLog(trace, { from: options.traceFrom ?? 0 }))
  return problems
}
