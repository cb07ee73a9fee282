// Option parsers and help pieces shared by the `ntmm` commands: integers, byte sizes, comma-separated
// lists of allowed names, the paging mode, and the "Examples:" block every command's --help ends with.

import { InvalidArgumentError, Option } from 'commander'
import { ADDRESS_SYNTAX, parseAddress, parseInteger } from '../format.js'
import { architectures } from '../commandChoices.js'

/** The "Examples:" block of a --help text, one `$ ntmm …` line each. */
export const examples = (lines: readonly string[]) =>
  `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`

/** A parser of an integer option `name` (hexadecimal and K/M/G suffixes accepted), at least `minimum`. */
export function integerOption(name: string, minimum = 1) {
  return (value: string): number => {
    const number = parseInteger(value)
    if (number === undefined || number < minimum)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${minimum}`)
    return number
  }
}

/** A parser of an address option: hexadecimal by default, `0n` for decimal (see {@link parseAddress}). */
export function addressOption(value: string): number {
  const address = parseAddress(value)
  if (address === undefined) throw new InvalidArgumentError(`expected an address, ${ADDRESS_SYNTAX}`)
  return address
}

/** `--memory`: bytes, or KiB/MiB/GiB with a K, M or G suffix; whole pages, at least 6 (x86's minimum). */
export function byteSizeOption(value: string): number {
  const match = /^(\d+)([KMG])?$/i.exec(value.trim())
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match?.[2] ?? '').toUpperCase() as 'K']
  const bytes = match === null ? Number.NaN : Number(match[1]) * scale
  if (!Number.isSafeInteger(bytes) || bytes % 4096 !== 0 || bytes < 6 * 4096)
    throw new InvalidArgumentError('expected whole 4 KiB pages, at least 24K (e.g. 28K, 1M, 262144)')
  return bytes
}

/** A parser of a comma-separated list whose every item is one of `allowed`. */
export function listOption<T extends string>(allowed: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((item) => item.trim())
    for (const item of items)
      if (!(allowed as readonly string[]).includes(item))
        throw new InvalidArgumentError(`'${item}' is not one of ${allowed.join(', ')}`)
    return items as T[]
  }
}

/** `--arch <arch>`: the paging mode of the machine, x86 by default. */
export const archOption = () =>
  new Option('--arch <arch>', 'paging mode of the machine').choices(architectures as string[]).default('x86')
