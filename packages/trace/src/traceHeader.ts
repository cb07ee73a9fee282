// The header every trace file starts with: format name and version, producer, the simulated
// system's configuration and seed, and the event schema. Readers check it before any event.
import * as v from 'valibot'
import { checkValue } from './safeJson.js'
import { TraceFormatError } from './traceFormatError.js'
import type { KindInfo, NumericFieldType, SchemaDescription, TraceSchema } from './traceSchema.js'

/** The format name written in every header. */
export const TRACE_FORMAT = 'ntmm-trace'
/** Format versions this build reads; it writes the last one when a file needs it. */
export const SUPPORTED_TRACE_VERSIONS: readonly number[] = [1, 2]
/**
 * The newest version this build writes: 2, for a binary file holding state blocks. Every other
 * file is written as version 1 (the lowest that holds it), which older readers read.
 */
export const TRACE_VERSION = 2

/** The header of a trace file. */
export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT
  readonly version: number
  readonly producer: { readonly name: string; readonly version: string }
  /** The configuration the state model's `initial` takes (JSON data). */
  readonly config: unknown
  /** The run's seed, recorded for reproducibility (what draws from it, if anything, is the producer's affair). */
  readonly seed: number | string
  readonly schema: SchemaDescription
}

/** Builds the header for a trace of `schema`. */
export function createTraceHeader(options: {
  readonly producer: { readonly name: string; readonly version: string }
  readonly config: unknown
  readonly seed: number | string
  readonly schema: TraceSchema<never> | TraceSchema
}): TraceHeader {
  return {
    format: TRACE_FORMAT,
    version: 1,
    producer: options.producer,
    config: options.config,
    seed: options.seed,
    schema: (options.schema as TraceSchema).describe(),
  }
}

const fieldTypeSchema = v.picklist(['u8', 'u16', 'u32', 'i32', 'f64'])
const headerSchema = v.object({
  format: v.literal(TRACE_FORMAT),
  version: v.pipe(v.number(), v.integer()),
  producer: v.object({
    name: v.pipe(v.string(), v.maxLength(200)),
    version: v.pipe(v.string(), v.maxLength(100)),
  }),
  config: v.unknown(),
  seed: v.union([v.number(), v.pipe(v.string(), v.maxLength(200))]),
  schema: v.object({
    kinds: v.pipe(
      v.array(
        v.object({
          type: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
          volume: v.picklist(['high', 'low']),
          fields: v.optional(v.pipe(v.array(v.tuple([v.string(), fieldTypeSchema])), v.maxLength(8))),
          addressFields: v.optional(v.array(v.string())),
        }),
      ),
      v.minLength(1),
      v.maxLength(255),
    ),
  }),
})

/**
 * Validates a parsed header against the reader's schema. Returns the header and, per kind id of
 * the file, the reader's kind.
 * @throws TraceFormatError naming the field (wrong format, unsupported version with the list of
 *   supported ones, schema mismatch).
 */
export function validateHeader(
  raw: unknown,
  schema: TraceSchema,
  where: { readonly file?: string; readonly line?: number; readonly offset?: number },
): { header: TraceHeader; kinds: KindInfo[] } {
  const base = { ...where }
  const problem = checkValue(raw, 'header', 0)
  if (problem !== undefined)
    throw new TraceFormatError({ ...base, reason: problem.reason, field: problem.field })
  if (typeof raw === 'object' && raw !== null && typeof (raw as { version?: unknown }).version === 'number') {
    const version = (raw as { version: number }).version
    if (!SUPPORTED_TRACE_VERSIONS.includes(version)) {
      throw new TraceFormatError({
        ...base,
        field: 'header.version',
        reason: `unsupported trace format version ${version}; supported: ${SUPPORTED_TRACE_VERSIONS.join(', ')}`,
      })
    }
  }
  const result = v.safeParse(headerSchema, raw)
  if (!result.success) {
    const issue = result.issues[0]
    const path = issue === undefined ? undefined : v.getDotPath(issue)
    throw new TraceFormatError({
      ...base,
      field: path === null || path === undefined ? 'header' : `header.${path}`,
      reason: `invalid header: ${issue?.message ?? 'schema mismatch'}`,
    })
  }
  const header = result.output as TraceHeader
  const kinds = header.schema.kinds.map((fileKind, index): KindInfo => {
    const field = `header.schema.kinds[${index}]`
    const kind = schema.kind(fileKind.type)
    if (kind === undefined) {
      throw new TraceFormatError({
        ...base,
        producer: header.producer,
        field,
        reason: `kind '${fileKind.type}' is not in the reader's schema`,
      })
    }
    if (kind.volume !== fileKind.volume) {
      throw new TraceFormatError({
        ...base,
        producer: header.producer,
        field,
        reason: `kind '${fileKind.type}' is ${fileKind.volume}-volume in the file but ${kind.volume}-volume in the schema`,
      })
    }
    if (kind.volume === 'high') {
      const fileFields = (fileKind.fields ?? []) as readonly (readonly [string, NumericFieldType])[]
      const same =
        fileFields.length === kind.fields.length &&
        fileFields.every(
          ([name, type], position) =>
            kind.fields[position]?.name === name && kind.fields[position]?.type === type,
        )
      if (!same) {
        throw new TraceFormatError({
          ...base,
          producer: header.producer,
          field,
          reason: `fields of kind '${fileKind.type}' differ from the schema`,
        })
      }
    }
    return kind
  })
  return { header, kinds }
}
