import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DUPLICATE_CLOSE_SOURCE, DUPLICATE_SAME_ACCESS } from './accessRights.js'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { KERNEL_EVENT_TYPES } from './kernelState.js'
import { machineModel } from './machineModel.js'
import type { MachineEvent } from './machineSchema.js'
import { MEM_COMMIT, MEM_RESERVE, MEM_WRITE_WATCH, PAGE_READWRITE } from './memoryConstants.js'

/** What a random program does; indices pick among the live processes and the handles they hold. */
type Operation =
  | { readonly kind: 'create' }
  | { readonly kind: 'terminate'; readonly process: number }
  | { readonly kind: 'open'; readonly caller: number; readonly target: number; readonly access: number }
  | { readonly kind: 'close'; readonly caller: number; readonly handle: number }
  | { readonly kind: 'duplicate'; readonly caller: number; readonly handle: number; readonly close: boolean }
  | { readonly kind: 'lastError'; readonly caller: number; readonly value: number }
  | { readonly kind: 'watch'; readonly caller: number; readonly pages: number }
  | { readonly kind: 'query'; readonly caller: number }

const index = fc.nat({ max: 7 })
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.constant({ kind: 'create' as const }),
  fc.record({ kind: fc.constant('terminate' as const), process: index }),
  fc.record({
    kind: fc.constant('open' as const),
    caller: index,
    target: index,
    access: fc.constantFrom(0x1fffff, 0x10, 0x400, 0x8),
  }),
  fc.record({ kind: fc.constant('close' as const), caller: index, handle: index }),
  fc.record({ kind: fc.constant('duplicate' as const), caller: index, handle: index, close: fc.boolean() }),
  fc.record({ kind: fc.constant('lastError' as const), caller: index, value: fc.constantFrom(0, 5, 87) }),
  fc.record({ kind: fc.constant('watch' as const), caller: index, pages: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('query' as const), caller: index }),
)

/** The per-access and input kinds: they change no object-manager or Kernel state. */
const HARDWARE_SIDE = new Set(['nt.cpuAccess', 'nt.cpuWriteData', 'nt.cpuWriteWords', 'nt.debugInput'])

/** Runs `operations` on a small machine; returns it and its nt.* and Kernel events, in order. */
function run(operations: readonly Operation[]): { kernel: Kernel; events: MachineEvent[] } {
  const events: MachineEvent[] = []
  const kernel = createKernel({
    physicalMemory: 2 * 1024 * 1024,
    pageFile: 2 * 1024 * 1024,
    onEvent: ({ event }) => {
      if (event.type.startsWith('nt.') && !HARDWARE_SIDE.has(event.type)) events.push(event as MachineEvent)
    },
  })
  const handles = new Map<number, number[]>()
  const live = () => kernel.processes().filter((process) => !process.exited)
  const pick = (choice: number) => {
    const processes = live()
    return processes.length === 0 ? undefined : processes[choice % processes.length]!.pid
  }
  kernel.createProcess()
  for (const step of operations) {
    if (step.kind === 'create') {
      if (live().length < 5) kernel.createProcess()
      continue
    }
    const pid = pick(step.kind === 'terminate' ? step.process : step.caller)
    if (pid === undefined) continue
    const owned = handles.get(pid) ?? []
    handles.set(pid, owned)
    const nt = kernel.syscalls(pid)
    switch (step.kind) {
      case 'terminate':
        kernel.terminateProcess(pid)
        break
      case 'open': {
        const target = pick(step.target)!
        const opened = nt.NtOpenProcess(step.access, target)
        if (opened.status === 0) owned.push(opened.handle)
        break
      }
      case 'close': {
        // One choice in (held + 1) closes a handle value that was never opened.
        const at = step.handle % (owned.length + 1)
        nt.NtClose(owned.splice(at, 1)[0] ?? 4 * (step.handle + 20))
        break
      }
      case 'duplicate': {
        const source = owned[step.handle % Math.max(1, owned.length)] ?? 4
        const options = DUPLICATE_SAME_ACCESS | (step.close ? DUPLICATE_CLOSE_SOURCE : 0)
        const duplicated = nt.NtDuplicateObject(-1, source, -1, 0, 0, options)
        if (step.close) owned.splice(owned.indexOf(source), 1)
        if (duplicated.status === 0 && duplicated.targetHandle !== undefined)
          owned.push(duplicated.targetHandle)
        break
      }
      case 'lastError':
        kernel.win32(pid).SetLastError(step.value)
        break
      case 'watch': {
        const size = step.pages * 0x1000
        const allocation = MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH
        const base = kernel.win32(pid).VirtualAlloc(0, size, allocation, PAGE_READWRITE)
        for (let page = 0; base !== 0 && page < size; page += 0x1000) kernel.cpu(pid).write(base + page, [1])
        break
      }
      case 'query':
        nt.NtQueryVirtualMemory(-1, 0x10000)
        break
    }
  }
  return { kernel, events }
}

describe('machineModel', () => {
  it('undoes random object, handle and process events one by one back through every earlier digest', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), (operations) => {
        const { kernel, events } = run(operations)
        const model = machineModel(kernel.config)
        let state = model.initial(kernel.config)
        const digests = [model.digest(state)]
        for (const event of events) {
          state = model.apply(state, event)
          digests.push(model.digest(state))
        }
        expect(state.ob.digestInput()).toBe(kernel.ob.state.digestInput())
        for (let position = events.length; position > 0; position--) {
          const previous = model.undo?.(state, events[position - 1]!)
          expect(previous).toBeDefined()
          state = previous!
          expect(model.digest(state)).toBe(digests[position - 1])
        }
      }),
      { numRuns: 40 },
    )
  })

  it('cannot undo an event applied before the state was restored: the timeline restores a checkpoint', () => {
    const { kernel, events } = run([
      { kind: 'create' },
      { kind: 'open', caller: 0, target: 1, access: 0x1fffff },
    ])
    const model = machineModel(kernel.config)
    let state = model.initial(kernel.config)
    for (const event of events) state = model.apply(state, event)
    const restored = model.restore(model.checkpoint(state))
    const last = events.findLast((event) => event.type === 'nt.handleCreated')!
    const kernelEvent = events.findLast((event) => KERNEL_EVENT_TYPES.includes(event.type as never))!
    expect(model.undo?.(restored, last)).toBeUndefined()
    expect(model.undo?.(restored, kernelEvent)).toBeUndefined()
    expect(model.digest(restored)).toBe(model.digest(state))
    // An event that changes no state undoes by doing nothing, journal or not.
    const returned = events.findLast((event) => event.type === 'nt.syscallReturned')!
    expect(model.undo?.(restored, returned)).toBe(restored)
  })
})
