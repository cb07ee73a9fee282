// A frame a checkpoint holds as a sparse diff: the words in which it differs from an older buffer
// of the same frame (its anchor) that another checkpoint already holds whole. No NT counterpart
// (RAM keeps no history): this is the simulator's time-travel storage (docs/hw-mmu.md,
// "Copy-on-write checkpoints").
//
//   anchor (Uint32Array of 1024) + indices (Uint16Array) + values (Uint32Array) → the frame's words

/**
 * A frame a checkpoint holds as the words in which it differs from an older buffer of the same
 * frame that another checkpoint already holds whole (its anchor): a few bytes instead of 4 KiB
 * when a program rewrites a few words of a page between two checkpoints.
 */
export class FrameDelta {
  /** @internal */
  constructor(
    /** @internal */ readonly base: Uint32Array,
    /** @internal */ readonly indices: Uint16Array,
    /** @internal */ readonly values: Uint32Array,
  ) {}

  /** The frame's words, in a new buffer. */
  materialize(): Uint32Array {
    const words = this.base.slice()
    const { indices, values } = this
    for (let index = 0; index < indices.length; index++) words[indices[index]!] = values[index]!
    return words
  }

  /** Bytes it holds (besides its base, which another checkpoint holds). */
  get byteLength(): number {
    return this.indices.byteLength + this.values.byteLength + 64
  }
}

/** Words that may differ for a frame to be held as a delta; beyond, it is held whole. */
const DELTA_LIMIT = 256

/** @internal The delta of `words` against `base` (same frame), or undefined when more than DELTA_LIMIT words differ. */
export function frameDelta(base: Uint32Array, words: Uint32Array): FrameDelta | undefined {
  let count = 0
  // Four words a step, compared by one OR of XORs (a checkpoint of a big trace compares every
  // frame written since the last one, most of them differing in a few words only); the step's
  // words counted one by one when any differs. The same count as one word a step.
  const whole = Math.min(words.length, base.length) & ~3
  let index = 0
  for (; index < whole; index += 4) {
    if (
      (((words[index] as number) ^ (base[index] as number)) |
        ((words[index + 1] as number) ^ (base[index + 1] as number)) |
        ((words[index + 2] as number) ^ (base[index + 2] as number)) |
        ((words[index + 3] as number) ^ (base[index + 3] as number))) ===
      0
    )
      continue
    for (let at = index; at < index + 4; at++)
      if (words[at] !== base[at] && ++count > DELTA_LIMIT) return undefined
  }
  for (; index < words.length; index++)
    if (words[index] !== base[index] && ++count > DELTA_LIMIT) return undefined
  const indices = new Uint16Array(count)
  const values = new Uint32Array(count)
  let at = 0
  for (let index = 0; index < words.length && at < count; index++) {
    if (words[index] !== base[index]) {
      indices[at] = index
      values[at++] = words[index]!
    }
  }
  return new FrameDelta(base, indices, values)
}
