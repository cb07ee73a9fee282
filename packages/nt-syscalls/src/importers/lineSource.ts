// Lines of a text file, streamed: a file (gunzipped through node:zlib when it ends in .gz), an
// async iterable of chunks or lines, or an array of lines. Splitting chunks by hand is several
// times faster than node:readline, and holds one chunk at a time.

import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'

/** Where a memory trace comes from: a file path, or lines (sync or async). */
export type LineInput = string | Iterable<string> | AsyncIterable<string>

/** Batches of lines from `input` (a batch per chunk read; arrays come in one batch). */
export async function* lineBatches(input: LineInput): AsyncGenerator<readonly string[]> {
  if (typeof input !== 'string') {
    if (Array.isArray(input)) {
      yield input as readonly string[]
      return
    }
    let batch: string[] = []
    for await (const line of input as AsyncIterable<string>) {
      batch.push(line)
      if (batch.length >= 4096) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
    return
  }
  const file = createReadStream(input, { highWaterMark: 1 << 20 })
  const stream = input.endsWith('.gz') ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file
  stream.setEncoding('utf8')
  let carry = ''
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = carry + chunk
      const lines = text.split('\n')
      carry = lines.pop() ?? ''
      yield lines
    }
    if (carry !== '') yield [carry]
  } finally {
    file.destroy()
  }
}
