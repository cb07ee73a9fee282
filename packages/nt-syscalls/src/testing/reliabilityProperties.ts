// The fuzz properties of issue 9, shared by the bounded CI tests (reliability.test.ts) and the soak
// (scripts/soak.mjs): random programs of system calls and CPU accesses across three processes,
// with hostile arguments mixed into plausible ones, on a kernel checked after every operation
// (withInvariantChecks). Each result must be a known NTSTATUS, nothing may throw, and a
// differential model (a page array per address space: state, protection, allocation base and
// protection per page, updated only from successful calls' results) must agree with an
// NtQueryVirtualMemory walk of every live process after every step. Views of pagefile-backed
// sections are mapped and unmapped among the allocations (each view one allocation in the model),
// and the machine may run the 'nt' policy, with balance-set ticks between steps.
import fc from 'fast-check'
import { InvariantError } from '../assert.js'
import { capturePointer, captureUlong } from '../captureArguments.js'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Kernel } from '../kernel.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_FREE,
  MEM_RELEASE,
  MEM_RESERVE,
  MEM_RESET,
  MEM_RESET_UNDO,
  MEM_TOP_DOWN,
  PAGE_GUARD,
  PAGE_NOCACHE,
} from '../memoryConstants.js'
import { isKnownNtStatus, ntStatusName, STATUS_GUARD_PAGE_VIOLATION } from '../ntStatus.js'
import { SEC_COMMIT, SECTION_ALL_ACCESS, ViewShare } from '../sectionConstants.js'
import type { Arch } from '../userAddressLimits.js'
import { withInvariantChecks } from '../withInvariantChecks.js'
import { createTestKernel } from './createTestKernel.js'

const PAGE = 0x1000
/** The largest range (in pages) one call may change for the page-array model to follow it. */
const MODEL_PAGES_LIMIT = 4096

/** One page of the model. */
interface PageModel {
  readonly state: number
  readonly protect: number
  readonly allocationBase: number
  readonly allocationProtect: number
}

/** Hostile numbers: negative, NaN, ±Infinity, fractions, unaligned, beyond 2^32 and 2^53, huge. */
export const hostileNumber = fc.constantFrom(
  -1,
  -0x1000,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0.5,
  4097.5,
  0x1001,
  0xfff,
  2 ** 31,
  2 ** 32,
  2 ** 32 + 0x10000,
  2 ** 47,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 64,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  0x7ffe0000,
  0x80000000,
  0xc0000000,
  0xc0300000,
  0xffffffff,
)

const pageCount = fc.integer({ min: 1, max: 24 })
const protection = fc.constantFrom(0x01, 0x02, 0x04, 0x10, 0x20, 0x40, 0x104, 0x102, 0x08, 0x80, 0x204, 0x404)
const allocationType = fc.constantFrom(
  MEM_COMMIT,
  MEM_RESERVE,
  MEM_RESERVE | MEM_COMMIT,
  MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
  MEM_RESET,
  MEM_RESET_UNDO,
  MEM_COMMIT | MEM_RESET,
)
const freeType = fc.constantFrom(MEM_RELEASE, MEM_DECOMMIT, MEM_RELEASE | MEM_DECOMMIT, 0)
const maybeHostile = <T>(plausible: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 1, arbitrary: hostileNumber })

/** Where a call aims: an address picked among those the process already uses, or a fresh one. */
const placement = fc.record({ pick: fc.nat(), offsetPages: fc.integer({ min: -2, max: 8 }) })

/** One step of a program. */
export type Step =
  | {
      readonly op: 'allocate'
      readonly caller: number
      readonly target: number
      readonly at: Placement | number
      readonly pages: number
      readonly type: number
      readonly protect: number
    }
  | {
      readonly op: 'free'
      readonly caller: number
      readonly target: number
      readonly at: Placement | number
      readonly pages: number
      readonly type: number
    }
  | {
      readonly op: 'protect'
      readonly caller: number
      readonly target: number
      readonly at: Placement | number
      readonly pages: number
      readonly protect: number
    }
  | {
      readonly op: 'query'
      readonly caller: number
      readonly target: number
      readonly at: Placement | number
    }
  | {
      readonly op: 'read' | 'write' | 'execute'
      readonly caller: number
      readonly at: Placement | number
      readonly length: number
    }
  | {
      readonly op: 'copy'
      readonly caller: number
      readonly target: number
      readonly at: Placement | number
      readonly length: number
      readonly write: boolean
    }
  | { readonly op: 'handle'; readonly caller: number; readonly which: number; readonly value: number }
  | {
      readonly op: 'map'
      readonly caller: number
      readonly target: number
      readonly at: Placement | number
      readonly pages: number
      readonly protect: number
      /** Touch the view, then unmap it through this page of it (null: the view stays). */
      readonly thenUnmap: number | null
    }
  | {
      readonly op: 'unmap'
      readonly caller: number
      readonly target: number
      readonly at: Placement | number
    }
  | { readonly op: 'tick' }
  | { readonly op: 'terminate' }

type Placement = { readonly pick: number; readonly offsetPages: number }

const caller = fc.integer({ min: 0, max: 2 })
/** 0: NtCurrentProcess, 1..: the handles the caller holds, then hostile handle values. */
const target = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 4 }),
  fc.constantFrom(-2, -3, 3, 5, 0x1000, Number.NaN),
)
/** The caller's own process (mostly), or what `target` names. */
const ownMostly = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: target })
const at = fc.oneof(
  { weight: 5, arbitrary: placement },
  { weight: 1, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constant(0) },
)

/** A random step. */
export const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      op: fc.constant('allocate' as const),
      caller,
      target,
      at,
      pages: maybeHostile(pageCount),
      type: maybeHostile(allocationType),
      protect: maybeHostile(protection),
    }),
  },
  {
    weight: 15,
    arbitrary: fc.record({
      op: fc.constant('free' as const),
      caller,
      target,
      at,
      pages: maybeHostile(fc.integer({ min: 0, max: 8 })),
      type: maybeHostile(freeType),
    }),
  },
  {
    weight: 15,
    arbitrary: fc.record({
      op: fc.constant('protect' as const),
      caller,
      target,
      at,
      pages: maybeHostile(pageCount),
      protect: maybeHostile(protection),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('query' as const), caller, target, at }) },
  {
    weight: 20,
    arbitrary: fc.record({
      op: fc.constantFrom('read' as const, 'write' as const, 'execute' as const),
      caller,
      at,
      length: fc.integer({ min: 1, max: 0x1800 }),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('copy' as const),
      caller,
      target,
      at,
      length: maybeHostile(fc.integer({ min: 0, max: 0x2800 })),
      write: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('handle' as const),
      caller,
      which: fc.integer({ min: 0, max: 3 }),
      value: fc.oneof(fc.integer({ min: 0, max: 40 }), hostileNumber),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('map' as const),
      caller,
      target: ownMostly,
      // 0 (the memory manager picks; mostly), or a placement (MapViewOfFileEx at a base).
      at: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: at }),
      pages: fc.integer({ min: 1, max: 4 }),
      protect: maybeHostile(fc.constantFrom(0x02, 0x04, 0x08, 0x20, 0x40, 0x104)),
      thenUnmap: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 2 }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('unmap' as const), caller, target: ownMostly, at }) },
  { weight: 3, arbitrary: fc.constant({ op: 'tick' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'terminate' as const }) },
) as fc.Arbitrary<Step>

/** What one run did, for reports. */
export interface ProgramReport {
  steps: number
  checks: number
  /** Section views mapped (and unmapped). */
  views?: number
  unmaps?: number
}

/** The machine, its processes and the model of each address space. */
class Harness {
  readonly kernel: Kernel
  readonly pids: number[]
  readonly models = new Map<number, Map<number, PageModel>>()
  readonly counter = { checks: 0 }
  views = 0
  unmaps = 0
  /** Each process's view bases, for unmap placements to aim at. */
  readonly viewBases = new Map<number, number[]>()
  readonly end: number

  constructor(arch: Arch, policy: ReplacementPolicyName) {
    // Under 'nt', a balance-set tick every few references, so trims and writes happen between steps.
    const nt = policy === 'nt' ? { nt: { tickEvery: 7 } } : {}
    const plain = createTestKernel({
      arch,
      physicalMemory: 512 * 1024,
      pageFile: 8 * 1024 * 1024,
      replacementPolicy: policy,
      ...nt,
    }).kernel
    this.kernel = withInvariantChecks(plain, { counter: this.counter })
    this.pids = [0, 1, 2].map((index) => this.kernel.createProcess({ name: `p${index}.exe` }).pid)
    this.end = this.kernel.limits.highestUserAddress + 1
    for (const pid of this.pids) {
      // Each process holds a full-access handle to the next one and a query-only one to the one after.
      const nt = this.kernel.syscalls(pid)
      const next = this.pids[(this.pids.indexOf(pid) + 1) % 3] as number
      const after = this.pids[(this.pids.indexOf(pid) + 2) % 3] as number
      nt.NtOpenProcess(0x1fffff, next)
      nt.NtOpenProcess(0x0400, after)
      this.models.set(pid, this.modelFromQueries(pid))
    }
  }

  live(pid: number): boolean {
    return this.kernel.processes().some((process) => process.pid === pid && !process.exited)
  }

  /** The model as NtQueryVirtualMemory reports it (the starting point: PEB, TEB, shared data). */
  modelFromQueries(pid: number): Map<number, PageModel> {
    const model = new Map<number, PageModel>()
    for (const region of this.regions(pid)) {
      if (region.state === MEM_FREE) continue
      for (let va = region.baseAddress; va < region.baseAddress + region.regionSize; va += PAGE)
        model.set(va, {
          state: region.state,
          protect: region.protect,
          allocationBase: region.allocationBase,
          allocationProtect: region.allocationProtect,
        })
    }
    return model
  }

  regions(pid: number) {
    const nt = this.kernel.syscalls(pid)
    const out = []
    for (let cursor = 0; cursor < this.end; ) {
      const r = nt.NtQueryVirtualMemory(-1, cursor)
      if (r.status !== 0) throw new Error(`query at 0x${cursor.toString(16)}: ${ntStatusName(r.status)}`)
      if (r.info.baseAddress !== cursor || !(r.info.regionSize > 0))
        throw new Error(`region walk broken at 0x${cursor.toString(16)}`)
      out.push(r.info)
      cursor += r.info.regionSize
      if (out.length > 100_000) throw new Error('too many regions')
    }
    return out
  }

  /** The address a placement names in `pid`'s space. */
  address(pid: number, where: Placement | number): number {
    if (typeof where === 'number') return where
    const model = this.models.get(pid)
    const bases =
      model === undefined ? [] : [...new Set([...model.values()].map((page) => page.allocationBase))]
    if (bases.length === 0 || where.pick % 5 === 0)
      return 0x10000 * (16 + (where.pick % 64)) + where.offsetPages * PAGE
    return (bases[where.pick % bases.length] as number) + where.offsetPages * PAGE
  }

  /** The handle a caller passes for `target`, and the pid it names now (undefined: none). */
  handle(callerPid: number, target: number): { handle: number; pid: number | undefined } {
    if (target === 0) return { handle: -1, pid: callerPid }
    const handle = target >= 1 && target <= 4 ? target * 4 : target
    const entry = this.kernel.ob.state.handleTable(callerPid)?.lookup(handle)
    const body = entry === undefined ? undefined : this.kernel.ob.state.object(entry.objectId)?.body
    return { handle, pid: body?.kind === 'Process' && !body.exited ? body.pid : undefined }
  }

  /** Set when a call succeeded over more pages than the model follows (the program then ends). */
  untracked = false

  /** A size argument: pages for plausible counts, the raw hostile number otherwise. */
  size(pages: number): number {
    return Number.isInteger(pages) && pages >= 0 && pages <= 64 ? pages * PAGE : pages
  }

  /** Runs one step, checks its status and updates the model. */
  run(s: Step): void {
    if (s.op === 'tick') {
      this.kernel.tick()
      return
    }
    if (s.op === 'terminate') {
      const last = this.pids[2] as number
      if (this.live(last)) {
        this.kernel.terminateProcess(last)
        this.models.delete(last)
      }
      return
    }
    const callerPid = this.pids[s.caller] as number
    if (!this.live(callerPid)) return
    const nt = this.kernel.syscalls(callerPid)
    const known = (status: number, what: string) => {
      if (!isKnownNtStatus(status))
        throw new Error(`${what} returned unknown status 0x${(status >>> 0).toString(16)}`)
      return status
    }
    const succeeded = (status: number, what: string, pid: number | undefined) => {
      known(status, what)
      if (status === 0 && pid === undefined) throw new Error(`${what} succeeded through an invalid handle`)
      // A process outside the three (the System process, pid 4) is not modelled.
      return status === 0 && pid !== undefined && this.models.has(pid)
    }
    switch (s.op) {
      case 'allocate': {
        const { handle, pid } = this.handle(callerPid, s.target)
        const base = this.address(pid ?? callerPid, s.at)
        const r = nt.NtAllocateVirtualMemory(handle, base, 0, this.size(s.pages), s.type, s.protect)
        if (!succeeded(r.status, `allocate ${JSON.stringify(s)}`, pid)) return
        if (r.regionSize > MODEL_PAGES_LIMIT * PAGE) {
          this.untracked = true
          return
        }
        this.applyAllocate(
          pid as number,
          r.baseAddress,
          r.regionSize,
          captureUlong(s.type) ?? 0,
          captureUlong(s.protect) ?? 0,
        )
        return
      }
      case 'free': {
        const { handle, pid } = this.handle(callerPid, s.target)
        const r = nt.NtFreeVirtualMemory(
          handle,
          this.address(pid ?? callerPid, s.at),
          this.size(s.pages),
          s.type,
        )
        if (!succeeded(r.status, `free ${JSON.stringify(s)}`, pid)) return
        if (r.regionSize > MODEL_PAGES_LIMIT * PAGE) {
          this.untracked = true
          return
        }
        const model = this.models.get(pid as number) as Map<number, PageModel>
        const end = r.baseAddress + r.regionSize
        const release = captureUlong(s.type) === MEM_RELEASE
        const released = model.get(r.baseAddress)?.allocationBase
        if (release && released !== undefined) {
          // A partial release splits the allocation (the VAD): what follows the freed range is a
          // new allocation starting at its end.
          for (const [va, page] of model)
            if (va >= end && page.allocationBase === released) model.set(va, { ...page, allocationBase: end })
        }
        for (let va = r.baseAddress; va < end; va += PAGE) {
          const page = model.get(va)
          if (release) model.delete(va)
          else if (page !== undefined) model.set(va, { ...page, state: MEM_RESERVE, protect: 0 })
        }
        return
      }
      case 'protect': {
        const { handle, pid } = this.handle(callerPid, s.target)
        const r = nt.NtProtectVirtualMemory(
          handle,
          this.address(pid ?? callerPid, s.at),
          this.size(s.pages),
          s.protect,
        )
        if (!succeeded(r.status, `protect ${JSON.stringify(s)}`, pid)) return
        if (r.regionSize > MODEL_PAGES_LIMIT * PAGE) {
          this.untracked = true
          return
        }
        const model = this.models.get(pid as number) as Map<number, PageModel>
        for (let va = r.baseAddress; va < r.baseAddress + r.regionSize; va += PAGE) {
          const page = model.get(va)
          if (page?.state !== MEM_COMMIT)
            throw new Error(`protect succeeded on uncommitted 0x${va.toString(16)}`)
          // PAGE_NOCACHE follows the allocation: kept when it was allocated so, dropped otherwise.
          const requested = captureUlong(s.protect) ?? 0
          const protect = ((requested & ~PAGE_NOCACHE) | (page.allocationProtect & PAGE_NOCACHE)) >>> 0
          model.set(va, { ...page, protect })
        }
        return
      }
      case 'query': {
        const { handle, pid } = this.handle(callerPid, s.target)
        succeeded(nt.NtQueryVirtualMemory(handle, this.address(pid ?? callerPid, s.at)).status, 'query', pid)
        return
      }
      case 'read':
      case 'write':
      case 'execute': {
        const cpu = this.kernel.cpu(callerPid)
        const va = this.address(callerPid, s.at)
        const result =
          s.op === 'read'
            ? cpu.read(va, s.length)
            : s.op === 'write'
              ? cpu.write(va, new Uint8Array(s.length).fill(0xa5))
              : cpu.execute(va)
        known(result.status, s.op)
        if (result.status === STATUS_GUARD_PAGE_VIOLATION && result.exception !== undefined)
          this.clearGuard(callerPid, result.exception.address)
        return
      }
      case 'copy': {
        const { handle, pid } = this.handle(callerPid, s.target)
        const va = this.address(pid ?? callerPid, s.at)
        const bytes = Math.max(0, Math.min(0x4000, Number.isFinite(s.length) ? Math.floor(s.length) : 0))
        const r = s.write
          ? nt.NtWriteVirtualMemory(handle, va, new Uint8Array(bytes))
          : nt.NtReadVirtualMemory(handle, va, s.length)
        const copied = 'bytesRead' in r ? r.bytesRead : r.bytesWritten
        // A copy of zero bytes (also a size that SIZE_T truncates to 0) succeeds before the handle
        // is even looked at, as on Windows.
        if (r.status === 0 && copied === 0) known(r.status, 'copy')
        else if (succeeded(r.status, `copy ${JSON.stringify(s)}`, pid) || r.status !== 0) {
          // The copy takes page faults as the target's thread would: the first guard page it
          // touches raises STATUS_GUARD_PAGE_VIOLATION (ending the copy) and loses PAGE_GUARD.
          if (pid !== undefined && this.models.has(pid)) this.consumeFirstGuard(pid, va, bytes)
        }
        return
      }
      case 'map': {
        const { handle, pid } = this.handle(callerPid, s.target)
        const section = nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, s.pages * PAGE, 0x04, SEC_COMMIT, 0)
        known(section.status, 'create section')
        const base = s.at === 0 ? 0 : this.address(pid ?? callerPid, s.at)
        const r = nt.NtMapViewOfSection(
          section.handle,
          handle,
          base,
          0,
          0,
          undefined,
          0,
          ViewShare,
          0,
          s.protect,
        )
        // The view holds the section: the handle goes whether or not the map succeeded.
        nt.NtClose(section.handle)
        if (!succeeded(r.status, `map ${JSON.stringify(s)}`, pid)) return
        const protect = captureUlong(s.protect) ?? 0
        const model = this.models.get(pid as number) as Map<number, PageModel>
        for (let va = r.baseAddress; va < r.baseAddress + r.viewSize; va += PAGE) {
          if (model.has(va)) throw new Error(`map succeeded over used 0x${va.toString(16)}`)
          model.set(va, {
            state: MEM_COMMIT,
            protect,
            allocationBase: r.baseAddress,
            allocationProtect: protect,
          })
        }
        this.views++
        this.viewBases.set(pid as number, [...(this.viewBases.get(pid as number) ?? []), r.baseAddress])
        if (s.thenUnmap !== null && pid === callerPid) {
          // Touched through the view (as its protection allows), then unmapped through one of its
          // pages or the page past its end (STATUS_NOT_MAPPED_VIEW).
          const cpu = this.kernel.cpu(callerPid)
          for (const result of [cpu.write(r.baseAddress, [1]), cpu.read(r.baseAddress + r.viewSize - 1, 1)]) {
            known(result.status, 'access to the view')
            // A PAGE_GUARD view loses the guard of the page the access raised it on.
            if (result.status === STATUS_GUARD_PAGE_VIOLATION && result.exception !== undefined)
              this.clearGuard(callerPid, result.exception.address)
          }
          const inside = s.thenUnmap * PAGE < r.viewSize
          const unmapped = nt.NtUnmapViewOfSection(-1, r.baseAddress + s.thenUnmap * PAGE).status
          known(unmapped, 'unmap')
          if ((unmapped === 0) !== (inside || model.has(r.baseAddress + s.thenUnmap * PAGE)))
            throw new Error(
              `unmap at page ${s.thenUnmap} of a ${r.viewSize}-byte view: 0x${unmapped.toString(16)}`,
            )
          if (inside) {
            for (let va = r.baseAddress; va < r.baseAddress + r.viewSize; va += PAGE) model.delete(va)
            this.unmaps++
          }
        }
        return
      }
      case 'unmap': {
        const { handle, pid } = this.handle(callerPid, s.target)
        // A placement aims into one of the process's views (inside it, or just past its end).
        const views = this.viewBases.get(pid ?? callerPid) ?? []
        const va =
          typeof s.at === 'number' || views.length === 0
            ? this.address(pid ?? callerPid, s.at)
            : (views[s.at.pick % views.length] as number) + (Math.abs(s.at.offsetPages) % 3) * PAGE
        const r = nt.NtUnmapViewOfSection(handle, va)
        if (!succeeded(r.status, `unmap ${JSON.stringify(s)}`, pid)) return
        const model = this.models.get(pid as number) as Map<number, PageModel>
        // The address as the service captured it (a pointer-sized value: mod 2^32 on x86).
        const captured = capturePointer(va, this.kernel.limits) ?? va
        const view = model.get(captured - (captured % PAGE))?.allocationBase
        if (view === undefined) throw new Error(`unmap succeeded at unused 0x${captured.toString(16)}`)
        for (const [page, entry] of model) if (entry.allocationBase === view) model.delete(page)
        this.unmaps++
        return
      }
      case 'handle': {
        const status =
          s.which === 0
            ? nt.NtClose(s.value).status
            : s.which === 1
              ? nt.NtOpenProcess(
                  s.value % 2 === 0 ? 0x1fffff : 0x0410,
                  this.pids[Math.abs(s.value) % 3] ?? s.value,
                ).status
              : s.which === 2
                ? nt.NtDuplicateObject(-1, s.value, -1, 0, 0x0400, 0).status
                : nt.NtOpenProcess(0x1fffff, s.value).status
        known(status, `handle ${JSON.stringify(s)}`)
        return
      }
    }
  }

  applyAllocate(pid: number, base: number, size: number, type: number, protect: number): void {
    const model = this.models.get(pid) as Map<number, PageModel>
    let fresh = true
    for (let va = base; va < base + size; va += PAGE) if (model.has(va)) fresh = false
    // MEM_RESET changes nothing in a committed range; with a NULL base it takes the reserve path
    // (ReactOS, NT-SEMANTICS 2.2b) and so reserves.
    if ((type & (MEM_RESET | MEM_RESET_UNDO)) !== 0 && !fresh) return
    const commit = (type & MEM_COMMIT) !== 0
    for (let va = base; va < base + size; va += PAGE) {
      const page = model.get(va)
      if (fresh)
        model.set(va, {
          state: commit ? MEM_COMMIT : MEM_RESERVE,
          protect: commit ? protect : 0,
          allocationBase: base,
          allocationProtect: protect,
        })
      else if (page === undefined) throw new Error(`commit succeeded over free 0x${va.toString(16)}`)
      else model.set(va, { ...page, state: MEM_COMMIT, protect })
    }
  }

  consumeFirstGuard(pid: number, start: number, length: number): void {
    const model = this.models.get(pid) as Map<number, PageModel>
    if (!Number.isSafeInteger(start) || start < 0 || length <= 0) return
    for (let va = start - (start % PAGE); va < start + length; va += PAGE) {
      const page = model.get(va)
      if (page === undefined || page.state !== MEM_COMMIT) return
      if ((page.protect & PAGE_GUARD) !== 0) {
        const now = this.kernel.syscalls(pid).NtQueryVirtualMemory(-1, va).info.protect
        if ((now & PAGE_GUARD) === 0) this.clearGuard(pid, va)
        return
      }
    }
  }

  clearGuard(pid: number, address: number): void {
    const model = this.models.get(pid) as Map<number, PageModel>
    const va = address - (address % PAGE)
    const page = model.get(va)
    if (page !== undefined) model.set(va, { ...page, protect: page.protect & ~PAGE_GUARD })
  }

  /** Compares every live address space with its model; throws on the first disagreement. */
  compare(): void {
    for (const pid of this.pids) {
      if (!this.live(pid)) continue
      const model = this.models.get(pid) as Map<number, PageModel>
      let pages = 0
      let previous: ReturnType<Harness['regions']>[number] | undefined
      for (const region of this.regions(pid)) {
        if (
          previous !== undefined &&
          previous.state === region.state &&
          previous.protect === region.protect &&
          previous.allocationBase === region.allocationBase &&
          region.state !== MEM_FREE
        )
          throw new Error(
            `process ${pid}: regions at 0x${previous.baseAddress.toString(16)} and 0x${region.baseAddress.toString(16)} should be one`,
          )
        previous = region
        if (region.state === MEM_FREE) continue
        for (let va = region.baseAddress; va < region.baseAddress + region.regionSize; va += PAGE) {
          pages++
          const page = model.get(va)
          const seen = `state 0x${region.state.toString(16)} protect 0x${region.protect.toString(16)} base 0x${region.allocationBase.toString(16)}/0x${region.allocationProtect.toString(16)}`
          if (
            page === undefined ||
            page.state !== region.state ||
            page.allocationBase !== region.allocationBase ||
            page.allocationProtect !== region.allocationProtect ||
            (page.state === MEM_COMMIT && page.protect !== region.protect)
          )
            throw new Error(
              `process ${pid}: page 0x${va.toString(16)} is ${seen}; the model says ${JSON.stringify(page)}`,
            )
        }
      }
      if (pages !== model.size)
        throw new Error(`process ${pid}: ${model.size} pages in the model, ${pages} reported`)
    }
  }
}

/**
 * Runs `steps` on a fresh machine of `arch` under `policy` ('working-set' unless given: the policy
 * the soak's published runs used); throws on the first failure (InvariantError included).
 */
export function runProgram(
  arch: Arch,
  steps: readonly Step[],
  report?: ProgramReport,
  policy: ReplacementPolicyName = 'working-set',
): void {
  const harness = new Harness(arch, policy)
  harness.compare()
  for (const s of steps) {
    try {
      harness.run(s)
    } catch (error) {
      if (error instanceof InvariantError) throw error
      throw new Error(`step ${JSON.stringify(s)}: ${(error as Error).message}`, { cause: error })
    }
    if (harness.untracked) break
    harness.compare()
  }
  if (report) {
    report.steps += steps.length
    report.checks += harness.counter.checks
    report.views = (report.views ?? 0) + harness.views
    report.unmaps = (report.unmaps ?? 0) + harness.unmaps
  }
}

/** The property: random programs on `arch` never fail (for fc.assert / fc.check). */
export function programProperty(
  arch: Arch,
  options: {
    readonly maxSteps?: number
    readonly report?: ProgramReport
    /** The machine's replacement policy (default 'working-set'). */
    readonly policy?: ReplacementPolicyName
  } = {},
) {
  return fc.property(fc.array(step, { maxLength: options.maxSteps ?? 30, size: 'max' }), (steps) => {
    runProgram(arch, steps, options.report, options.policy)
  })
}
