import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { LOW_VOLUME_KINDS, lowVolumeSchema } from './machineEventSchemas.js'
import { machineSchema } from './machineSchema.js'

const areaInserted = {
  type: 'mm.areaInserted',
  pid: 4,
  area: {
    startingAddress: 0x10000,
    endingAddress: 0x12000,
    type: 'VIRTUAL_MEMORY',
    protect: 4,
    deleteInProgress: false,
    regions: [{ start: 0x10000, length: 0x2000, type: 0x1000, protect: 4 }],
  },
}

/** The dotted path of the first issue of `event` against its kind's schema, or 'ok'. */
function firstIssue(event: Record<string, unknown>): string {
  const result = v.safeParse(lowVolumeSchema(event.type as string) as v.GenericSchema, event)
  return result.success ? 'ok' : (v.getDotPath(result.issues[0]) ?? '(root)')
}

describe('machineEventSchemas', () => {
  it('has a schema for every low-volume kind of the machine schema, and for no other', () => {
    const low = machineSchema.kinds.filter((kind) => kind.volume === 'low').map((kind) => kind.type)
    expect([...LOW_VOLUME_KINDS].sort()).toEqual([...low].sort())
  })

  it('keeps the recorded event as it is (key order included: the determinism check compares JSON)', () => {
    const event = { area: areaInserted.area, pid: 4, type: 'mm.areaInserted' }
    const result = v.safeParse(lowVolumeSchema('mm.areaInserted') as v.GenericSchema, event)
    expect(result.success && result.output).toBe(event)
  })

  it.each([
    ['a fractional pid', { ...areaInserted, pid: 4.5 }, 'pid'],
    [
      'a region type that is neither MEM_COMMIT nor MEM_RESERVE',
      {
        ...areaInserted,
        area: { ...areaInserted.area, regions: [{ ...areaInserted.area.regions[0], type: 0x4000 }] },
      },
      'area.regions.0.type',
    ],
    ['an unknown key', { ...areaInserted, extra: 1 }, 'extra'],
    [
      'a missing field',
      { type: 'nt.handleCreated', pid: 4, handle: 4, objectId: 1, grantedAccess: 0 },
      'reusedSlot',
    ],
    ['a byte above 255', { type: 'nt.cpuWriteData', bytes: [1, 256] }, 'bytes.1'],
    [
      'an unknown system service',
      { type: 'nt.syscallEntered', pid: 4, service: 'constructor', arguments: {} },
      'service',
    ],
    ['an unknown debug call', { type: 'nt.debugInput', pid: 4, call: 'poke', address: 0 }, 'call'],
  ])('refuses %s, naming the field', (_name, event, field) => {
    expect(firstIssue(event as Record<string, unknown>)).toBe(field)
  })
})
