// A live kernel with sections for the inspection tests, built straight through the memory manager
// (kernel.mm) since the section services are another branch's: two processes sharing a pagefile
// segment (process 1 READWRITE at 0x100000, process 2 READONLY at 0x200000 from page 1, its first
// page then NOACCESS: a prototype PTE), a copy-on-write view in process 2 (0x300000), and an image of three pages mapped in process 1 at its
// preferred base. Deterministic: fixed bases, fixed touches.

import {
  buildPeImage,
  createKernel,
  IMAGE_SCN,
  type Kernel,
  MEM_COMMIT,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
  parsePeImage,
} from '@ntmm/nt-syscalls'

/** The machine and where things are. */
export interface SectionMachine {
  readonly kernel: Kernel
  /** The writer (READWRITE view, the image) and the reader (READONLY and copy-on-write views). */
  readonly writer: number
  readonly reader: number
  readonly pagefileSegment: number
  readonly imageSegment: number
  readonly imageFile: number
  readonly imageBase: number
}

function mustSucceed<T extends { readonly status: number }>(what: string, result: T): T {
  if (result.status !== 0)
    throw new Error(`sectionMachine: ${what} gave status 0x${result.status.toString(16)}`)
  return result
}

/** Build the machine described above. */
export function sectionMachine(): SectionMachine {
  const kernel = createKernel({ arch: 'x86', physicalMemory: 256 * 4096, pageFile: 64 * 4096 })
  const first = kernel.createProcess({ name: 'writer.exe' }).pid
  const second = kernel.createProcess({ name: 'reader.exe' }).pid
  const mm = kernel.mm
  const pagefileSegment = mustSucceed(
    'createSegment',
    mm.createSegment({ kind: 'pagefile', pages: 4, commit: true }),
  ).segmentId!
  const space = (pid: number) => mm.addressSpace(pid)!
  mustSucceed(
    'mapView 1',
    mm.mapView(space(first), {
      segmentId: pagefileSegment,
      offsetPages: 0,
      pages: 4,
      base: 0x100000,
      protect: PAGE_READWRITE,
    }),
  )
  mustSucceed(
    'mapView 2',
    mm.mapView(space(second), {
      segmentId: pagefileSegment,
      offsetPages: 1,
      pages: 3,
      base: 0x200000,
      protect: PAGE_READONLY,
    }),
  )
  mustSucceed(
    'mapView 3',
    mm.mapView(space(second), {
      segmentId: pagefileSegment,
      offsetPages: 0,
      pages: 4,
      base: 0x300000,
      protect: PAGE_WRITECOPY,
    }),
  )
  // Process 1 writes pages 0 and 1; process 2 reads page 1 through both views, then writes page 2
  // through its copy-on-write view (a private copy).
  kernel.cpu(first).write(0x100000, [0x11])
  kernel.cpu(first).write(0x101000, [0x22])
  kernel.cpu(second).read(0x200000, 1)
  kernel.cpu(second).read(0x301000, 1)
  kernel.cpu(second).write(0x302000, [0x33])
  // Process 2 then makes 0x200000 NOACCESS: that page leaves it, its PTE becomes a prototype PTE.
  const readOnlyView = mm.locateArea(space(second), 0x200000)!
  mustSucceed(
    'alterRegion',
    mm.alterRegion(space(second), readOnlyView, 0x200000, 0x1000, MEM_COMMIT, PAGE_NOACCESS),
  )

  const image = buildPeImage({
    imageBase: 0x400000,
    entryPoint: 0x1000,
    sections: [
      {
        name: '.text',
        data: new Uint8Array(0x100).fill(0xc3),
        characteristics: IMAGE_SCN.MEM_READ | IMAGE_SCN.MEM_EXECUTE,
      },
      {
        name: '.data',
        data: new Uint8Array(0x10).fill(0x44),
        characteristics: IMAGE_SCN.MEM_READ | IMAGE_SCN.MEM_WRITE,
      },
    ],
  })
  const parsed = parsePeImage(image)
  if (parsed.layout === undefined) throw new Error('sectionMachine: the image does not parse')
  const imageFile = mm.createFile().fileId
  mustSucceed('writeFile', mm.writeFile(imageFile, 0, image))
  const imageSegment = mustSucceed(
    'createImageSegment',
    mm.createImageSegment({ fileId: imageFile, layout: parsed.layout }),
  ).segmentId!
  mustSucceed(
    'map image',
    mm.mapView(space(first), {
      segmentId: imageSegment,
      offsetPages: 0,
      pages: parsed.image.viewSize / 4096,
      base: parsed.image.imageBase,
      protect: PAGE_READONLY,
    }),
  )
  kernel.cpu(first).read(0x401000, 1)
  return {
    kernel,
    writer: first,
    reader: second,
    pagefileSegment,
    imageSegment,
    imageFile,
    imageBase: parsed.image.imageBase,
  }
}
