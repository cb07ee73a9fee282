// Reading a scenario script: JSON text → a validated Script, or one CliError (exit code 2) naming
// the file and the place: the line and column of a JSON syntax error (jsonSyntaxError.ts), or the
// path of the first invalid field (`steps[2].args.regionSize`). A step's kind is decided by its key (call, access,
// show, note) so the message names what is wrong with that kind, not "matches no alternative".

import * as v from 'valibot'
import { CliError } from './cliError.js'
import { jsonSyntaxError } from './jsonSyntaxError.js'
import {
  AccessStepSchema,
  CallStepSchema,
  NoteStepSchema,
  type Script,
  ScriptSchema,
  ShowStepSchema,
} from './scriptSchema.js'

/** Parses and validates `text` read from `file`. */
export function parseScript(text: string, file: string): Script {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    const place = jsonSyntaxError(text)
    throw new CliError(
      place === undefined
        ? `${file}: not valid JSON: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`
        : `${file}: not valid JSON at line ${place.line}, column ${place.column}: ${place.message}`,
    )
  }
  const result = v.safeParse(ScriptSchema, json)
  if (result.success) return result.output
  // Re-check each step against the schema its key selects, for a precise message.
  const steps = typeof json === 'object' && json !== null ? (json as { steps?: unknown }).steps : undefined
  if (Array.isArray(steps)) {
    for (const [index, step] of steps.entries()) {
      const schema = stepSchema(step)
      if (schema === undefined)
        throw new CliError(
          `${file}: steps[${index}]: a step needs one of the keys call, access, show or note`,
        )
      const checked = v.safeParse(schema, step)
      if (!checked.success) throw new CliError(`${file}: steps[${index}]${describeIssue(checked.issues[0])}`)
    }
  }
  throw new CliError(`${file}: ${describeIssue(result.issues[0]).replace(/^\./, '')}`)
}

function stepSchema(step: unknown) {
  if (typeof step !== 'object' || step === null) return undefined
  if ('call' in step) return CallStepSchema
  if ('access' in step) return AccessStepSchema
  if ('show' in step) return ShowStepSchema
  if ('note' in step) return NoteStepSchema
  return undefined
}

function describeIssue(issue: v.BaseIssue<unknown> | undefined): string {
  if (issue === undefined) return ': invalid'
  const keys = (issue.path ?? []).map((item) => item.key)
  const path = keys.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')
  return `${path}: ${issueWords(issue, keys)}`
}

const kinds: Readonly<Record<string, string>> = {
  Array: 'a list',
  Object: 'an object',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
}

/** A valibot issue in the words of a script's author (valibot's own read "Invalid key: Expected never…"). */
function issueWords(issue: v.BaseIssue<unknown>, keys: readonly unknown[]): string {
  const { received, expected } = issue
  const bound = (expected ?? '').replace(/^[<>]=/, '')
  switch (issue.type) {
    case 'strict_object':
      if (expected === 'never') return 'unknown key (a typo, or a key of another kind of step?)'
      return 'missing'
    case 'object':
    case 'array':
    case 'string':
    case 'number':
      if (received === 'undefined') return 'missing'
      return `expected ${kinds[expected ?? ''] ?? expected}, found ${kinds[received] ?? received}`
    case 'picklist':
      return `${received} is not one of ${(expected ?? '').replace(/^\(|\)$/g, '').replaceAll(' | ', ', ')}`
    case 'integer':
      return `${received} is not an integer`
    case 'min_value':
    case 'max_value':
      if (keys.at(-2) === 'data') return `${received} is not a byte (0..255)`
      return `${received} is ${issue.type === 'min_value' ? 'less than the minimum' : 'more than the maximum'} ${bound}`
    case 'min_length':
      return bound === '1' ? 'must not be empty' : `needs at least ${bound} items`
    case 'regex':
      return `${received} is not a variable name (letters, digits and _, not starting with a digit)`
    default:
      return issue.message
  }
}
