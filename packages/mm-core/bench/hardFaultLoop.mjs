// Bench 3b's hard-fault loop (bench/index.ts) alone, on a built tree's mm-core dist, for profiles
// and for comparing two builds in separate processes (docs/performance.md, issue 22, `hardfault2`):
// 1024 written pages cycled through the 1 MiB machine's frames, every read a hard fault that trims,
// writes a modified page to the page file and reads its own page back.
//
//   node bench/hardFaultLoop.mjs <tree root> [rounds]          median CPU time per fault (µs)
//   node bench/hardFaultLoop.mjs <tree root> [rounds] --alloc  bytes allocated per fault, by site
//   node --cpu-prof --cpu-prof-interval 50 bench/hardFaultLoop.mjs <tree root> 150
//
// Run it with one tree and then the other, alternately, several times: the machine is shared.
import { Session } from 'node:inspector/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = resolve(process.argv[2] ?? '.')
const rounds = Number(process.argv[3] ?? 120)
const alloc = process.argv.includes('--alloc')
const { MemoryManager, PAGE_READWRITE } = await import(
  pathToFileURL(`${root}/packages/mm-core/dist/index.js`).href
)
const mm = new MemoryManager({
  arch: 'x86',
  physicalMemory: 1024 * 1024,
  pageFile: 16 * 1024 * 1024,
  replacementPolicy: 'working-set',
})
const space = mm.createAddressSpace(1).space
const mmu = mm.mmuFor(1)
const PAGED = 1024
const base = mm.createArea(space, { size: PAGED * 0x1000, protect: PAGE_READWRITE, commit: true }).area
  .startingAddress
for (let p = 0; p < PAGED; p++) mmu.write8(base + p * 0x1000 + 8, p & 0xff)
let cursor = 0
function hardFaultLoop(count) {
  loops += count
  let sum = 0
  for (let i = 0; i < count; i++) {
    sum += mmu.read8(base + cursor * 0x1000 + 8)
    cursor = (cursor + 1) % PAGED
  }
  return sum
}
const BATCH = 2000
const cpu = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}
const hardBefore = mm.counters.hardFaults
const faultsBefore = mm.counters.pageFaults
let loops = 0
let sink = 0
if (alloc) {
  for (let r = 0; r < 10; r++) sink += hardFaultLoop(BATCH)
  const session = new Session()
  session.connect()
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  for (let r = 0; r < rounds; r++) sink += hardFaultLoop(BATCH)
  const { profile } = await session.post('HeapProfiler.stopSampling')
  const faults = rounds * BATCH
  const bySite = new Map()
  let total = 0
  const walk = (node) => {
    const frame = node.callFrame
    const site = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}`
    if (node.selfSize > 0) {
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize)
      total += node.selfSize
    }
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  console.log(`${root}: ~${(total / faults).toFixed(0)} bytes allocated per hard fault`)
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 8))
    console.log(`${(bytes / faults).toFixed(1).padStart(8)}  ${site}`)
} else {
  const times = []
  for (let r = 0; r < rounds; r++) {
    const start = cpu()
    sink += hardFaultLoop(BATCH)
    times.push(((cpu() - start) / BATCH) * 1000)
  }
  const kept = times.slice(Math.min(10, rounds >> 2)).sort((a, b) => a - b)
  console.log(
    `${root}: ${kept[kept.length >> 1].toFixed(3)} µs per hard fault (median of ${kept.length} rounds)`,
  )
}
// Every read was a hard fault, and no other fault happened.
if (mm.counters.hardFaults - hardBefore !== loops || mm.counters.pageFaults - faultsBefore !== loops)
  throw new Error('the loop took other faults than hard ones')
if (mm.checkInvariants().length > 0) throw new Error('the loop left the machine inconsistent')
if (sink < 0) console.log(sink)
