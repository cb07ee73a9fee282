// Playing a scenario script on a narrated machine: its processes are created in order (pids 4, 8,
// …), each step runs as a system call or a CPU access of a process's thread, its out-values can be
// saved into variables, and its expectations are checked (a mismatch is a finding, exit code 1).
// Everything a script can get wrong without running is found first (scriptValues.ts: checkScript).

import { memoryFlagsName, ntStatusName, pageProtectionName } from '@ntmm/nt-syscalls'
import { CliError } from './cliError.js'
import { hex } from './format.js'
import { type MachineConfig, machineSizeProblem } from './machine.js'
import { Narrator } from './narrator.js'
import type { Script, ScriptStep } from './scriptSchema.js'
import { bytesOf, checkScript, evaluate, parameters, statusValue, type Value } from './scriptValues.js'
import { findView } from './views/inspectViews.js'
import { guardConsumedNote } from './views/regionsView.js'

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  readonly verbose?: boolean
  /** Kept for callers that ask for a recording: every narrated machine records (narrator.ts). */
  readonly record?: boolean
  /** Overrides of the script's machine (command-line flags). */
  readonly machine?: MachineConfig
}

/** The machine a script asks for, with the command line's overrides, checked to be simulable. */
function scriptMachine(script: Script, file: string, overrides: MachineConfig = {}): MachineConfig {
  const machine = script.machine ?? {}
  const none = new Map<string, number>()
  const config: MachineConfig = {
    ...(machine.arch === undefined ? {} : { arch: machine.arch }),
    ...(machine.physicalMemory === undefined
      ? {}
      : { physicalMemory: evaluate(machine.physicalMemory, none) }),
    ...(machine.pageFile === undefined ? {} : { pageFile: evaluate(machine.pageFile, none) }),
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
    ...overrides,
  }
  const problem = machineSizeProblem(config)
  if (problem !== undefined) throw new CliError(`${file}: machine.${problem.field}: ${problem.reason}`)
  return config
}

/**
 * Plays a checked script; the narrator holds the log, the expectations and the final machine.
 * Under the LRU and OPT replacement policies every CPU access step is noted first
 * (kernel.debug.noteAccess: the hardware keeps Accessed bits, not an order of references), and OPT
 * is given the script's future references, found by a first, silent run of the script.
 */
export function runScript(script: Script, file: string, options: RunScriptOptions = {}): Narrator {
  checkScript(script, file)
  const config = scriptMachine(script, file, options.machine)
  const policy = config.replacementPolicy
  const future =
    policy === 'opt' ? referencesOf(script, file, { ...config, replacementPolicy: 'fifo' }) : undefined
  return playScript(script, file, config, {
    verbose: options.verbose === true,
    note: policy === 'lru' || policy === 'opt',
    ...(future === undefined ? {} : { future }),
  })
}

/** The addresses each process's CPU access steps touch, in order (a silent run of the script). */
function referencesOf(script: Script, file: string, config: MachineConfig): Map<string, number[]> {
  const references = new Map<string, number[]>()
  playScript(script, file, config, {
    verbose: false,
    note: false,
    onAccess: (name, address) => {
      const list = references.get(name) ?? []
      list.push(address)
      references.set(name, list)
    },
  })
  return references
}

interface PlayOptions {
  readonly verbose: boolean
  /** Note each access step for the LRU and OPT policies. */
  readonly note: boolean
  /** OPT's future references, by process name. */
  readonly future?: ReadonlyMap<string, readonly number[]>
  /** Told of each access step's process and address. */
  readonly onAccess?: (name: string, address: number) => void
}

function playScript(script: Script, file: string, config: MachineConfig, options: PlayOptions): Narrator {
  const variables = new Map<string, number>()
  let n: Narrator
  try {
    n = new Narrator(config, { verbose: options.verbose })
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
    for (const [name, addresses] of options.future ?? [])
      n.kernel.debug.setFutureReferences(pids.get(name)!, addresses)
  })
  const firstName = script.processes[0]!.name
  n.say(
    `ntmm: ${script.name ?? file} on an ${n.kernel.arch} machine; processes: ${[...pids].map(([name, pid]) => `${name} (${pid})`).join(', ')}`,
  )
  if (script.description !== undefined) n.say(script.description)
  for (const [index, step] of script.steps.entries()) {
    playStep(n, step, index, { file, pids, variables, firstName, options })
  }
  return n
}

interface StepContext {
  readonly file: string
  readonly pids: ReadonlyMap<string, number>
  readonly variables: Map<string, number>
  readonly firstName: string
  readonly options: PlayOptions
}

/** An address a step gives, refused when negative (JSON has no unsigned numbers). */
function stepAddress(context: StepContext, index: number, given: Value): number {
  const address = evaluate(given, context.variables)
  if (address < 0)
    throw new CliError(
      `${context.file}: steps[${index}].address: ${JSON.stringify(given)} is ${address}; an address is 0 or more`,
    )
  return address
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
      .map(([key, item]) => `${key} ${outValueText(key, item as number)}`)
    n.say(`   → ${ntStatusName(result.status)}${out.length === 0 ? '' : `, ${out.join(', ')}`}`)
    if (step.call === 'NtQueryVirtualMemory' && result.status === 0 && arg('processHandle') === -1)
      n.quietly(() => {
        const consumed = guardConsumedNote(n.kernel, pids.get(name)!, result as never)
        if (consumed !== undefined) n.lines.push(`   ${consumed}`)
      })
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
    const pid = pids.get(name)!
    const cpu = n.kernel.cpu(pid)
    const address = stepAddress(context, index, step.address)
    context.options.onAccess?.(name, address)
    n.step(
      `${title} ${name}: CPU ${step.access} at ${hex(address)}${step.note === undefined ? '' : ` — ${step.note}`}`,
    )
    if (context.options.note) n.kernel.debug.noteAccess(pid, address)
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
        ...(step.address === undefined ? {} : { va: stepAddress(context, index, step.address) }),
      })
      for (const line of view.lines) n.lines.push(`   ${line}`)
    })
    return
  }
  n.step(`${title} ${step.note}`)
}

/** An out-value as text: protections, states and types by their constants' names, the rest in hexadecimal. */
function outValueText(key: string, value: number): string {
  if (value === 0) return '0x0'
  if (key.toLowerCase().includes('protect')) return pageProtectionName(value)
  if (key === 'state' || key === 'type') return memoryFlagsName(value)
  return hex(value, 0)
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
      n.expect(
        key,
        typeof actual === 'number' ? outValueText(key, actual) : 'absent',
        outValueText(key, wanted),
      )
    }
  }
}
