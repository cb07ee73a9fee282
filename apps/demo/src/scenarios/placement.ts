// Where NtAllocateVirtualMemory puts a reservation: bottom-up first fit by default, the highest
// hole with MEM_TOP_DOWN, below a ZeroBits limit (the address must have that many high-order zero
// bits), and the 64 KiB allocation granularity: a fixed base is rounded down to 64 KiB, so two
// small reservations in one 64 KiB granule collide (STATUS_CONFLICTING_ADDRESSES) and the rest of
// a granule behind a small reservation is never handed out.

import { MEM_RESERVE, MEM_TOP_DOWN, NtCurrentProcess, ntStatusName, PAGE_READWRITE } from '@ntmm/nt-syscalls'
import { bytes, hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { regionLines } from '../views/memoryMap.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const { pid } = n.quietly(() => n.kernel.createProcess({ name: 'placement.exe' }))
  const nt = n.kernel.syscalls(pid)
  const reserve = (label: string, base: number, zeroBits: number, size: number, type: number) => {
    const result = nt.NtAllocateVirtualMemory(NtCurrentProcess, base, zeroBits, size, type, PAGE_READWRITE)
    n.say(
      `   ${label} → ${ntStatusName(result.status)}${result.status === 0 ? `, BaseAddress ${hex(result.baseAddress)}, RegionSize ${bytes(result.regionSize)}` : ''}`,
    )
    return result
  }
  n.say(`ntmm: reservation placement on an ${n.kernel.arch} machine, process ${pid}`)

  n.step('1. Bottom-up first fit: reserve 64 KiB with BaseAddress 0')
  const first = reserve('MEM_RESERVE', 0, 0, 0x10000, MEM_RESERVE)
  n.expect('the lowest 64 KiB-aligned hole above the first 64 KiB', hex(first.baseAddress), hex(0x10000))

  // MM_HIGHEST_VAD_ADDRESS: 64 KiB below the user limit (on x86, right below KUSER_SHARED_DATA).
  const highest = n.kernel.mm.layout.highestVadAddress
  n.step(
    `2. MEM_TOP_DOWN: the highest hole that fits, ending at MM_HIGHEST_VAD_ADDRESS (${hex(highest)}${n.kernel.arch === 'x64' ? '' : ', right below KUSER_SHARED_DATA at 0x7ffe0000'})`,
  )
  const top = reserve('MEM_RESERVE|MEM_TOP_DOWN', 0, 0, 0x10000, MEM_RESERVE | MEM_TOP_DOWN)
  n.expect(
    'top-down takes the highest 64 KiB under MM_HIGHEST_VAD_ADDRESS',
    hex(top.baseAddress),
    hex(highest + 1 - 0x10000),
  )

  n.step('3. ZeroBits 12: the base must have 12 high-order zero bits, so the range ends below 0x00100000')
  const zeroBits = reserve(
    'MEM_RESERVE|MEM_TOP_DOWN, ZeroBits 12',
    0,
    12,
    0x10000,
    MEM_RESERVE | MEM_TOP_DOWN,
  )
  n.expect('top-down under the ZeroBits limit', hex(zeroBits.baseAddress), hex(0xf0000))
  const tooSmall = reserve('ZeroBits 12, 1 MiB', 0, 12, 0x100000, MEM_RESERVE)
  n.expect('nothing of 1 MiB fits below 1 MiB', ntStatusName(tooSmall.status), 'STATUS_NO_MEMORY')
  const invalid = reserve('ZeroBits 22', 0, 22, 0x1000, MEM_RESERVE)
  n.expect('ZeroBits above 21 is rejected', ntStatusName(invalid.status), 'STATUS_INVALID_PARAMETER_3')

  n.step('4. 64 KiB rounding: reserve 4 KiB at 0x00200000, then 4 KiB at 0x0020F000 (same 64 KiB granule)')
  const small = reserve('MEM_RESERVE at 0x00200000, 4 KiB', 0x200000, 0, 0x1000, MEM_RESERVE)
  n.expect('the small reservation', ntStatusName(small.status), 'STATUS_SUCCESS')
  const collide = reserve('MEM_RESERVE at 0x0020F000, 4 KiB', 0x20f000, 0, 0x1000, MEM_RESERVE)
  n.say('   0x0020F000 is free, but the base rounds down to 0x00200000, where the first reservation starts')
  n.expect('collision inside one granule', ntStatusName(collide.status), 'STATUS_CONFLICTING_ADDRESSES')
  const next = reserve('MEM_RESERVE at 0x00210000, 4 KiB', 0x210000, 0, 0x1000, MEM_RESERVE)
  n.expect('the next granule is free', ntStatusName(next.status), 'STATUS_SUCCESS')
  n.quietly(() => {
    n.lines.push(
      '   the map around them (the 60 KiB behind each 4 KiB reservation stay free, but unusable for reservations):',
    )
    for (const line of regionLines(n.kernel, pid, 0x200000, 0x220000)) n.lines.push(`     ${line}`)
  })
  n.step(
    '5. A NULL-base 4 KiB reservation takes the lowest free 64 KiB boundary, never a granule tail like 0x00201000',
  )
  const anywhere = reserve('MEM_RESERVE, BaseAddress 0, 4 KiB', 0, 0, 0x1000, MEM_RESERVE)
  n.expect('64 KiB-aligned', String(anywhere.baseAddress % 0x10000), '0')
  return n
}

/** The scenario entry. */
export const placement: Scenario = {
  name: 'placement',
  title: 'ZeroBits, MEM_TOP_DOWN and 64 KiB rounding collisions',
  summary:
    'Bottom-up first fit, MEM_TOP_DOWN, a ZeroBits limit (and its errors), and two 4 KiB reservations colliding in one 64 KiB granule.',
  run: play,
}
