import { describe, expect, it } from 'vitest'
import { VersionedRecords } from './versionedRecords.js'

interface Counter {
  readonly value: number
  readonly history: readonly number[]
}

function step(records: VersionedRecords<Counter, 'add' | 'other'>, amount: number): void {
  const draft = records.begin()
  draft.value += amount
  draft.history.push(amount)
  records.commit('add', draft)
}

describe('VersionedRecords', () => {
  it('makes a new frozen version per change and leaves the earlier one as it was', () => {
    const records = new VersionedRecords<Counter, 'add'>({ value: 0, history: [] })
    const first = records.current
    step(records, 5)
    expect(first).toEqual({ value: 0, history: [] })
    expect(records.current).toEqual({ value: 5, history: [5] })
    expect(Object.isFrozen(records.current)).toBe(true)
    expect(Object.isFrozen(records.current.history)).toBe(true)
  })

  it('undoes the latest changes by their inverse patches, and refuses a change it did not journal', () => {
    const records = new VersionedRecords<Counter, 'add' | 'other'>({ value: 0, history: [] })
    step(records, 1)
    step(records, 2)
    expect(records.undo('other')).toBe(false)
    expect(records.current.value).toBe(3)
    expect(records.undo('add')).toBe(true)
    expect(records.current).toEqual({ value: 1, history: [1] })
    expect(records.undo('add')).toBe(true)
    expect(records.undo('add')).toBe(false)
    expect(records.current).toEqual({ value: 0, history: [] })
  })

  it('keeps at least undoDepth changes and at most twice as many', () => {
    const records = new VersionedRecords<Counter, 'add'>({ value: 0, history: [] }, { undoDepth: 3 })
    for (let amount = 1; amount <= 10; amount++) step(records, amount)
    expect(records.journalLength).toBeGreaterThanOrEqual(3)
    expect(records.journalLength).toBeLessThan(6)
    let undone = 0
    while (records.undo('add')) undone++
    expect(undone).toBe(10 - records.current.history.length)
    expect(records.current.value).toBe(records.current.history.reduce((sum, amount) => sum + amount, 0))
  })

  it('keeps no journal with undoDepth 0, nor when updated in place', () => {
    for (const options of [{ undoDepth: 0 }, { updates: 'inPlace' as const }]) {
      const records = new VersionedRecords<Counter, 'add'>({ value: 0, history: [] }, options)
      step(records, 1)
      expect(records.current.value).toBe(1)
      expect(records.undo('add')).toBe(false)
    }
    expect(() => new VersionedRecords({ value: 0 }, { undoDepth: -1 })).toThrow(RangeError)
  })

  it('shares the current version with a copy that keeps it while the original goes on', () => {
    const records = new VersionedRecords<Counter, 'add'>({ value: 0, history: [] })
    step(records, 1)
    const copy = records.share()
    expect(copy.current).toBe(records.current)
    expect(copy.undo('add')).toBe(false)
    step(records, 2)
    expect(copy.current).toEqual({ value: 1, history: [1] })
    expect(records.current.value).toBe(3)
  })

  it('freezes a copy updated in place when it is shared, and goes on by versions', () => {
    const live = new VersionedRecords<Counter, 'add'>({ value: 0, history: [] }, { updates: 'inPlace' })
    step(live, 1)
    const before = live.current
    expect(Object.isFrozen(before)).toBe(false)
    const copy = live.share()
    expect(Object.isFrozen(before)).toBe(true)
    step(live, 2)
    expect(copy.current).toEqual({ value: 1, history: [1] })
    expect(live.current.value).toBe(3)
  })
})
