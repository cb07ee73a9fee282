import { createKernel } from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { frameGrid } from '../serve/stateViews.js'
import { findView } from './inspectViews.js'
import type { ViewOptions } from './machineLike.js'
import { sectionMachine } from './testing/sectionMachine.js'

const machine = sectionMachine()
const render = (name: string, options: ViewOptions = {}) => findView(name).render(machine.kernel, options)

describe('sections view', () => {
  it('lists each segment with its kind, file, size, committed pages, references, views and resident pages with their share counts', () => {
    expect(render('sections').lines).toMatchInlineSnapshot(`
      [
        "sections: 2 segments",
        "segment 1 (pagefile): 0x4000 bytes, 4 pages, 4 committed; sectionReferences 1, mappedViews 3",
        "  views: pid 4 @ 0x00100000, pid 8 @ 0x00200000, pid 8 @ 0x00300000",
        "  prototype entries: VALID 2, DEMAND_ZERO 2",
        "  Page    Entry          Shares  Modified  MappedBy",
        "  0x0     VALID pfn 0x5  1                 pid 4 @ 0x00100000",
        "  0x1000  VALID pfn 0x6  2                 pid 4 @ 0x00101000, pid 8 @ 0x00301000",
        "segment 2 (image, file 1): 0x3000 bytes, 3 pages, 3 committed; sectionReferences 1, mappedViews 1",
        "  views: pid 4 @ 0x00400000",
        "  prototype entries: FILE 2, VALID 1",
        "  Page    Entry          Shares  Modified  MappedBy",
        "  0x1000  VALID pfn 0xb  1                 pid 4 @ 0x00401000",
      ]
    `)
  })

  it('keeps the segments a process maps with --pid', () => {
    const json = render('sections', { pid: machine.reader }).json as { segments: { id: number }[] }
    expect(json.segments.map((segment) => segment.id)).toEqual([machine.pagefileSegment])
  })

  it('gives each resident page its frame, share count and the process PTEs mapping it (JSON)', () => {
    const json = render('sections').json as {
      segments: { id: number; residentPages: { page: number; shareCount: number; mappedBy: unknown[] }[] }[]
    }
    const page = json.segments[0]!.residentPages.find((resident) => resident.page === 1)!
    expect(page.shareCount).toBe(2)
    expect(page.mappedBy).toEqual([
      { pid: machine.writer, address: 0x101000 },
      { pid: machine.reader, address: 0x301000 },
    ])
  })

  it('reads the machine without side effects (the digest is unchanged)', () => {
    const before = machine.kernel.mm.digest()
    for (const name of ['sections', 'pfn', 'vad', 'address']) render(name, { pid: machine.reader })
    render('pte', { pid: machine.reader, va: 0x200000 })
    expect(machine.kernel.mm.digest()).toBe(before)
  })
})

describe('!pte on a section view', () => {
  it('decodes a prototype PTE (P=0, bit 10) and names the segment and its prototype entry', () => {
    expect(render('pte', { pid: machine.reader, va: 0x200000 }).lines).toMatchInlineSnapshot(`
      [
        "!pte 0x00200000: process 8, CR3 0x00003000",
        "  PDE   at 0x00003000 = 0x7027  PFN 0x7 present writable user accessed",
        "  PTE   at 0x00007800 = 0x700  not present",
        "  leaf as the memory manager reads it: prototype PTE (P=0, bit 10): the page is its segment's prototype entry; PAGE_NOACCESS in this view",
        "  section view 0x00200000: segment 1 (pagefile) page 0x1000, prototype entry VALID pfn 0x6",
        "  → no translation (an access would fault)",
      ]
    `)
  })

  it("names the shared frame's share count and its mappers for a valid PTE", () => {
    expect(render('pte', { pid: machine.writer, va: 0x101000 }).lines.slice(3)).toMatchInlineSnapshot(`
      [
        "  leaf as the memory manager reads it: valid, PFN 0x6, dirty, accessed",
        "  section view 0x00100000: segment 1 (pagefile) page 0x1000, prototype entry VALID pfn 0x6",
        "  the segment's frame, shared: share count 2 (pid 4 @ 0x00101000, pid 8 @ 0x00301000)",
        "  → physical 0x00006000",
      ]
    `)
  })

  it('tells a private copy-on-write copy from the segment page', () => {
    const json = render('pte', { pid: machine.reader, va: 0x302000 }).json as { section: object }
    expect(json.section).toMatchObject({ segmentId: machine.pagefileSegment, page: 2, privateCopy: true })
  })
})

describe('!pfn, !vad and !address with sections', () => {
  it('!pfn shows a section page frame with its segment, offset, share count and mappers', () => {
    expect(render('pfn').lines).toMatchInlineSnapshot(`
      [
        "!pfn: 256 frames; lists: free 245, zeroed 0, standby 0, modified 0, active 4",
        "PFN  State       Pid  VirtualAddress  PageFileSlot  Modified  Segment  Offset  Shares  MappedBy",
        "0x0  PAGE_TABLE  0",
        "0x1  SYSTEM      0",
        "0x2  PAGE_TABLE  4",
        "0x3  PAGE_TABLE  8",
        "0x4  PAGE_TABLE  4                                  yes",
        "0x5  ACTIVE                                                   1        0x0     1       pid 4 @ 0x00100000",
        "0x6  ACTIVE                                                   1        0x1000  2       pid 4 @ 0x00101000, pid 8 @ 0x00301000",
        "0x7  PAGE_TABLE  8                                  yes",
        "0x9  ACTIVE      8    0x00302000                    yes",
        "0xa  PAGE_TABLE  4                                  yes",
        "0xb  ACTIVE                                                   2        0x1000  1       pid 4 @ 0x00401000",
      ]
    `)
  })

  it('!pfn --pid keeps the section frames the process maps', () => {
    const json = render('pfn', { pid: machine.reader }).json as {
      frames: { pfn: number; mappedBy?: unknown }[]
    }
    expect(json.frames.filter((frame) => frame.mappedBy !== undefined)).toHaveLength(1)
  })

  it('!vad shows each view as MEM_MAPPED or MEM_IMAGE with its segment and file', () => {
    expect(render('vad', { pid: machine.writer }).lines).toMatchInlineSnapshot(`
      [
        "!vad: process 4 (writer.exe), 3 areas, AVL height 2",
        "Level  StartVpn  EndVpn   Type          Commit  Protect                 Section",
        "    1  0x100     0x103    SECTION_VIEW  4       PAGE_READWRITE          MEM_MAPPED segment 1 (pagefile) page 0x0",
        "    0  0x400     0x402    SECTION_VIEW  3       PAGE_EXECUTE_WRITECOPY  MEM_IMAGE segment 2 (image, file 1) page 0x0",
        "    1  0x7ffe0   0x7ffe0  SHARED_DATA   1       PAGE_READONLY",
      ]
    `)
  })

  it('!address names the segment of each MEM_MAPPED run', () => {
    const view = render('address', { pid: machine.writer })
    expect(
      view.lines.filter((line) => line.includes('MEM_IMAGE') || line.includes('MEM_MAPPED')),
    ).toMatchInlineSnapshot(`
      [
        "0x00100000   0x00104000    0x4000      MEM_MAPPED   MEM_COMMIT   PAGE_READWRITE     0x00100000      segment 1 (pagefile) page 0x0",
        "0x00400000   0x00401000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_READONLY      0x00400000      segment 2 (image, file 1) page 0x0",
        "0x00401000   0x00402000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_EXECUTE_READ  0x00400000      segment 2 (image, file 1) page 0x1000",
        "0x00402000   0x00403000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_WRITECOPY     0x00400000      segment 2 (image, file 1) page 0x2000",
      ]
    `)
    expect((view.json as { views: unknown[] }).views).toContainEqual({
      baseAddress: machine.imageBase,
      endAddress: machine.imageBase + 0x3000,
      type: 0x1000000,
      segmentId: machine.imageSegment,
      kind: 'image',
      fileId: machine.imageFile,
      offsetPages: 0,
    })
  })

  it('prints a machine without sections exactly as before (no section columns or fields)', () => {
    const kernel = createKernel({ arch: 'x86', physicalMemory: 64 * 4096 })
    kernel.createProcess({ name: 'plain.exe' })
    expect(findView('pfn').render(kernel, {}).lines[1]).toBe(
      'PFN  State       Pid  VirtualAddress  PageFileSlot  Modified',
    )
    expect(findView('vad').render(kernel, {}).lines[1]).not.toContain('Section')
    expect(findView('address').render(kernel, {}).json).not.toHaveProperty('views')
  })
})

describe('explorer state with sections', () => {
  it('lists the frames holding a section page with their segment, share count and mappers', () => {
    const grid = frameGrid(machine.kernel)
    expect(grid.shared).toEqual([
      {
        pfn: 5,
        segmentId: machine.pagefileSegment,
        offset: 0,
        shareCount: 1,
        mappedBy: [{ pid: machine.writer, address: 0x100000 }],
      },
      {
        pfn: 6,
        segmentId: machine.pagefileSegment,
        offset: 0x1000,
        shareCount: 2,
        mappedBy: [
          { pid: machine.writer, address: 0x101000 },
          { pid: machine.reader, address: 0x301000 },
        ],
      },
      {
        pfn: 11,
        segmentId: machine.imageSegment,
        offset: 0x1000,
        shareCount: 1,
        mappedBy: [{ pid: machine.writer, address: 0x401000 }],
      },
    ])
  })

  it("gives a view's MEMORY_AREA its segment in the regions JSON the explorer shows", () => {
    const json = render('regions', { pid: machine.writer }).json as {
      areas: { startingAddress: number; view?: object }[]
    }
    expect(json.areas.find((area) => area.startingAddress === machine.imageBase)?.view).toEqual({
      segmentId: machine.imageSegment,
      kind: 'image',
      fileId: machine.imageFile,
      offsetPages: 0,
    })
  })

  it('leaves a machine without sections without the shared list', () => {
    const kernel = createKernel({ arch: 'x86', physicalMemory: 64 * 4096 })
    kernel.createProcess({ name: 'plain.exe' })
    expect(frameGrid(kernel)).not.toHaveProperty('shared')
  })
})
