// Benchmarks (ratios in one run, medians of interleaved repetitions):
//  1. reserve+commit+touch+release cycle with 50 000 live allocations vs 500;
//  2. the cost of each service relative to a TLB-hit access;
//  3. the time-travel figures (bench/timeTravel.ts: recording cost, kernel.at seeks, lackey import);
//  4. the access path (bench/accessPath.ts: kernel.cpu(pid) on a TLB hit against a bare lookup).
// `pnpm bench services`, `pnpm bench time-travel` or `pnpm bench access` runs one part only.
import { createKernel, MEM_COMMIT, MEM_RELEASE, MEM_RESERVE, PAGE_READWRITE } from '../src/index.js'

const only = process.argv[2] as 'services' | 'time-travel' | 'access' | undefined
if (only !== undefined && only !== 'services' && only !== 'time-travel' && only !== 'access') {
  throw new RangeError(`unknown bench part '${only}': use 'services', 'time-travel' or 'access'`)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

function machineWith(live: number) {
  // x64: 50 000 reservations at 64 KiB granularity need 3.2 GB, more than x86's 2 GB user space.
  const kernel = createKernel({ arch: 'x64', physicalMemory: 256 * 1024 * 1024, pageFile: 512 * 1024 * 1024 })
  const { pid } = kernel.createProcess({ name: 'bench.exe' })
  const nt = kernel.syscalls(pid)
  for (let i = 0; i < live; i++) {
    const status = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_RESERVE, PAGE_READWRITE).status
    if (status !== 0) throw new Error(`live allocation ${i} failed with ${status.toString(16)}`)
  }
  return { kernel, pid, nt }
}

function cycleCost(machine: ReturnType<typeof machineWith>, cycles: number): number {
  const cpu = machine.kernel.cpu(machine.pid)
  const started = performance.now()
  for (let i = 0; i < cycles; i++) {
    const base = machine.nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_RESERVE, PAGE_READWRITE).baseAddress
    const commit = machine.nt.NtAllocateVirtualMemory(-1, base, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE).status
    const touch = cpu.write(base, [1]).status
    const release = machine.nt.NtFreeVirtualMemory(-1, base, 0, MEM_RELEASE).status
    if (commit !== 0 || touch !== 0 || release !== 0) throw new Error('benchmark cycle failed')
  }
  return (performance.now() - started) / cycles
}

/** Parts 1 and 2. */
function servicesBench(): void {
  const small = machineWith(500)
  const large = machineWith(50_000)
  const smallTimes: number[] = []
  const largeTimes: number[] = []
  for (let round = 0; round < 9; round++) {
    smallTimes.push(cycleCost(small, 300))
    largeTimes.push(cycleCost(large, 300))
  }
  const cycleRatio = median(largeTimes) / median(smallTimes)

  const { kernel, pid, nt } = machineWith(0)
  const cpu = kernel.cpu(pid)
  const page = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    0x10000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  ).baseAddress
  cpu.write(page, [1])
  const services: Record<string, () => void> = {
    'TLB-hit read (4 bytes)': () => cpu.read(page, 4),
    NtQueryVirtualMemory: () => nt.NtQueryVirtualMemory(-1, page),
    NtProtectVirtualMemory: () => nt.NtProtectVirtualMemory(-1, page + 0x1000, 0x1000, PAGE_READWRITE),
    'NtAllocate(reserve)+NtFree(release)': () => {
      const base = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_RESERVE, PAGE_READWRITE).baseAddress
      nt.NtFreeVirtualMemory(-1, base, 0, MEM_RELEASE)
    },
    NtReadVirtualMemory: () => nt.NtReadVirtualMemory(-1, page, 16),
    NtOpenProcess_NtClose: () => nt.NtClose(nt.NtOpenProcess(0x1fffff, pid).handle),
  }
  const times: Record<string, number[]> = {}
  for (let round = 0; round < 9; round++) {
    for (const [label, run] of Object.entries(services)) {
      const n = 2000
      const started = performance.now()
      for (let i = 0; i < n; i++) run()
      const list = times[label] ?? []
      list.push((performance.now() - started) / n)
      times[label] = list
    }
  }
  const hit = median(times['TLB-hit read (4 bytes)'] ?? [1])
  console.log(
    'cycle (reserve+commit+touch+release) 50 000 live / 500 live:',
    cycleRatio.toFixed(2),
    '(target ≤ 2.5)',
  )
  console.table(
    Object.fromEntries(
      Object.entries(times).map(([label, t]) => [
        label,
        { 'cost / TLB-hit read': (median(t) / hit).toFixed(1) },
      ]),
    ),
  )
}

if (only === undefined || only === 'services') servicesBench()

// ---- 3. time travel (issue 6) ----
if (only === undefined || only === 'time-travel') await import('./timeTravel.js')

// ---- 4. the access path (issue 22) ----
if (only === undefined || only === 'access') await import('./accessPath.js')
