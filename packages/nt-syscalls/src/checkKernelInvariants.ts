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

/**
 * The section and file objects against mm-core: every section object's segment exists and each
 * segment's NumberOfSectionReferences is the number of section objects naming it; every file
 * object and every name of the volume names a file; every name of `\BaseNamedObjects` a live
 * section object of that name.
 */
function sectionObjectProblems(kernel: CheckedMachine): string[] {
  const problems: string[] = []
  const ob = kernel.ob.state
  const references = new Map<number, number>()
  for (const header of ob.objects()) {
    const body = header.body
    if (body.kind === 'Section') {
      references.set(body.segmentId, (references.get(body.segmentId) ?? 0) + 1)
      if (kernel.mm.segmentInfo(body.segmentId) === undefined)
        problems.push(`section ${header.id}: segment ${body.segmentId} does not exist`)
    } else if (body.kind === 'File' && kernel.mm.fileSize(body.fileId) === undefined) {
      problems.push(`file object ${header.id}: file ${body.fileId} does not exist`)
    }
  }
  for (const id of kernel.mm.segmentIds()) {
    const info = kernel.mm.segmentInfo(id)!
    const expected = references.get(id) ?? 0
    if (info.sectionReferences !== expected)
      problems.push(
        `segment ${id}: ${info.sectionReferences} section references, ${expected} section objects`,
      )
  }
  for (const [name, fileId] of ob.fileNames())
    if (kernel.mm.fileSize(fileId) === undefined)
      problems.push(`file name ${name}: file ${fileId} does not exist`)
  for (const [name, objectId] of ob.namedObjects()) {
    const body = ob.object(objectId)?.body
    if (body?.kind !== 'Section' || body.name !== name)
      problems.push(`\\BaseNamedObjects name ${name}: object ${objectId} is not that section`)
  }
  return problems
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
    // Beyond its handles, a process or thread holds only its creator's reference while its
    // process runs; a file or section object holds nothing but its handles (ObInsertObject
    // hands the creator's reference to the first handle).
    const body = header.body
    if (body.kind === 'File' || body.kind === 'Section') {
      if (header.pointerCount !== header.handleCount)
        problems.push(
          `object ${header.id} (${header.type}): pointer count ${header.pointerCount}, handles ${header.handleCount}`,
        )
      continue
    }
    const running = live.has(body.pid) && !(body.kind === 'Process' && body.exited)
    const expected = header.handleCount + (running ? 1 : 0)
    if (header.pointerCount !== expected)
      problems.push(
        `object ${header.id} (${header.type} of ${body.pid}): pointer count ${header.pointerCount}, expected ${expected}`,
      )
  }
  problems.push(...sectionObjectProblems(kernel))
  for (const pid of kernel.mm.processIds())
    if (!live.has(pid)) problems.push(`address space ${pid} outlives its process`)
  if (options.memoryManager !== false) problems.push(...kernel.mm.checkInvariants())
  if (options.tlb !== false) problems.push(...checkTlbConsistency(kernel.mm.mmu))
  const trace = kernel.trace
  if (trace !== undefined) problems.push(...checkTraceLog(trace, { from: options.traceFrom ?? 0 }))
  return problems
}
