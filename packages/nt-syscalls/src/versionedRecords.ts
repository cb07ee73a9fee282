// Versions of an OS-level record tree (the object manager's objects, handle tables and CID
// table; the Kernel's process table), changed through immer, with an undo journal of inverse
// patches. NT keeps these structures mutable under its locks (ObpLock, the handle-table lock,
// PspCidTable's); the simulator keeps old versions alive instead, so a time-travel checkpoint is
// a reference that shares structure with later versions (DESIGN.md "Time travel",
// docs/decisions/005-immer-for-os-records.md).

import { type Draft, enableMapSet, enablePatches, freeze, Immer, type Patch } from 'immer'

// The records hold Maps and Sets, and undo replays inverse patches (both plugins are global
// registrations in immer; registering twice is a no-op).
enableMapSet()
enablePatches()

/** Our own Immer, so another package turning auto-freeze off globally cannot make versions mutable. */
const immer = new Immer({ autoFreeze: true })

/** The changes an undo journal keeps by default (a few thousand; see {@link VersioningOptions}). */
const DEFAULT_UNDO_DEPTH = 4096

/** How an OS-level state (object-manager state, Kernel state) is changed. */
export interface VersioningOptions {
  /**
   * `'versioned'` (default): every change makes a new immutable version (immer's copy-on-write),
   * so versions taken earlier stay valid and a clone is a reference. `'inPlace'`: the same
   * changes are made to the one mutable copy, for the live machine, whose object manager changes
   * on nearly every system call (a reference and a dereference), where an immer version per
   * change costs many times the call (docs/decisions/005); a clone then freezes the copy and the
   * state goes on versioned.
   */
  readonly updates?: 'versioned' | 'inPlace'
  /**
   * Versioned only: how many of the latest changes the undo journal keeps at least (it keeps at
   * most twice as many); 0 keeps no journal, and changes skip computing patches. Default 4096.
   */
  readonly undoDepth?: number
}

/** A journal entry: which change was made, and the patches that take it back. */
interface JournalEntry<Change> {
  readonly change: Change
  readonly inverse: readonly Patch[]
}

/**
 * The current version of a record tree `T`, changed only between {@link begin} and
 * {@link commit}, one change named by a `Change` tag at a time; {@link undo} takes back the latest
 * change by its inverse patches.
 */
export class VersionedRecords<T extends object, Change extends string> {
  #current: T
  #inPlace: boolean
  readonly #undoDepth: number
  readonly #journal: JournalEntry<Change>[] = []

  /** @throws RangeError when `undoDepth` is not a non-negative integer. */
  constructor(initial: T, options: VersioningOptions = {}) {
    const undoDepth = options.undoDepth ?? DEFAULT_UNDO_DEPTH
    if (!Number.isSafeInteger(undoDepth) || undoDepth < 0) {
      throw new RangeError(`undoDepth ${String(undoDepth)} must be a non-negative integer`)
    }
    this.#inPlace = options.updates === 'inPlace'
    // The live copy never steps back: no journal, whatever the option says.
    this.#undoDepth = this.#inPlace ? 0 : undoDepth
    this.#current = this.#inPlace ? initial : freeze(initial, true)
  }

  /** The current version (frozen unless updated in place; never change it). */
  get current(): T {
    return this.#current
  }

  /** Changes still undoable, latest last (for tests and diagnostics). */
  get journalLength(): number {
    return this.#journal.length
  }

  /**
   * The records to change for one change: the live copy, or a new immer draft of the current
   * version. Write to it, then {@link commit} it; a draft never committed (a precondition threw)
   * leaves the state unchanged. (A begin/commit pair rather than immer's `produce(recipe)`: the
   * live copy's changes then allocate no closure and make no indirect call.)
   */
  begin(): Draft<T> {
    return this.#inPlace ? (this.#current as Draft<T>) : immer.createDraft(this.#current)
  }

  /**
   * Ends change `change` made on `draft` (from {@link begin}): the draft becomes the current
   * version, its inverse patches journaled when the journal is on.
   */
  commit(change: Change, draft: Draft<T>): void {
    // Small enough to inline into the live copy's apply functions; the versioned work is apart.
    if (!this.#inPlace) this.#finish(change, draft)
  }

  #finish(change: Change, draft: Draft<T>): void {
    if (this.#undoDepth === 0) {
      this.#current = immer.finishDraft(draft) as T
      return
    }
    let inverse: readonly Patch[] = []
    this.#current = immer.finishDraft(draft, (_patches, inversePatches) => {
      inverse = inversePatches
    }) as T
    const journal = this.#journal
    // Drop the older half at once: amortised O(1) per change, where a shift per change is O(depth).
    if (journal.length >= 2 * this.#undoDepth) journal.splice(0, this.#undoDepth)
    journal.push({ change, inverse })
  }

  /**
   * Takes back the latest change, which must be `change`, by applying its inverse patches.
   * Returns false, changing nothing, when the journal holds no such entry: the state keeps no
   * journal, the change was made before this state was cloned, or it fell off the journal's depth.
   */
  undo(change: Change): boolean {
    const entry = this.#journal.at(-1)
    if (entry === undefined || entry.change !== change) return false
    this.#journal.pop()
    this.#current = immer.applyPatches(this.#current, entry.inverse)
    return true
  }

  /**
   * A new state holding the current version by reference (versions share structure until either
   * side changes), with an empty journal. A state updated in place is frozen first and changes
   * by versions from then on, so the copy stays as it was.
   */
  share(): VersionedRecords<T, Change> {
    if (this.#inPlace) {
      freeze(this.#current, true)
      this.#inPlace = false
    }
    return new VersionedRecords(this.#current, { undoDepth: this.#undoDepth })
  }
}
