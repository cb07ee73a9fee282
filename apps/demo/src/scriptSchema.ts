// The scenario script format (valibot schema, exported as JSON Schema by `ntmm schema` into
// apps/demo/scenario.schema.json): a machine, the processes, and steps — Nt* system calls with
// named arguments, CPU accesses, notes, and views shown mid-run — each with optional expectations
// (the status, the exception, the bytes read, out-values) and variables saved from out-values.

import { toJsonSchema } from '@valibot/to-json-schema'
import * as v from 'valibot'

/** A number, or an expression: `0x10000`, `64K`, `MEM_RESERVE|MEM_COMMIT`, `$base+0x1000`. */
export const ValueSchema = v.pipe(
  v.union([v.pipe(v.number(), v.integer()), v.pipe(v.string(), v.minLength(1))]),
  v.description(
    "An integer, or an expression of terms joined by '+', '-' or '|': numbers (decimal, 0x hexadecimal, with an optional K/M/G suffix), constant names (MEM_*, PAGE_*, PROCESS_*, NtCurrentProcess) and saved variables ($name).",
  ),
)

const BytesSchema = v.pipe(
  v.union([v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255))), v.string()]),
  v.description('Bytes: an array of 0..255, or a string (its UTF-8 bytes).'),
)

const ExpectSchema = v.pipe(
  v.strictObject({
    status: v.optional(
      v.pipe(v.string(), v.description('NTSTATUS name (STATUS_SUCCESS) or value (0xC0000005).')),
    ),
    exception: v.optional(
      v.pipe(
        v.string(),
        v.description("The exception an access raises (STATUS_ACCESS_VIOLATION), or 'none'."),
      ),
    ),
    data: v.optional(BytesSchema),
    baseAddress: v.optional(ValueSchema),
    regionSize: v.optional(ValueSchema),
    oldProtect: v.optional(ValueSchema),
    allocationBase: v.optional(ValueSchema),
    allocationProtect: v.optional(ValueSchema),
    state: v.optional(ValueSchema),
    protect: v.optional(ValueSchema),
    type: v.optional(ValueSchema),
    bytesRead: v.optional(ValueSchema),
    bytesWritten: v.optional(ValueSchema),
  }),
  v.description('What the step must produce; each mismatch is a finding (exit code 1).'),
)

const SaveSchema = v.pipe(
  v.record(v.string(), v.pipe(v.string(), v.regex(/^[A-Za-z_]\w*$/))),
  v.description('Out-value name → variable name, e.g. { "baseAddress": "base" }; use it later as $base.'),
)

/** The system services a script can call. */
export const scriptServices = [
  'NtAllocateVirtualMemory',
  'NtFreeVirtualMemory',
  'NtProtectVirtualMemory',
  'NtQueryVirtualMemory',
  'NtReadVirtualMemory',
  'NtWriteVirtualMemory',
  'NtOpenProcess',
  'NtClose',
] as const

/** A system call. */
export const CallStepSchema = v.strictObject({
  call: v.picklist(scriptServices),
  process: v.optional(v.pipe(v.string(), v.description('The calling process (default: the first).'))),
  args: v.optional(
    v.pipe(
      v.record(v.string(), v.union([ValueSchema, BytesSchema])),
      v.description(
        'Named parameters: processHandle (default NtCurrentProcess), baseAddress, zeroBits, regionSize, allocationType, protect, freeType, newProtect, size, data, desiredAccess, process (a process name), handle.',
      ),
    ),
  ),
  save: v.optional(SaveSchema),
  expect: v.optional(ExpectSchema),
  note: v.optional(v.string()),
})

/** A CPU access by a thread of a process. */
export const AccessStepSchema = v.strictObject({
  access: v.picklist(['read', 'write', 'execute']),
  process: v.optional(v.string()),
  address: ValueSchema,
  length: v.optional(ValueSchema),
  data: v.optional(BytesSchema),
  expect: v.optional(ExpectSchema),
  note: v.optional(v.string()),
})

/** A line of narration. */
export const NoteStepSchema = v.strictObject({ note: v.string() })

/** An inspection view shown at this point (as `run --show`). */
export const ShowStepSchema = v.strictObject({
  show: v.picklist(['address', 'vad', 'regions', 'pte', 'pfn', 'tlb', 'sections', 'handles', 'stats']),
  process: v.optional(v.string()),
  address: v.optional(ValueSchema),
})

/** A scenario script. */
export const ScriptSchema = v.strictObject({
  $schema: v.optional(v.string()),
  name: v.optional(v.string()),
  description: v.optional(v.string()),
  machine: v.optional(
    v.strictObject({
      arch: v.optional(v.picklist(['x86', 'x86-pae', 'x64'])),
      physicalMemory: v.optional(ValueSchema),
      pageFile: v.optional(ValueSchema),
      tlb: v.optional(
        v.union([
          v.picklist(['i386', 'skylake']),
          v.strictObject({
            entries: v.pipe(v.number(), v.integer(), v.minValue(1)),
            ways: v.pipe(v.number(), v.integer(), v.minValue(1)),
            policy: v.optional(v.picklist(['lru', 'fifo', 'random'])),
          }),
        ]),
      ),
      replacementPolicy: v.optional(v.picklist(['working-set', 'fifo', 'lru', 'clock', 'opt', 'nt'])),
    }),
  ),
  processes: v.pipe(v.array(v.strictObject({ name: v.pipe(v.string(), v.minLength(1)) })), v.minLength(1)),
  steps: v.array(v.union([CallStepSchema, AccessStepSchema, ShowStepSchema, NoteStepSchema])),
})

/** A parsed script. */
export type Script = v.InferOutput<typeof ScriptSchema>
/** One step of a script. */
export type ScriptStep = Script['steps'][number]

/** The JSON Schema of the script format. */
export function scriptJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = toJsonSchema(ScriptSchema, { errorMode: 'ignore' })
  return {
    $schema: $schema ?? 'http://json-schema.org/draft-07/schema#',
    title: 'ntmm scenario script',
    description:
      'A scenario for `ntmm run <file.json>`: a machine, processes, and steps with expectations (docs/cli.md).',
    ...schema,
  }
}
