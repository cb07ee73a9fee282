// Deep freezing of low-volume events: once appended, no reference anyone holds can change them.

/** Freezes `value` and every object reachable from it; returns `value`. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return value
}
