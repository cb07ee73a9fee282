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
  const path = (issue.path ?? [])
    .map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`))
    .join('')
  return `${path}: ${issue.message}`
}
