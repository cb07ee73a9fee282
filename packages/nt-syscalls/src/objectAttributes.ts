// OBJECT_ATTRIBUTES as the section and file services take them (`{ name?: string, attributes?:
// number }` or undefined for none), captured once at the call (ObpCaptureObjectAttributes: the
// structure is read from user memory before anything else), and the two namespaces the simulator
// has: the `\BaseNamedObjects` object directory of named sections and the volume's `\??\C:\`
// file names. A recorded call keeps the captured copy (plain JSON), so a replay passes the service
// exactly what the live call saw, whatever the caller handed in (a getter that throws, a proxy).

import { fieldJson, isCaptured, markCaptured } from './syscallArguments.js'
import { STATUS_ACCESS_VIOLATION, STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'
import {
  BASE_NAMED_OBJECTS,
  OBJ_VALID_ATTRIBUTES,
  STATUS_OBJECT_NAME_INVALID,
  STATUS_OBJECT_PATH_NOT_FOUND,
  STATUS_OBJECT_PATH_SYNTAX_BAD,
  VOLUME_PREFIX,
} from './sectionConstants.js'

/** OBJECT_ATTRIBUTES as a caller passes it. */
export interface ObjectAttributes {
  /** The full NT object path (ObjectName; no RootDirectory is modelled). */
  readonly name?: string
  /** OBJ_* flags (OBJ_CASE_INSENSITIVE, OBJ_OPENIF, ...). */
  readonly attributes?: number
}

/**
 * The caller's ObjectAttributes as the service will see it: undefined and null as they are, a
 * readable object as a fresh plain copy of its `name` and `attributes` (each recorded as any
 * argument is), anything else as its recorded description. Never throws.
 */
export function captureObjectAttributesArgument(value: unknown): unknown {
  if (value === undefined || value === null) return value
  if (isCaptured(value)) return value
  if (typeof value !== 'object') return fieldJson(value)
  let copy: Record<string, unknown>
  try {
    const record = value as { readonly name?: unknown; readonly attributes?: unknown }
    const name = record.name
    const attributes = record.attributes
    copy = {
      ...(name === undefined ? {} : { name: fieldJson(name) }),
      ...(attributes === undefined ? {} : { attributes: fieldJson(attributes) }),
    }
  } catch {
    return 'unreadable ObjectAttributes'
  }
  return markCaptured(copy)
}

/** The ObjectAttributes a service works with: no name, or a name with its flags. */
export type CapturedAttributes =
  | { readonly status: typeof STATUS_SUCCESS; readonly name: string | undefined; readonly attributes: number }
  | { readonly status: number }

/**
 * Read ObjectAttributes (already captured): not an object (a number, a string) is a bad pointer
 * (STATUS_ACCESS_VIOLATION, as probing it would be); a name that is not a string
 * STATUS_OBJECT_NAME_INVALID; attribute bits outside OBJ_VALID_ATTRIBUTES STATUS_INVALID_PARAMETER.
 * An empty name is no name (a zero-length ObjectName).
 */
export function readObjectAttributes(value: unknown): CapturedAttributes {
  if (value === undefined || value === null) return { status: STATUS_SUCCESS, name: undefined, attributes: 0 }
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array)
    return { status: STATUS_ACCESS_VIOLATION }
  const { name, attributes } = value as { readonly name?: unknown; readonly attributes?: unknown }
  const flags = attributes === undefined ? 0 : attributes
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 0xffffffff)
    return { status: STATUS_INVALID_PARAMETER }
  if ((flags & ~OBJ_VALID_ATTRIBUTES) !== 0) return { status: STATUS_INVALID_PARAMETER }
  if (name !== undefined && typeof name !== 'string') return { status: STATUS_OBJECT_NAME_INVALID }
  return { status: STATUS_SUCCESS, name: name === '' ? undefined : name, attributes: flags }
}

/**
 * A name of the `\BaseNamedObjects` directory: a relative name (no leading backslash, and no
 * RootDirectory) is STATUS_OBJECT_PATH_SYNTAX_BAD; a path into another directory
 * STATUS_OBJECT_PATH_NOT_FOUND; an empty leaf or one with a backslash or NUL STATUS_OBJECT_NAME_INVALID.
 * The directory's own name matches without regard to case (directories are looked up so).
 */
export function parseSectionName(name: string): { status: number; name?: string } {
  if (!name.startsWith('\\')) return { status: STATUS_OBJECT_PATH_SYNTAX_BAD }
  const prefix = name.slice(0, BASE_NAMED_OBJECTS.length)
  if (prefix.toUpperCase() !== BASE_NAMED_OBJECTS.toUpperCase())
    return { status: STATUS_OBJECT_PATH_NOT_FOUND }
  const leaf = name.slice(BASE_NAMED_OBJECTS.length)
  if (leaf === '' || leaf.includes('\\') || leaf.includes('\0')) return { status: STATUS_OBJECT_NAME_INVALID }
  return { status: STATUS_SUCCESS, name: `${BASE_NAMED_OBJECTS}${leaf}` }
}

const INVALID_FILE_NAME_CHARACTERS = /[\0<>:"/|?*]/

/**
 * A file name of the simulated volume: `\??\C:\leaf` (one flat directory). A relative name is
 * STATUS_OBJECT_PATH_SYNTAX_BAD; another device or a subdirectory STATUS_OBJECT_PATH_NOT_FOUND; an
 * empty leaf or one with a character NTFS refuses STATUS_OBJECT_NAME_INVALID.
 */
export function parseFileName(name: string): { status: number; name?: string } {
  if (!name.startsWith('\\')) return { status: STATUS_OBJECT_PATH_SYNTAX_BAD }
  const prefix = name.slice(0, VOLUME_PREFIX.length)
  if (prefix.toUpperCase() !== VOLUME_PREFIX.toUpperCase()) return { status: STATUS_OBJECT_PATH_NOT_FOUND }
  const leaf = name.slice(VOLUME_PREFIX.length)
  if (leaf.includes('\\')) return { status: STATUS_OBJECT_PATH_NOT_FOUND }
  if (leaf === '' || INVALID_FILE_NAME_CHARACTERS.test(leaf)) return { status: STATUS_OBJECT_NAME_INVALID }
  return { status: STATUS_SUCCESS, name: `${VOLUME_PREFIX}${leaf}` }
}
