// Read-only views of high-volume rows: an object per kind whose fields are getters reading the
// typed columns at the current row, so replay and scans hand events to consumers without
// creating an object per event. Internal state sits in private fields, out of reach of the
// consumer and out of JSON. Internal to @ntmm/trace.
import type { ColumnArray } from './columnStore.js'
import type { KindInfo } from './traceSchema.js'

const EMPTY: ColumnArray = new Uint8Array(0)

/** Base class of the per-kind view classes. */
export class RowView {
  #a0: ColumnArray = EMPTY
  #a1: ColumnArray = EMPTY
  #a2: ColumnArray = EMPTY
  #a3: ColumnArray = EMPTY
  #a4: ColumnArray = EMPTY
  #a5: ColumnArray = EMPTY
  #a6: ColumnArray = EMPTY
  #a7: ColumnArray = EMPTY
  #row = 0

  /** Points `view` at the arrays of one row chunk. */
  static setArrays(view: RowView, arrays: readonly ColumnArray[]): void {
    view.#a0 = arrays[0] ?? EMPTY
    view.#a1 = arrays[1] ?? EMPTY
    view.#a2 = arrays[2] ?? EMPTY
    view.#a3 = arrays[3] ?? EMPTY
    view.#a4 = arrays[4] ?? EMPTY
    view.#a5 = arrays[5] ?? EMPTY
    view.#a6 = arrays[6] ?? EMPTY
    view.#a7 = arrays[7] ?? EMPTY
  }

  /** Points `view` at row `offset` of its chunk. */
  static setRow(view: RowView, offset: number): void {
    view.#row = offset
  }

  /** Getter of the field in column position `index`. */
  static readonly getters: readonly ((this: RowView) => number | undefined)[] = [
    function (this: RowView) {
      return this.#a0[this.#row]
    },
    function (this: RowView) {
      return this.#a1[this.#row]
    },
    function (this: RowView) {
      return this.#a2[this.#row]
    },
    function (this: RowView) {
      return this.#a3[this.#row]
    },
    function (this: RowView) {
      return this.#a4[this.#row]
    },
    function (this: RowView) {
      return this.#a5[this.#row]
    },
    function (this: RowView) {
      return this.#a6[this.#row]
    },
    function (this: RowView) {
      return this.#a7[this.#row]
    },
  ]
}

/** Makes the view class of one high-volume kind: `type` and one read-only getter per field. */
export function rowViewClass(kind: KindInfo): new () => RowView {
  const KindView = class extends RowView {}
  const prototype = KindView.prototype as unknown as Record<string, unknown>
  Object.defineProperty(prototype, 'type', { value: kind.type, enumerable: true })
  kind.fields.forEach((field, index) => {
    const getter = RowView.getters[index]
    if (getter === undefined) throw new RangeError(`kind ${kind.type} has more than 8 fields`)
    Object.defineProperty(prototype, field.name, { get: getter, enumerable: true })
  })
  Object.defineProperty(prototype, 'toJSON', {
    value(this: Record<string, unknown>) {
      const event: Record<string, unknown> = { type: kind.type }
      for (const field of kind.fields) event[field.name] = this[field.name]
      return event
    },
  })
  Object.freeze(prototype)
  return KindView
}
