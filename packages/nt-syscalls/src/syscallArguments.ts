// How a system call's arguments are recorded (nt.syscallEntered): each as a JSON value that
// replaying gives back to the service unchanged in effect. No NT counterpart (ETW's syscall
// provider logs raw register values).

import { captureNumberFields } from './captureArguments.js'
import type { JsonValue } from './events.js'

const capturedValues = new WeakSet<object>()

/** Mark a plain JSON object a service captured from its caller (OBJECT_ATTRIBUTES) as recordable as is. */
export function markCaptured<T extends object>(value: T): T {
  capturedValues.add(value)
  return value
}

/** True for an object marked by {@link markCaptured}. */
export function isCaptured(value: unknown): boolean {
  return typeof value === 'object' && value !== null && capturedValues.has(value)
}

/**
 * The JSON form of a number a trace can hold: itself when exact (within ±(2^53 − 1)) or a fraction;
 * NaN and ±Infinity as their names; an integer beyond 2^53 as `{ number: '<decimal>' }`, which
 * replaying turns back into the same number (the services truncate such a value as C would, so
 * it must come back exact).
 */
export function numberJson(value: number): JsonValue {
  if (!Number.isFinite(value)) return String(value)
  return Math.abs(value) <= Number.MAX_SAFE_INTEGER ? value : { number: String(value) }
}

/**
 * An argument as the service sees it, in a form the trace holds and replaying gives back to the
 * service unchanged in effect (nt.syscallEntered; see argumentValue in machineInputs.ts). The
 * services read numbers and Uint8Array buffers only: a number is kept (see numberJson), a
 * Uint8Array becomes the array of its bytes, a string or boolean or null stays; anything else is
 * no number and no buffer to them, and is recorded as a description (`Array(3)`, `object`, `10n`),
 * never walked (a cycle or a getter cannot throw here, and a plain array cannot replay as a buffer).
 */
export function argumentJson(value: unknown): JsonValue {
  if (isCaptured(value)) return value as unknown as JsonValue
  if (typeof value === 'number') return numberJson(value)
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value
  if (value instanceof Uint8Array) return Array.from(value)
  if (Array.isArray(value)) return `Array(${value.length})`
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'symbol') return value.toString()
  const fields = numberFields(value)
  if (fields !== undefined) return fields
  return typeof value
}

/** A structure passed by value (captureNumberFields), recorded field by field; undefined for anything else. */
function numberFields(value: unknown): JsonValue | undefined {
  const fields = captureNumberFields(value)
  if (fields === undefined) return undefined
  const recorded: Record<string, JsonValue> = {}
  for (const [name, field] of Object.entries(fields)) recorded[name] = numberJson(field)
  return recorded
}

/**
 * A field as recorded: a string, boolean or exact integer as itself, anything else as a
 * description (never an object or array, so a replayed copy captures to the same JSON again).
 */
export function fieldJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : `number ${String(value)}`
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value
  return typeof value
}
