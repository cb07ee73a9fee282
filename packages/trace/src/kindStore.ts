// The storage of one high-volume kind of a trace log: a typed-array column per declared field, in
// chunks of 2^16 rows, with per-chunk lookups the appenders, the row views and `applyRows` read.
import {
  CHUNK_BITS,
  CHUNK_MASK,
  ChunkedColumn,
  COLUMN_CONSTRUCTORS,
  type ColumnArray,
} from './columnStore.js'
import { RowView, rowViewClass } from './rowView.js'
import type { KindInfo } from './traceSchema.js'

/** Storage of one high-volume kind: its columns and, per row chunk, the arrays and batch record. */
export class KindStore {
  readonly kind: KindInfo
  readonly columns: ChunkedColumn[]
  /** Rows stored (while an appender owns the open run, its cursor holds the live count). */
  rowCount = 0
  /** Per row chunk: the field arrays in declaration order. */
  readonly chunkArrays: ColumnArray[][] = []
  /** Per row chunk: the field arrays by name. */
  readonly chunkRecords: Record<string, ColumnArray>[] = []
  private readonly ViewClass: new () => RowView

  constructor(kind: KindInfo) {
    this.kind = kind
    this.columns = kind.fields.map((field) => {
      return new ChunkedColumn(COLUMN_CONSTRUCTORS[field.type])
    })
    this.refreshChunk(0)
    this.ViewClass = rowViewClass(kind)
  }

  /** Makes room for row `rowCount` (the next row); returns its offset in the current chunk. */
  grow(): number {
    const row = this.rowCount
    // Common case (every switch of kind in an interleaved stream): the current chunk has room.
    const first = this.columns[0]
    if (first !== undefined && row - first.base < first.current.length) return row - first.base
    const before = this.columns[0]?.current
    let offset = 0
    for (const column of this.columns) offset = column.grow(row)
    if (this.columns[0]?.current !== before) {
      const chunk = row >>> CHUNK_BITS
      this.refreshChunk(chunk)
      // Moving on to a new chunk may have narrowed the full one before it (ChunkedColumn.grow).
      if (chunk > 0) this.refreshChunk(chunk - 1)
    }
    return offset
  }

  /**
   * Where an appender may write rows from the current chunk's first row on, one array per field:
   * the spans of a reserved stretch, else the current chunks (see {@link ChunkedColumn.spans}).
   */
  writableArrays(): ColumnArray[] {
    return this.columns.map((column) => column.writable())
  }

  /** Pre-allocates chunks up to `rows` rows. */
  reserve(rows: number): void {
    for (const column of this.columns) column.reserve(rows)
    const chunkCount = this.columns[0]?.chunks.length ?? 0
    for (let chunk = 0; chunk < chunkCount; chunk++) this.refreshChunk(chunk)
  }

  refreshChunk(chunk: number): void {
    const arrays = this.columns.map((column) => column.chunks[chunk] as ColumnArray)
    this.chunkArrays[chunk] = arrays
    const record: Record<string, ColumnArray> = Object.create(null)
    this.kind.fields.forEach((field, index) => {
      record[field.name] = arrays[index] as ColumnArray
    })
    this.chunkRecords[chunk] = Object.freeze(record)
  }

  /** A fresh read-only view positioned on `row`. */
  view(row: number): RowView {
    const view = new this.ViewClass()
    RowView.setArrays(view, this.chunkArrays[row >>> CHUNK_BITS] ?? [])
    RowView.setRow(view, row & CHUNK_MASK)
    return view
  }

  /** A frozen plain object for `row`. */
  materialize(row: number): object {
    const event: Record<string, unknown> = { type: this.kind.type }
    const chunk = row >>> CHUNK_BITS
    const offset = row & CHUNK_MASK
    const arrays = this.chunkArrays[chunk] ?? []
    this.kind.fields.forEach((field, index) => {
      event[field.name] = (arrays[index] as ColumnArray)[offset]
    })
    return Object.freeze(event)
  }
}
