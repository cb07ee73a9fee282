// The knobs of the 'nt' replacement policy (NT-PAGING.md §3): the balance-set tick, the free-page
// thresholds of ARM3 mminit.c (MmMinimumFreePages 26, MmPlentyFreePages 400), the modified page
// writer's threshold and write cluster, and the working-set minimum and maximum every process
// starts with (SetProcessWorkingSetSizeEx: 50 and 345 pages). Windows sizes these for machines of
// gigabytes; the simulator runs machines of a few hundred frames, so each default is scaled by the
// frame count and clamped to the Windows value (stated here and in the trace header).

/** The configuration of the 'nt' policy (MemoryManagerOptions.nt); omitted fields take the defaults. */
export interface NtPagingOptions {
  /**
   * A balance-set tick every this many CPU references (VirtualMemoryManager.countReferences);
   * 0: only explicit ticks. Default 1000.
   */
  readonly tickEvery?: number
  /** MmMinimumFreePages: below this many available pages trimming is hard and a frame request runs a tick at once. Default clamp(frames / 32, 2, 26). */
  readonly minimumFreePages?: number
  /** MmPlentyFreePages: the working-set manager stops trimming above this many available + modified pages. Default clamp(frames / 8, 2 × minimumFreePages, 400). */
  readonly plentyFreePages?: number
  /** The modified page writer writes once the modified list holds this many pages. Default clamp(frames / 16, 4, 256). */
  readonly modifiedWriteThreshold?: number
  /** Pages per write I/O of the modified page writer. Default 16 (64 KiB, older NT). */
  readonly writeCluster?: number
}

/** The 'nt' configuration with every default applied, plus the working-set defaults. */
export interface NtPagingConfig {
  readonly tickEvery: number
  readonly minimumFreePages: number
  readonly plentyFreePages: number
  readonly modifiedWriteThreshold: number
  readonly writeCluster: number
  /** A new process's working-set minimum in pages: clamp(frames / 64, 4, 50). */
  readonly workingSetMinimum: number
  /** A new process's working-set maximum in pages: clamp(frames / 2, 2 × minimum, 345). */
  readonly workingSetMaximum: number
}

const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(high, Math.floor(value)))

function checkCount(name: string, value: number | undefined, minimum: number): void {
  if (value === undefined) return
  if (!Number.isInteger(value) || value < minimum || value > 0x7fffffff) {
    throw new RangeError(`nt.${name} ${String(value)} must be an integer of at least ${minimum}`)
  }
}

/**
 * The configuration of a machine of `frameCount` frames: `options` validated (a RangeError naming
 * the option) with the scaled defaults filled in.
 */
export function resolveNtPagingOptions(
  options: NtPagingOptions | undefined,
  frameCount: number,
): NtPagingConfig {
  const given = options ?? {}
  if (typeof given !== 'object' || given === null) throw new RangeError('nt must be an object')
  checkCount('tickEvery', given.tickEvery, 0)
  checkCount('minimumFreePages', given.minimumFreePages, 0)
  checkCount('plentyFreePages', given.plentyFreePages, 0)
  checkCount('modifiedWriteThreshold', given.modifiedWriteThreshold, 1)
  checkCount('writeCluster', given.writeCluster, 1)
  const minimumFreePages = given.minimumFreePages ?? clamp(frameCount / 32, 2, 26)
  const plentyFreePages = given.plentyFreePages ?? clamp(frameCount / 8, 2 * minimumFreePages, 400)
  if (plentyFreePages < minimumFreePages) {
    throw new RangeError(
      `nt.plentyFreePages ${plentyFreePages} must be at least nt.minimumFreePages ${minimumFreePages}`,
    )
  }
  const workingSetMinimum = clamp(frameCount / 64, 4, 50)
  return {
    tickEvery: given.tickEvery ?? 1000,
    minimumFreePages,
    plentyFreePages,
    modifiedWriteThreshold: given.modifiedWriteThreshold ?? clamp(frameCount / 16, 4, 256),
    writeCluster: given.writeCluster ?? 16,
    workingSetMinimum,
    workingSetMaximum: clamp(frameCount / 2, 2 * workingSetMinimum, 345),
  }
}
