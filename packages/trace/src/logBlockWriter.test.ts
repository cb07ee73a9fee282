import { describe, expect, it } from 'vitest'
import { encodeToBytes } from './testing/codecHelpers.js'
import { type ToyEvent, toySchema } from './testing/toyModel.js'
import { NO_CAUSE, TraceLog } from './traceLog.js'

/**
 * A log long enough for every form the encoder's direct read meets: dense and run chunks of the
 * seq index, column chunks narrowed (small values) and kept wide, cause chunks sealed as u16
 * distances and kept i32 (a cause 70,000 events back), rare events between rows.
 */
function longLog(): TraceLog<ToyEvent> {
  const log = new TraceLog(toySchema)
  const set = log.appender('kv.set')
  const count = 200_000
  for (let seq = 0; seq < count; seq++) {
    // Notes every 500 events in the first half (dense chunks), none after (run chunks).
    if (seq < 100_000 && seq % 500 === 250) {
      log.append({ type: 'kv.note', text: `note ${seq}`, at: seq }, { cause: seq - 3 })
      continue
    }
    const wide = seq >= 140_000 && seq < 150_000
    const value = wide ? seq * 40_000 - 2 ** 31 : (seq % 200) - 100
    const cause = seq === 70_000 ? 1 : seq % 5 === 0 ? NO_CAUSE : seq - 1 - (seq % 97)
    set.append(seq % 16, value, seq & 0xff, cause < 0 ? NO_CAUSE : cause)
  }
  return log
}

describe('logBlockWriter', () => {
  it('encodes a long log read directly to the bytes its entries encode to', async () => {
    const log = longLog()
    const memory = log.memory()
    // The narrowed forms are there (else this test would not test them).
    // Four row chunks of 9 bytes a row (u8, i32, i32) at their declared widths; four seq chunks.
    expect(memory.columnBytes).toBeLessThan(4 * 65_536 * 9)
    expect(memory.causeBytes).toBeLessThan(4 * 65_536 * 4)
    for (const blockEvents of [1 << 16, 50_000]) {
      for (const encoding of ['binary', 'binary-deflate'] as const) {
        const viaEntries = await encodeToBytes(log, encoding, blockEvents)
        const viaLog = await encodeToBytes(log, encoding, blockEvents, true)
        expect(viaLog.length, `${encoding}, blocks of ${blockEvents}`).toBe(viaEntries.length)
        expect(
          Buffer.from(viaLog).equals(Buffer.from(viaEntries)),
          `${encoding}, blocks of ${blockEvents}`,
        ).toBe(true)
      }
    }
  })
})
