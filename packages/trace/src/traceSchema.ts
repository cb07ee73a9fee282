// The event schema a consumer declares: which event kinds exist, which are high-volume (stored
// in typed-array columns, numeric fields only) and which are rare (stored as frozen objects and
// validated by a valibot schema), and which numeric fields are addresses (for range queries).
import type * as v from 'valibot'

/**
 * Storage type of a numeric field of a high-volume kind.
 * - `u8`, `u16`, `u32`, `i32`: exact integers in the type's range, 1/2/4/4 bytes per event.
 * - `f64`: 8 bytes per event; holds any integer below 2^53 exactly (48-bit x64 addresses) and
 *   any finite number within ±(2^53 − 1). Costs twice a `u32`, so keep x86 (32-bit) addresses
 *   in `u32`.
 */
export type NumericFieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'f64'

/** The minimal shape of an event: a string discriminant `type`. */
export interface TraceEventBase {
  readonly type: string
}

type EventOfType<E extends TraceEventBase, T> = Extract<E, { readonly type: T }>
type FieldKeys<Ev> = Exclude<keyof Ev, 'type'>

/** Declaration of a high-volume kind: every field besides `type` is a number with a storage type. */
export interface HighVolumeKindSpec<Ev> {
  readonly volume: 'high'
  /** Each field (every key but `type`), in the order the row appender takes them. */
  readonly fields: { readonly [K in FieldKeys<Ev>]: Ev[K] extends number ? NumericFieldType : never }
  /** Fields holding addresses: range queries and block summaries are kept for them. */
  readonly addressFields?: readonly FieldKeys<Ev>[]
}

/** Declaration of a rare kind: any JSON-serialisable shape, validated by a valibot schema. */
export interface LowVolumeKindSpec<Ev> {
  readonly volume: 'low'
  /** Validates the whole event (including `type`) when read from a file or appended. */
  readonly schema: v.GenericSchema<unknown, Ev>
  /** Top-level numeric fields (integers below 2^53) holding addresses, for range queries. */
  readonly addressFields?: readonly FieldKeys<Ev>[]
}

/** The declaration `defineSchema` takes: one entry per `type` of the event union. */
export interface TraceSchemaSpec<E extends TraceEventBase> {
  readonly kinds: {
    readonly [T in E['type']]: HighVolumeKindSpec<EventOfType<E, T>> | LowVolumeKindSpec<EventOfType<E, T>>
  }
}

/** One numeric column of a high-volume kind. */
export interface FieldInfo {
  readonly name: string
  readonly type: NumericFieldType
}

/** The runtime description of one kind, with its dense id (its position in the schema). */
export interface KindInfo {
  readonly id: number
  readonly type: string
  readonly volume: 'high' | 'low'
  /** Numeric columns (high-volume kinds only; empty for low-volume kinds). */
  readonly fields: readonly FieldInfo[]
  readonly addressFields: readonly string[]
  /** Valibot schema (low-volume kinds only). */
  readonly schema: v.GenericSchema | undefined
}

/** The JSON form of a schema stored in a trace header. */
export interface SchemaDescription {
  readonly kinds: readonly {
    readonly type: string
    readonly volume: 'high' | 'low'
    readonly fields?: readonly (readonly [string, NumericFieldType])[]
    readonly addressFields?: readonly string[]
  }[]
}

/** Field names no event may use: they would reach an object prototype or confuse readers. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

const FIELD_TYPES: ReadonlySet<string> = new Set(['u8', 'u16', 'u32', 'i32', 'f64'])

/** The most kinds a schema may declare (kind ids are stored in one byte per event). */
export const MAX_KINDS = 255

/** A validated schema: kinds by id and by type. Build one with {@link defineSchema}. */
export class TraceSchema<E extends TraceEventBase = TraceEventBase> {
  /** Kinds in declaration order; `kinds[id].id === id`. */
  readonly kinds: readonly KindInfo[]
  private readonly byType: ReadonlyMap<string, KindInfo>
  /** Phantom member carrying the event union for inference; always undefined at run time. */
  declare readonly eventType: E

  /**
   * @internal The kinds with their field types, as one string: schemas of one shape share their
   * generated appender classes (see kindAppender.ts).
   */
  readonly shape: string

  constructor(kinds: readonly KindInfo[]) {
    this.kinds = kinds
    this.byType = new Map(kinds.map((kind) => [kind.type, kind]))
    this.shape = kinds
      .map((kind) => `${kind.type}:${kind.fields.map((field) => field.type).join(',')}`)
      .join(';')
  }

  /** The kind declared for `type`, or undefined. */
  kind(type: string): KindInfo | undefined {
    return this.byType.get(type)
  }

  /** The JSON description stored in trace headers. */
  describe(): SchemaDescription {
    return {
      kinds: this.kinds.map((kind) =>
        kind.volume === 'high'
          ? {
              type: kind.type,
              volume: kind.volume,
              fields: kind.fields.map((field) => [field.name, field.type] as const),
              addressFields: kind.addressFields,
            }
          : { type: kind.type, volume: kind.volume, addressFields: kind.addressFields },
      ),
    }
  }
}

/**
 * Declares the event kinds of a consumer's event union `E`.
 *
 * @example
 * defineSchema<MyEvent>({ kinds: {
 *   'hw.access': { volume: 'high', fields: { address: 'u32', pid: 'u16', access: 'u8' }, addressFields: ['address'] },
 *   'mm.areaInserted': { volume: 'low', schema: areaInsertedSchema },
 * } })
 * @throws RangeError / TypeError for an invalid declaration (too many kinds, unknown field type,
 *   reserved field name, address field not declared).
 */
export function defineSchema<E extends TraceEventBase>(spec: TraceSchemaSpec<E>): TraceSchema<E> {
  const entries = Object.entries(spec.kinds) as [string, unknown][]
  if (entries.length === 0) throw new RangeError('defineSchema: at least one kind must be declared')
  if (entries.length > MAX_KINDS) {
    throw new RangeError(`defineSchema: ${entries.length} kinds declared, at most ${MAX_KINDS} are supported`)
  }
  const kinds = entries.map(([type, raw], id) => buildKind(type, raw, id))
  return new TraceSchema<E>(kinds)
}

function buildKind(type: string, raw: unknown, id: number): KindInfo {
  if (type.length === 0 || RESERVED_KEYS.has(type))
    throw new RangeError(`defineSchema: invalid kind name '${type}'`)
  const spec = raw as {
    volume?: unknown
    fields?: Record<string, unknown>
    addressFields?: readonly string[]
    schema?: v.GenericSchema
  }
  const addressFields = [...(spec.addressFields ?? [])]
  if (spec.volume === 'high') {
    const fieldEntries = Object.entries(spec.fields ?? {})
    if (fieldEntries.length > 8) {
      throw new RangeError(
        `defineSchema: kind '${type}' has ${fieldEntries.length} fields, at most 8 are supported`,
      )
    }
    const fields = fieldEntries.map(([name, fieldType]): FieldInfo => {
      if (name === 'type' || RESERVED_KEYS.has(name)) {
        throw new RangeError(`defineSchema: kind '${type}' may not declare a field named '${name}'`)
      }
      if (typeof fieldType !== 'string' || !FIELD_TYPES.has(fieldType)) {
        throw new TypeError(
          `defineSchema: field '${type}.${name}' has type ${String(fieldType)}; expected one of u8, u16, u32, i32, f64`,
        )
      }
      return { name, type: fieldType as NumericFieldType }
    })
    for (const name of addressFields) {
      if (!fields.some((field) => field.name === name)) {
        throw new RangeError(`defineSchema: address field '${type}.${name}' is not a declared field`)
      }
    }
    return Object.freeze({
      id,
      type,
      volume: 'high',
      fields: Object.freeze(fields),
      addressFields,
      schema: undefined,
    })
  }
  if (spec.volume === 'low') {
    if (spec.schema === undefined || typeof spec.schema !== 'object') {
      throw new TypeError(`defineSchema: low-volume kind '${type}' needs a valibot schema`)
    }
    for (const name of addressFields) {
      if (RESERVED_KEYS.has(name)) throw new RangeError(`defineSchema: invalid address field '${name}'`)
    }
    return Object.freeze({
      id,
      type,
      volume: 'low',
      fields: Object.freeze([]),
      addressFields,
      schema: spec.schema,
    })
  }
  throw new TypeError(
    `defineSchema: kind '${type}' has volume ${String(spec.volume)}; expected 'high' or 'low'`,
  )
}
