// The debug mode: a kernel whose every operation (each Nt* service, Win32 call, CPU access,
// process creation and termination) is followed by checkKernelInvariants, throwing an
// InvariantError that names the operation and the violations. Slow by design (whole page-table
// walks per operation): for tests, fuzzers and hunting a bug, not for recording long runs.
import { InvariantError } from './assert.js'
import { checkKernelInvariants, type KernelInvariantOptions } from './checkKernelInvariants.js'
import type { Kernel } from './kernel.js'

/** How often and what to check. */
export interface InvariantCheckOptions extends Omit<KernelInvariantOptions, 'traceFrom'> {
  /** 'every-operation' (default) or every Nth operation. */
  readonly every?: 'every-operation' | number
  /** Counts the checks run (for reports): incremented after each check. */
  readonly counter?: { checks: number }
}

const FACADES = new Set(['syscalls', 'cpu', 'win32'])
const OPERATIONS = new Set(['createProcess', 'terminateProcess'])

/**
 * `kernel` seen through a proxy that checks every invariant after each operation. The returned
 * object is used exactly like the kernel; the kernel itself stays unchecked.
 * @throws InvariantError (from the operations) naming the operation and what broke.
 */
export function withInvariantChecks(kernel: Kernel, options: InvariantCheckOptions = {}): Kernel {
  const every = options.every === undefined || options.every === 'every-operation' ? 1 : options.every
  if (!Number.isInteger(every) || every < 1)
    throw new RangeError(`every ${String(options.every)} must be 'every-operation' or a positive integer`)
  let operations = 0
  let traceChecked = 0
  const check = (operation: string): void => {
    if (++operations % every !== 0) return
    const problems = checkKernelInvariants(kernel, { ...options, traceFrom: traceChecked })
    traceChecked = kernel.trace?.length ?? 0
    if (options.counter) options.counter.checks++
    if (problems.length > 0)
      throw new InvariantError(`after ${operation}: ${problems.slice(0, 8).join('; ')}`)
  }
  const wrapFacade = <T extends object>(facade: T, name: string): T =>
    new Proxy(facade, {
      get(target, key) {
        const value = Reflect.get(target, key, target)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          const result = value.apply(target, args)
          check(`${name}.${String(key)}`)
          return result
        }
      },
    })
  const wrapped = new WeakMap<object, object>()
  return new Proxy(kernel, {
    get(target, key) {
      const value = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      const name = String(key)
      if (FACADES.has(name))
        return (pid: number) => {
          const facade = value.call(target, pid) as object
          let proxy = wrapped.get(facade)
          if (proxy === undefined) {
            proxy = wrapFacade(facade, `${name}(${pid})`)
            wrapped.set(facade, proxy)
          }
          return proxy
        }
      if (OPERATIONS.has(name))
        return (...args: unknown[]) => {
          const result = value.apply(target, args)
          check(name)
          return result
        }
      return value.bind(target)
    },
  })
}
