// How a small store reaches a recording lane: as the scalar physical writes (hw.physicalWrite) of
// 4, 2 and 1 bytes that make the same state change, lowest address first. A store of a 64-bit
// pointer, the commonest store of an x64 program, is then two numeric lane calls and two typed
// rows in a trace, instead of an hw.physicalBytesWritten object with two byte arrays (about
// 600 bytes of heap each, recorded half a million times by a 3M-line valgrind trace).

/** Stores of up to this many bytes (a 16-byte SSE store) go to a lane as scalar writes. */
export const LANE_STORE_LIMIT = 16

/** The size of the next scalar write of a store with `remaining` bytes left to write. */
export function scalarPieceSize(remaining: number): 1 | 2 | 4 {
  return remaining >= 4 ? 4 : remaining >= 2 ? 2 : 1
}
