// Parsing of untrusted JSON: depth, key and number checks so no hostile key (`__proto__`,
// `constructor`, `prototype`) can reach an object prototype later and no number outside the
// exact-integer range gets in. Internal to @ntmm/trace.
import { RESERVED_KEYS } from './traceSchema.js'

/** A refusal, with the dotted path of the offending member. */
export interface JsonProblem {
  readonly reason: string
  readonly field: string
}

const MAX_DEPTH = 64

/** Parses `text`; returns the value or the first problem found. */
export function parseUntrustedJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; problem: JsonProblem } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { ok: false, problem: { reason: `invalid JSON (${(error as Error).message})`, field: '(root)' } }
  }
  const problem = checkValue(value, '', 0)
  return problem === undefined ? { ok: true, value } : { ok: false, problem }
}

/** Checks an already parsed value (keys, numbers, depth). */
export function checkValue(value: unknown, path: string, depth: number): JsonProblem | undefined {
  if (depth > MAX_DEPTH) return { reason: `nesting deeper than ${MAX_DEPTH}`, field: path || '(root)' }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      return { reason: `number ${String(value)} is outside ±(2^53 - 1)`, field: path || '(root)' }
    }
    return undefined
  }
  if (value === null || typeof value !== 'object') return undefined
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = checkValue(value[index], `${path}[${index}]`, depth + 1)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  for (const key of Object.keys(value)) {
    const field = path === '' ? key : `${path}.${key}`
    if (RESERVED_KEYS.has(key)) return { reason: `forbidden key '${key}'`, field }
    const problem = checkValue((value as Record<string, unknown>)[key], field, depth + 1)
    if (problem !== undefined) return problem
  }
  return undefined
}
