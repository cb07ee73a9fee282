import { describe, expect, it } from 'vitest'
import { checkTraceEntries, checkTraceLog } from './checkTraceLog.js'
import { sampleEvents, toyLog } from './testing/codecHelpers.js'

describe('checkTraceLog', () => {
  it('finds nothing wrong in a recorded log, from any starting seq', () => {
    const log = toyLog(sampleEvents(40))
    expect(checkTraceLog(log)).toEqual([])
    expect(checkTraceLog(log, { from: 35 })).toEqual([])
  })

  it('reports gaps in seqs and causes that do not point backwards in a stream of entries', () => {
    const entries = [...toyLog(sampleEvents(6)).entries()]
    expect(checkTraceEntries(entries)).toEqual([])
    const broken = [entries[0]!, { ...entries[2]! }, { ...entries[3]!, cause: 3 }]
    expect(checkTraceEntries(broken)).toEqual([
      'seq 2 where 1 was expected',
      'seq 3: cause 3 does not point backwards',
    ])
  })
})
