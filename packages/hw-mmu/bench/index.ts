// Benchmarks of @ntmm/hw-mmu (run with `pnpm bench`): contenders interleaved in one run, repeated,
// medians reported. Wall-clock timing is fine here: this is the benchmark, not the simulation.
import { FrameStore, Mmu } from '../src/index.js'
import { createRoot, mapPage } from '../src/testing/addressSpace.js'

const now = (): number => Number(process.hrtime.bigint()) / 1e6 // milliseconds

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

let sink = 0

/** A machine with `pages` user pages mapped from 0x10000000, with CR3 loaded. */
function machine(tlb: 'i386' | 'skylake', pages: number): Mmu {
  const mmu = new Mmu({ mode: 'x86', tlb, frames: 4096 })
  const root = createRoot(mmu)
  for (let n = 0; n < pages; n++)
    mapPage(mmu, root, 0x10000000 + n * 4096, 1024 + n, { user: true, writable: true })
  mmu.loadCr3(root)
  return mmu
}

/** An address stream over `pages` pages (pseudo-random offsets, page order given). */
function stream(pageOrder: (i: number) => number, length: number): Uint32Array {
  const out = new Uint32Array(length)
  let x = 12345
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out[i] = 0x10000000 + pageOrder(i) * 4096 + ((x >>> 8) & 0xffc)
  }
  return out
}

function bare(table: Int32Array, addresses: Uint32Array, repeat: number): number {
  let sum = 0
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < addresses.length; i++) {
      const va = addresses[i]!
      sum += table[va >>> 12]! * 4096 + (va & 0xfff)
    }
  }
  return sum
}

function modelled(mmu: Mmu, addresses: Uint32Array, repeat: number): number {
  let sum = 0
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < addresses.length; i++) sum += mmu.translateToPhysical(addresses[i]!, 'read', 'user')
  }
  return sum
}

function reads(mmu: Mmu, addresses: Uint32Array, repeat: number): number {
  let sum = 0
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < addresses.length; i++) sum += mmu.read32(addresses[i]!, 'user')
  }
  return sum
}

function hitBenchmark(preset: 'i386' | 'skylake'): {
  bareNs: number
  hitNs: number
  readNs: number
  ratio: number
  readRatio: number
} {
  const pages = 16
  const mmu = machine(preset, pages)
  const table = new Int32Array(1 << 20)
  for (let n = 0; n < pages; n++) table[0x10000 + n] = 1024 + n
  const addresses = stream((i) => (i * 7) % pages, 1 << 16)
  const repeat = 8
  const ratios: number[] = []
  const readRatios: number[] = []
  const bareTimes: number[] = []
  const hitTimes: number[] = []
  const readTimes: number[] = []
  for (let round = 0; round < 25; round++) {
    const t0 = now()
    sink += bare(table, addresses, repeat)
    const t1 = now()
    sink += modelled(mmu, addresses, repeat)
    const t2 = now()
    sink += reads(mmu, addresses, repeat)
    const t3 = now()
    if (round < 5) continue // warm-up
    bareTimes.push(t1 - t0)
    hitTimes.push(t2 - t1)
    readTimes.push(t3 - t2)
    ratios.push((t2 - t1) / (t1 - t0))
    readRatios.push((t3 - t2) / (t1 - t0))
  }
  const statistics = mmu.statistics().data
  if (statistics.misses !== pages)
    throw new Error(`expected only compulsory misses, got ${statistics.misses}`)
  const perAccess = (ms: number) => (ms * 1e6) / (addresses.length * repeat)
  return {
    bareNs: perAccess(median(bareTimes)),
    hitNs: perAccess(median(hitTimes)),
    readNs: perAccess(median(readTimes)),
    ratio: median(ratios),
    readRatio: median(readRatios),
  }
}

function missBenchmark(): { hitNs: number; missNs: number; ratio: number } {
  // i386 TLB: 8 sets × 4 ways, LRU. 64 pages cycled in order put 8 pages through each set's 4
  // ways: every access misses and walks both levels. 16 pages fit: every access hits.
  const missing = machine('i386', 64)
  const hitting = machine('i386', 64)
  const missStream = stream((i) => i % 64, 1 << 14)
  const hitStream = stream((i) => i % 16, 1 << 14)
  const repeat = 8
  const ratios: number[] = []
  const missTimes: number[] = []
  const hitTimes: number[] = []
  for (let round = 0; round < 25; round++) {
    const t0 = now()
    sink += modelled(hitting, hitStream, repeat)
    const t1 = now()
    sink += modelled(missing, missStream, repeat)
    const t2 = now()
    if (round < 5) continue
    hitTimes.push(t1 - t0)
    missTimes.push(t2 - t1)
    ratios.push((t2 - t1) / (t1 - t0))
  }
  const statistics = missing.statistics().data
  if (statistics.hits !== 0) throw new Error(`the miss stream hit ${statistics.hits} times`)
  const perAccess = (ms: number) => (ms * 1e6) / (hitStream.length * repeat)
  return { hitNs: perAccess(median(hitTimes)), missNs: perAccess(median(missTimes)), ratio: median(ratios) }
}

function checkpointBenchmark(): { rows: string[][]; ratio: number } {
  const rows: string[][] = []
  let ratio = 0
  for (const [frames, written] of [
    [16384, true],
    [32768, true],
    [65536, true],
    [65536, false],
  ] as const) {
    const store = new FrameStore({ frameCount: frames })
    if (written) for (let pfn = 0; pfn < frames; pfn++) store.write32(pfn * 4096 + 8, pfn + 1)
    // Copying the bytes: one memcpy of the whole RAM into a preallocated buffer (the cheapest
    // possible copy, and no allocation, so no garbage collection lands in either timing).
    const bytes = new Uint8Array(frames * 4096).fill(1)
    const target = new Uint8Array(frames * 4096)
    const checkpointTimes: number[] = []
    const copyTimes: number[] = []
    for (let round = 0; round < 22; round++) {
      // 20 checkpoints back to back per sample: each is too short for the timer alone.
      const t0 = now()
      for (let k = 0; k < 20; k++) sink += store.checkpoint().frameCount
      const t1 = now()
      target.set(bytes)
      const t2 = now()
      sink += target[round]!
      if (round < 2) continue
      checkpointTimes.push((t1 - t0) / 20)
      copyTimes.push(t2 - t1)
    }
    const checkpointMs = median(checkpointTimes)
    const copyMs = median(copyTimes)
    if (frames === 65536 && written) ratio = copyMs / checkpointMs
    rows.push([
      `${frames} frames (${(frames * 4) / 1024} MiB), ${written ? 'every frame written' : 'no frame written'}`,
      `${(checkpointMs * 1000).toFixed(1)} µs`,
      `${copyMs.toFixed(2)} ms`,
      `${(copyMs / checkpointMs).toFixed(0)}x`,
    ])
  }
  return { rows, ratio }
}

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)))
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`
  console.log(`\n${title}`)
  console.log(line(header))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const row of rows) console.log(line(row))
}

const i386 = hitBenchmark('i386')
const skylake = hitBenchmark('skylake')
table(
  'TLB-hit translation vs a bare Int32Array page lookup (same address stream; target: ratio <= 3)',
  ['TLB', 'bare lookup', 'TLB hit', 'ratio', 'read32 on a hit', 'read32 ratio'],
  [
    [
      'i386 (32 entries, 4-way)',
      `${i386.bareNs.toFixed(2)} ns`,
      `${i386.hitNs.toFixed(2)} ns`,
      `${i386.ratio.toFixed(2)}x`,
      `${i386.readNs.toFixed(2)} ns`,
      `${i386.readRatio.toFixed(2)}x`,
    ],
    [
      'Skylake L1 DTLB (64, 4-way) + STLB',
      `${skylake.bareNs.toFixed(2)} ns`,
      `${skylake.hitNs.toFixed(2)} ns`,
      `${skylake.ratio.toFixed(2)}x`,
      `${skylake.readNs.toFixed(2)} ns`,
      `${skylake.readRatio.toFixed(2)}x`,
    ],
  ],
)
const miss = missBenchmark()
table(
  'TLB-miss translate (walk + fill) vs TLB-hit translate (2-level walk with A/D checks, i386 TLB)',
  ['hit', 'miss', 'miss / hit'],
  [[`${miss.hitNs.toFixed(2)} ns`, `${miss.missNs.toFixed(2)} ns`, `${miss.ratio.toFixed(1)}x`]],
)
const checkpoints = checkpointBenchmark()
table(
  'FrameStore checkpoint vs copying the bytes (target: >= 50x at 256 MiB; cost follows frames, not bytes)',
  ['store', 'checkpoint', 'copy bytes', 'copy / checkpoint'],
  checkpoints.rows,
)
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET')
console.log(
  `\nTargets: hit <= 3x bare: ${verdict(i386.ratio <= 3 && skylake.ratio <= 3)}; checkpoint >= 50x cheaper: ${verdict(checkpoints.ratio >= 50)}`,
)
if (sink === 42) console.log('')
