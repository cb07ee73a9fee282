// The values of a scenario script and what can be checked before it runs: integers and
// expressions (`MEM_RESERVE|MEM_COMMIT`, `$base+0x10`) over the NT constants and saved variables,
// the named parameters of each service with their defaults, NTSTATUS names, bytes; and
// checkScript, which finds everything a script can get wrong without running — an unknown
// constant, a variable used before it is saved, a missing argument, an unknown process — with its
// place, as one CliError (exit code 2).

import { MemoryFlag, NtStatus, PageProtection, ProcessAccess } from '@ntmm/nt-syscalls'
import { CliError } from './cliError.js'
import { parseNumber } from './format.js'
import type { Script } from './scriptSchema.js'

const constants: Readonly<Record<string, number>> = {
  ...MemoryFlag,
  ...PageProtection,
  ...ProcessAccess,
  NtCurrentProcess: -1,
}

/** Parameters of each service: name → default (undefined: required). */
export const parameters: Readonly<Record<string, Readonly<Record<string, number | string | undefined>>>> = {
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

/** A script value: an integer, or an expression. */
export type Value = number | string

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

/** An NTSTATUS given by name or value, or undefined. */
export function statusValue(text: string): number | undefined {
  const number = parseNumber(text)
  if (number !== undefined) return number >>> 0
  return (NtStatus as Readonly<Record<string, number>>)[text]
}

/** The bytes of a `data` value: an array of bytes, or a string's UTF-8 bytes. */
export function bytesOf(value: unknown): Uint8Array {
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
