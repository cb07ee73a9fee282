// Playing a scenario script on a narrated machine: its processes are created in order (pids 4, 8,
// …), each step runs as a system call or a CPU access of a process's thread, its out-values can be
// saved into variables, and its expectations are checked (a mismatch is a finding, exit code 1).
// Everything a script can get wrong without running — an unknown constant, a variable used before
// it is saved, a missing argument, an unknown process — is found first, with its place.

import {
  MemoryFlag,
  NtStatus,
  ntStatusName,
  PageProtection,
  ProcessAccess,
  pageProtectionName,
} from '@ntmm/nt-syscalls'
import { CliError } from './cliError.js'
import { hex, parseNumber } from './format.js'
import type { MachineConfig } from './machine.js'
import { Narrator } from './narrator.js'
import type { Script, ScriptStep } from './scriptSchema.js'
import { findView } from './views/inspectViews.js'

const constants: Readonly<Record<string, number>> = {
  ...MemoryFlag,
  ...PageProtection,
  ...ProcessAccess,
  NtCurrentProcess: -1,
}

/** Parameters of each service: name → default (undefined: required). */
const parameters: Readonly<Record<string, Readonly<Record<string, number | string | undefined>>>> = {
  NtAllocateVirtualMemory: {
    processHandle: -1,
    baseAddress: 0,
    zeroBits: 0,
    regionSize: undefined,
    allocationType: undefined,
    protect: undefined,
  },
  NtFreeVirtualMemory: { processHandle: -1, baseAddress: undefined, regionSize: 0, freeType: undefined },
  NtProtectVirtualMemory: {
    processHandle: -1,
    baseAddress: undefined,
    regionSize: undefined,
    newProtect: undefined,
  },
  NtQueryVirtualMemory: { processHandle: -1, baseAddress: undefined },
  NtReadVirtualMemory: { processHandle: -1, baseAddress: undefined, size: undefined },
  NtWriteVirtualMemory: { processHandle: -1, baseAddress: undefined, data: undefined },
  NtOpenProcess: { desiredAccess: undefined, process: undefined },
  NtClose: { handle: undefined },
}

type Value = number | string

/** Evaluates a script value: an integer or an expression (`MEM_RESERVE|MEM_COMMIT`, `$base+0x10`). */
export function evaluate(value: Value, variables: ReadonlyMap<string, number>): number {
  if (typeof value === 'number') return value
  const tokens = value.trim().split(/\s*([+\-|])\s*/)
  if (tokens[0] === '' && tokens[1] === '-') tokens[0] = '0'
  let result = 0
  for (let index = 0; index < tokens.length; index += 2) {
    const token = tokens[index]!
    if (token === '') throw new Error(`'${value}' is not an expression`)
    const term = termValue(token, variables)
    const operator = index === 0 ? '+' : tokens[index - 1]
    if (operator === '+') result += term
    else if (operator === '-') result -= term
    else result = Number(BigInt.asUintN(64, BigInt(result)) | BigInt.asUintN(64, BigInt(term)))
  }
  return result
}

function termValue(token: string, variables: ReadonlyMap<string, number>): number {
  if (token.startsWith('$')) {
    const variable = variables.get(token.slice(1))
    if (variable === undefined) throw new Error(`variable ${token} is not saved by an earlier step`)
    return variable
  }
  const number = parseNumber(token)
  if (number !== undefined) return number
  const constant = constants[token]
  if (constant !== undefined) return constant
  throw new Error(`unknown name '${token}' (not a number, a MEM_*/PAGE_*/PROCESS_* constant or a $variable)`)
}

function statusValue(text: string): number | undefined {
  const number = parseNumber(text)
  if (number !== undefined) return number >>> 0
  return (NtStatus as Readonly<Record<string, number>>)[text]
}

function bytesOf(value: unknown): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : Uint8Array.from(value as number[])
}

/** Checks everything that can be checked without running; throws a CliError naming the place. */
export function checkScript(script: Script, file: string): void {
  const names = new Set(script.processes.map((process) => process.name))
  if (names.size !== script.processes.length)
    throw new CliError(`${file}: processes: two processes have the same name`)
  const variables = new Map<string, number>()
  const check = (where: string, value: Value | undefined) => {
    if (value === undefined) return
    try {
      evaluate(value, variables)
    } catch (error) {
      throw new CliError(`${file}: ${where}: ${(error as Error).message}`)
    }
  }
  for (const field of ['physicalMemory', 'pageFile'] as const)
    check(`machine.${field}`, script.machine?.[field])
  for (const [index, step] of script.steps.entries()) {
    const at = `steps[${index}]`
    if ('process' in step && step.process !== undefined && !names.has(step.process))
      throw new CliError(
        `${file}: ${at}.process: no process '${step.process}' (processes: ${[...names].join(', ')})`,
      )
    if ('call' in step) {
      const known = parameters[step.call]!
      const args = step.args ?? {}
      for (const name of Object.keys(args))
        if (!(name in known))
          throw new CliError(
            `${file}: ${at}.args.${name}: ${step.call} has no parameter '${name}' (parameters: ${Object.keys(known).join(', ')})`,
          )
      for (const [name, fallback] of Object.entries(known)) {
        const value = args[name]
        if (value === undefined && fallback === undefined)
          throw new CliError(`${file}: ${at}.args.${name}: required by ${step.call}`)
        if (name === 'data') continue
        if (name === 'process' && typeof value === 'string' && names.has(value)) continue
        if (Array.isArray(value))
          throw new CliError(`${file}: ${at}.args.${name}: a number or an expression, not an array`)
        check(`${at}.args.${name}`, value as Value | undefined)
      }
    }
    if ('access' in step) {
      check(`${at}.address`, step.address)
      check(`${at}.length`, step.length)
      if (step.access === 'write' && step.data === undefined)
        throw new CliError(`${file}: ${at}.data: a write needs data`)
    }
    if ('show' in step) {
      check(`${at}.address`, step.address)
      if (step.show === 'pte' && step.address === undefined)
        throw new CliError(`${file}: ${at}.address: the pte view needs an address`)
    }
    if ('expect' in step && step.expect !== undefined) {
      for (const [name, value] of Object.entries(step.expect)) {
        if (name === 'status' || name === 'exception') {
          if (value !== 'none' && statusValue(value as string) === undefined)
            throw new CliError(`${file}: ${at}.expect.${name}: unknown NTSTATUS '${String(value)}'`)
        } else if (name !== 'data') check(`${at}.expect.${name}`, value as Value)
      }
    }
    if ('save' in step && step.save !== undefined)
      for (const variable of Object.values(step.save)) variables.set(variable, 0)
  }
}

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  readonly verbose?: boolean
  /** Record the whole machine (kernel.trace) for `ntmm record`. */
  readonly record?: boolean
  /** Overrides of the script's machine (command-line flags). */
  readonly machine?: MachineConfig
}

/** Plays a checked script; the narrator holds the log, the expectations and the final machine. */
export function runScript(script: Script, file: string, options: RunScriptOptions = {}): Narrator {
  checkScript(script, file)
  const variables = new Map<string, number>()
  const machine = script.machine ?? {}
  const config: MachineConfig = {
    ...(machine.arch === undefined ? {} : { arch: machine.arch }),
    ...(machine.physicalMemory === undefined
      ? {}
      : { physicalMemory: evaluate(machine.physicalMemory, variables) }),
    ...(machine.pageFile === undefined ? {} : { pageFile: evaluate(machine.pageFile, variables) }),
    ...(machine.tlb === undefined
      ? {}
      : {
          tlb:
            typeof machine.tlb === 'string'
              ? machine.tlb
              : {
                  data: {
                    entries: machine.tlb.entries,
                    ways: machine.tlb.ways,
                    ...(machine.tlb.policy === undefined ? {} : { policy: machine.tlb.policy }),
                  },
                },
        }),
    ...(machine.replacementPolicy === undefined ? {} : { replacementPolicy: machine.replacementPolicy }),
    ...options.machine,
  }
  let n: Narrator
  try {
    n = new Narrator(config, { verbose: options.verbose === true, record: options.record === true })
  } catch (error) {
    throw new CliError(`${file}: machine: ${(error as Error).message}`)
  }
  const pids = new Map<string, number>()
  n.quietly(() => {
    for (const [index, process] of script.processes.entries()) {
      try {
        pids.set(process.name, n.kernel.createProcess({ name: process.name }).pid)
      } catch (error) {
        // A machine too small for its processes' paging structures (a page directory is never paged out).
        throw new CliError(
          `${file}: processes[${index}] '${process.name}': cannot be created (${(error as Error).message}); give the machine more physicalMemory`,
        )
      }
    }
  })
  const firstName = script.processes[0]!.name
  n.say(
    `ntmm: ${script.name ?? file} on an ${n.kernel.arch} machine; processes: ${[...pids].map(([name, pid]) => `${name} (${pid})`).join(', ')}`,
  )
  if (script.description !== undefined) n.say(script.description)
  for (const [index, step] of script.steps.entries()) {
    playStep(n, step, index, { pids, variables, firstName })
  }
  return n
}

interface StepContext {
  readonly pids: ReadonlyMap<string, number>
  readonly variables: Map<string, number>
  readonly firstName: string
}

function playStep(n: Narrator, step: ScriptStep, index: number, context: StepContext): void {
  const { pids, variables } = context
  const value = (input: Value) => evaluate(input, variables)
  const title = `${index + 1}.`
  if ('call' in step) {
    const name = step.process ?? context.firstName
    const nt = n.kernel.syscalls(pids.get(name)!)
    const defaults = parameters[step.call]!
    const arg = (key: string) => {
      const given = step.args?.[key] ?? defaults[key]
      if (key === 'process' && typeof given === 'string' && pids.has(given)) return pids.get(given)!
      return value(given as Value)
    }
    n.step(`${title} ${name}: ${step.call}${step.note === undefined ? '' : ` — ${step.note}`}`)
    let call: { readonly status: number }
    switch (step.call) {
      case 'NtAllocateVirtualMemory':
        call = nt.NtAllocateVirtualMemory(
          arg('processHandle'),
          arg('baseAddress'),
          arg('zeroBits'),
          arg('regionSize'),
          arg('allocationType'),
          arg('protect'),
        )
        break
      case 'NtFreeVirtualMemory':
        call = nt.NtFreeVirtualMemory(
          arg('processHandle'),
          arg('baseAddress'),
          arg('regionSize'),
          arg('freeType'),
        )
        break
      case 'NtProtectVirtualMemory':
        call = nt.NtProtectVirtualMemory(
          arg('processHandle'),
          arg('baseAddress'),
          arg('regionSize'),
          arg('newProtect'),
        )
        break
      case 'NtQueryVirtualMemory': {
        const query = nt.NtQueryVirtualMemory(arg('processHandle'), arg('baseAddress'))
        call = { status: query.status, ...query.info }
        break
      }
      case 'NtReadVirtualMemory':
        call = nt.NtReadVirtualMemory(arg('processHandle'), arg('baseAddress'), arg('size'))
        break
      case 'NtWriteVirtualMemory':
        call = nt.NtWriteVirtualMemory(arg('processHandle'), arg('baseAddress'), bytesOf(step.args?.data))
        break
      case 'NtOpenProcess':
        call = nt.NtOpenProcess(arg('desiredAccess'), arg('process'))
        break
      case 'NtClose':
        call = nt.NtClose(arg('handle'))
        break
    }
    const result = call as unknown as Readonly<Record<string, unknown>> & { readonly status: number }
    const out = Object.entries(result)
      .filter(([key, item]) => key !== 'status' && typeof item === 'number')
      .map(
        ([key, item]) =>
          `${key} ${key.toLowerCase().includes('protect') ? pageProtectionName(item as number) : hex(item as number, 0)}`,
      )
    n.say(`   → ${ntStatusName(result.status)}${out.length === 0 ? '' : `, ${out.join(', ')}`}`)
    for (const [key, variable] of Object.entries(step.save ?? {})) {
      const saved = result[key]
      if (typeof saved !== 'number')
        throw new CliError(`steps[${index}].save.${key}: ${step.call} has no numeric out-value '${key}'`)
      variables.set(variable, saved)
    }
    if (step.expect !== undefined) checkExpectations(n, step.expect, result, variables)
    return
  }
  if ('access' in step) {
    const name = step.process ?? context.firstName
    const cpu = n.kernel.cpu(pids.get(name)!)
    const address = value(step.address)
    n.step(
      `${title} ${name}: CPU ${step.access} at ${hex(address)}${step.note === undefined ? '' : ` — ${step.note}`}`,
    )
    const result =
      step.access === 'read'
        ? cpu.read(address, step.length === undefined ? 1 : value(step.length))
        : step.access === 'write'
          ? cpu.write(address, bytesOf(step.data))
          : cpu.execute(address)
    const data =
      'data' in result ? ` [${[...(result.data as Uint8Array)].map((byte) => hex(byte, 2)).join(' ')}]` : ''
    n.say(
      `   → ${ntStatusName(result.status)}${result.exception === undefined ? '' : ` (exception ${ntStatusName(result.exception.code)}, access ${result.exception.accessKind}, address ${hex(result.exception.address)})`}${data}`,
    )
    if (step.expect !== undefined)
      checkExpectations(
        n,
        step.expect,
        result as unknown as Readonly<Record<string, unknown>> & { status: number },
        variables,
      )
    return
  }
  if ('show' in step) {
    const pid = pids.get(step.process ?? context.firstName)!
    n.step(`${title} !${step.show}`)
    n.quietly(() => {
      const view = findView(step.show).render(n.kernel, {
        pid,
        ...(step.address === undefined ? {} : { va: value(step.address) }),
      })
      for (const line of view.lines) n.lines.push(`   ${line}`)
    })
    return
  }
  n.step(`${title} ${step.note}`)
}

function checkExpectations(
  n: Narrator,
  expect: NonNullable<Extract<ScriptStep, { expect?: unknown }>['expect']>,
  result: Readonly<Record<string, unknown>> & { readonly status: number },
  variables: ReadonlyMap<string, number>,
): void {
  for (const [key, expected] of Object.entries(expect)) {
    if (expected === undefined) continue
    if (key === 'status') {
      n.expect('status', ntStatusName(result.status), ntStatusName(statusValue(expected as string)!))
    } else if (key === 'exception') {
      const exception = result.exception as { code: number } | undefined
      n.expect(
        'exception',
        exception === undefined ? 'none' : ntStatusName(exception.code),
        expected === 'none' ? 'none' : ntStatusName(statusValue(expected as string)!),
      )
    } else if (key === 'data') {
      const data = result.data instanceof Uint8Array ? result.data : new Uint8Array(0)
      const show = (bytes: Uint8Array) => `[${[...bytes].map((byte) => hex(byte, 2)).join(' ')}]`
      n.expect('data', show(data), show(bytesOf(expected)))
    } else {
      const actual = result[key]
      const wanted = evaluate(expected as Value, variables)
      const format = (number: number) =>
        key.toLowerCase().includes('protect') ? pageProtectionName(number) : hex(number, 0)
      n.expect(key, typeof actual === 'number' ? format(actual) : 'absent', format(wanted))
    }
  }
}
