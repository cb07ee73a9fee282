import * as fc from 'fast-check'
import { MemoryManager } from '@ntmm/mm-core'
import { describe, expect, it } from 'vitest'
import {
  MEM_IMAGE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_READONLY,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { STATUS_SUCCESS } from './ntStatus.js'
import { parsePeImage, sectionProtection } from './peImage.js'
import { buildPeImage, type PeImageOptions } from './peImageBuilder.js'
import { IMAGE_FILE_MACHINE, IMAGE_SCN } from './peImageConstants.js'

const { MEM_READ, MEM_WRITE, MEM_EXECUTE, MEM_SHARED, CNT_CODE, CNT_INITIALIZED_DATA } = IMAGE_SCN

function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value)
}

describe('buildPeImage', () => {
  it('throws a RangeError naming a section name longer than 8 characters', () => {
    expect(() => buildPeImage({ sections: [{ name: '.toolongname', characteristics: MEM_READ }] })).toThrow(
      /sections\[0\]\.name/,
    )
  })

  const characteristicsArbitrary = fc
    .subarray([MEM_READ, MEM_WRITE, MEM_EXECUTE, MEM_SHARED, CNT_CODE, CNT_INITIALIZED_DATA])
    .map((bits) => bits.reduce((all, bit) => (all | bit) >>> 0, 0))
  const sectionArbitrary = fc.record({
    dataLength: fc.integer({ min: 0, max: 0x2400 }),
    virtualSize: fc.integer({ min: 0, max: 0x3000 }),
    fill: fc.integer({ min: 1, max: 255 }),
    characteristics: characteristicsArbitrary,
  })

  it('round-trips: parse(build(options)) lays out each section at its RVA with its protection', () => {
    fc.assert(
      fc.property(
        fc.array(sectionArbitrary, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(0x1000, 0x2000),
        fc.constantFrom(0x200, 0x1000),
        fc.boolean(),
        (specs, sectionAlignment, fileAlignment, wide) => {
          const sections = specs
            .filter((spec) => spec.dataLength > 0 || spec.virtualSize > 0)
            .map((spec, index) => ({
              name: `.s${index}`,
              data: filled(spec.dataLength, spec.fill),
              virtualSize: spec.virtualSize,
              characteristics: spec.characteristics,
            }))
          fc.pre(sections.length > 0)
          const options: PeImageOptions = {
            machine: wide ? IMAGE_FILE_MACHINE.AMD64 : IMAGE_FILE_MACHINE.I386,
            sectionAlignment,
            fileAlignment,
            sections,
          }
          const result = parsePeImage(buildPeImage(options))
          expect(result.status).toBe(STATUS_SUCCESS)
          const { layout, image } = result
          const parsed = image!.sections
          expect(parsed.map((section) => section.name)).toEqual(sections.map((section) => section.name))
          // Model: every page of a section's span carries its protection and the section's bytes
          // up to min(raw size, span), zeros after; the header pages are READONLY.
          let expectedPages = Math.ceil(parsed[0]!.virtualAddress / 0x1000)
          expect(
            layout!.protections.slice(0, expectedPages).every((protect) => protect === PAGE_READONLY),
          ).toBe(true)
          for (const [index, section] of parsed.entries()) {
            const spec = sections[index]!
            const rawSize = Math.ceil(spec.data.length / fileAlignment) * fileAlignment
            const span = Math.ceil((spec.virtualSize || rawSize) / sectionAlignment) * sectionAlignment
            const written = Math.min(spec.data.length, span)
            for (let offset = 0; offset < span; offset += 0x1000) {
              const page = (section.virtualAddress + offset) / 0x1000
              expect(layout!.protections[page]).toBe(sectionProtection(spec.characteristics))
              const bytes = layout!.pages[page]!
              const filledBytes = Math.max(0, Math.min(0x1000, written - offset))
              expect(bytes.subarray(0, filledBytes).every((byte) => byte === spec.data[0])).toBe(true)
              expect(bytes.subarray(filledBytes).every((byte) => byte === 0)).toBe(true)
            }
            expectedPages = (section.virtualAddress + span) / 0x1000
          }
          expect(layout!.pages.length).toBe(expectedPages)
          expect(image!.viewSize).toBe(expectedPages * 0x1000)
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('buildPeImage (flat images)', () => {
  it('round-trips a flat image: section bytes at their RVA, every page PAGE_EXECUTE_WRITECOPY (§15.2 rule 5)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dataLength: fc.integer({ min: 1, max: 0x900 }),
            fill: fc.integer({ min: 1, max: 255 }),
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.constantFrom(0x200, 0x400),
        (specs, alignment) => {
          const sections = specs.map((spec, index) => ({
            name: `.f${index}`,
            data: filled(spec.dataLength, spec.fill),
            characteristics: MEM_READ,
          }))
          const result = parsePeImage(
            buildPeImage({ sectionAlignment: alignment, fileAlignment: alignment, sections }),
          )
          expect(result.status).toBe(STATUS_SUCCESS)
          const { layout, image } = result
          expect(layout!.protections.every((protect) => protect === PAGE_EXECUTE_WRITECOPY)).toBe(true)
          const view = new Uint8Array(layout!.pages.length * 0x1000)
          for (const [page, bytes] of layout!.pages.entries()) view.set(bytes, page * 0x1000)
          for (const [index, section] of image!.sections.entries()) {
            const data = sections[index]!.data
            expect(section.pointerToRawData).toBe(section.virtualAddress)
            expect(view.subarray(section.virtualAddress, section.virtualAddress + data.length)).toEqual(data)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('parsePeImage with mm-core', () => {
  it('gives a layout createImageSegment takes; the view at ImageBase reads the sections with their protections', () => {
    const bytes = buildPeImage({
      entryPoint: 0x1000,
      sections: [
        { name: '.text', data: filled(0x200, 0xc3), characteristics: CNT_CODE | MEM_READ | MEM_EXECUTE },
        {
          name: '.data',
          data: filled(0x10, 0x11),
          virtualSize: 0x2000,
          characteristics: MEM_READ | MEM_WRITE,
        },
      ],
    })
    const parsed = parsePeImage(bytes)
    expect(parsed.status).toBe(STATUS_SUCCESS)
    const mm = new MemoryManager({ arch: 'x86', physicalMemory: 64 * 4096, pageFile: 64 * 4096 })
    const { space } = mm.createAddressSpace(1)
    const fileId = mm.createFile().fileId
    mm.writeFile(fileId, 0, bytes)
    const segment = mm.createImageSegment({ fileId, layout: parsed.layout! })
    expect(segment.status).toBe(STATUS_SUCCESS)
    const view = mm.mapView(space!, {
      segmentId: segment.segmentId!,
      offsetPages: 0,
      pages: parsed.image!.viewSize / 0x1000,
      base: parsed.image!.imageBase,
      protect: PAGE_READONLY,
    })
    expect(view.status).toBe(STATUS_SUCCESS)
    const base = parsed.image!.imageBase
    expect(mm.queryAddress(space!, base)).toMatchObject({ type: MEM_IMAGE, protect: PAGE_READONLY })
    expect(mm.queryAddress(space!, base + 0x1000)).toMatchObject({ protect: PAGE_EXECUTE_READ })
    expect(mm.queryAddress(space!, base + 0x2000)).toMatchObject({
      protect: PAGE_WRITECOPY,
      regionSize: 0x2000,
    })
    const code = mm.mmuFor(1).read(base + 0x1000, 1)
    expect(code.ok && [...code.data]).toEqual([0xc3])
  })
})
