// Event sourcing with sections (DESIGN.md "Event sourcing", "Time travel"): a recorded random
// program with sections, applied event by event to a fresh machine, rebuilds the same state —
// segments, prototype entries, files, views, shared frames and their share counts — digest for
// digest at many points of the run; and a snapshot taken mid-run, restored, lets the same
// program continue to the same end.
import { type HwEvent, applyHwEvent } from '@ntmm/hw-mmu'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import { PAGE_READWRITE, PAGE_WRITECOPY } from './memoryConstants.js'
import { SECTION_EVENT_TYPES } from './sectionEvents.js'
import { createSectionMachine } from './testing/createSectionMachine.js'
import {
  SECTION_PRELUDE,
  runSectionProgram,
  sectionOp,
  sectionProgramMachine,
} from './testing/sectionProgram.js'

/** A fixed random program (fast-check's generator with a seed: the same steps every run). */
function program(seed: number, length: number) {
  return [
    ...SECTION_PRELUDE,
    ...fc.sample(fc.array(sectionOp, { minLength: length, maxLength: length }), { seed, numRuns: 1 })[0]!,
  ]
}

describe.each(['x86', 'x64'] as const)('sections replay (%s)', (arch) => {
  it.each([
    2, 3, 4,
  ])('rebuilds every segment, file, view and shared frame from the recorded events (program %i)', (seed) => {
    const live = sectionProgramMachine(arch, 'working-set')
    const replay = sectionProgramMachine(arch, 'working-set')
    const events: (MmEvent | HwEvent)[] = []
    const digests = new Map<number, string>()
    // A digest before every 17th event: the state after the events before it.
    live.mm.setRecorder((event) => {
      if (events.length % 17 === 0) digests.set(events.length, live.mm.digest())
      events.push(event)
    })
    runSectionProgram(live, program(seed, 70), { eachStep: false })
    live.mm.setRecorder(undefined)
    const types = new Set(events.map((event) => event.type))
    for (const type of [
      'mm.segmentCreated',
      'mm.viewMapped',
      'mm.copyOnWrite',
      'mm.sharedPageOut',
      'mm.segmentDeleted',
      // A file segment grown under a view that ran past it (MEM_RESERVE).
      'mm.segmentExtended',
    ])
      expect(types).toContain(type)
    expect(digests.size).toBeGreaterThan(30)
    let compared = 0
    for (const [index, event] of events.entries()) {
      const digest = digests.get(index)
      if (digest !== undefined) {
        expect(replay.mm.digest(), `digest before event ${index} (${event.type})`).toBe(digest)
        compared++
      }
      replay.mm.applyRecordedEvent(event)
    }
    expect(replay.mm.digest()).toBe(live.mm.digest())
    expect(replay.mm.checkInvariants()).toEqual([])
    expect(compared).toBe(digests.size)
  }, 120_000)

  it.each([
    40, 60,
  ])('restores a snapshot taken at step %i after other work, and continues to the same end', (cut) => {
    const ops = program(7, 80)
    const straight = sectionProgramMachine(arch, 'working-set')
    runSectionProgram(straight, ops, { eachStep: false, teardown: false })
    const end = straight.mm.digest()

    const machine = sectionProgramMachine(arch, 'working-set')
    const { mm, space, write } = machine
    runSectionProgram(machine, ops, {
      eachStep: false,
      teardown: false,
      afterStep: (index) => {
        if (index !== cut) return
        const snapshot = mm.snapshot()
        const digest = mm.digest()
        // Other work, then back: a section made, mapped, written and copied; a process gone.
        const id = mm.createSegment({ kind: 'pagefile', pages: 3, commit: true }).segmentId!
        const view = mm.mapView(space(1), {
          segmentId: id,
          offsetPages: 0,
          pages: 3,
          protect: PAGE_WRITECOPY,
        }).area
        if (view !== undefined) write(1, view.startingAddress + 0x1000, [1])
        mm.deleteAddressSpace(2)
        mm.restore(snapshot)
        expect(mm.digest()).toBe(digest)
        expect(mm.checkInvariants()).toEqual([])
      },
    })
    expect(mm.digest()).toBe(end)
    expect(mm.checkInvariants()).toEqual([])
  }, 120_000)

  it('keeps a snapshot intact while the machine goes on, and digests sections only once they are used', () => {
    const { mm, space, write } = createSectionMachine({ arch })
    const plain = mm.digest()
    const snapshot = mm.snapshot()
    const id = mm.createSegment({ kind: 'pagefile', pages: 2, commit: true }).segmentId!
    const view = mm.mapView(space(1), { segmentId: id, offsetPages: 0, pages: 2, protect: PAGE_WRITECOPY })
      .area!
    write(1, view.startingAddress, [1])
    const used = mm.digest()
    expect(used).not.toBe(plain)
    mm.restore(snapshot)
    expect(mm.digest()).toBe(plain)
    expect(mm.segmentIds()).toEqual([])
    expect(mm.checkInvariants()).toEqual([])
    const again = mm.createSegment({ kind: 'pagefile', pages: 2, commit: true }).segmentId!
    expect(again).toBe(id)
    const view2 = mm.mapView(space(1), {
      segmentId: again,
      offsetPages: 0,
      pages: 2,
      protect: PAGE_WRITECOPY,
    }).area!
    write(1, view2.startingAddress, [1])
    expect(mm.digest()).toBe(used)
  })

  it('records every section event as plain JSON that replays to the same state', () => {
    const { mm, space, write } = createSectionMachine({ arch })
    const replay = createSectionMachine({ arch })
    const events: (MmEvent | HwEvent)[] = []
    mm.setRecorder((event) => events.push(JSON.parse(JSON.stringify(event))))
    const { fileId } = mm.createFile()
    mm.writeFile(fileId, 0, Uint8Array.from([1, 2, 3]))
    const id = mm.openDataSegment(fileId).segmentId!
    const view = mm.mapView(space(1), { segmentId: id, offsetPages: 0, pages: 1, protect: PAGE_READWRITE })
      .area!
    write(1, view.startingAddress, [9])
    mm.flushView(space(1), view.startingAddress, 0)
    mm.unmapView(space(1), view)
    mm.dereferenceSegment(id)
    for (const event of events) {
      if (event.type.startsWith('hw.')) applyHwEvent(replay.mm.mmu.state, event as HwEvent)
      else replay.mm.applyEvent(event as MmEvent)
    }
    expect(replay.mm.digest()).toBe(mm.digest())
    expect([...replay.mm.readFile(fileId, 0, 3)!]).toEqual([9, 2, 3])
    const recorded = new Set(events.map((event) => event.type))
    expect(
      [...recorded].filter((type) => (SECTION_EVENT_TYPES as readonly string[]).includes(type)).sort(),
    ).toEqual([
      'mm.fileCreated',
      'mm.fileSizeSet',
      'mm.fileWritten',
      'mm.mappedPageRead',
      'mm.mappedPageWritten',
      'mm.prototypeEntryChanged',
      'mm.segmentCreated',
      'mm.segmentDeleted',
      'mm.segmentReferenced',
      'mm.sharedPageOut',
      'mm.viewMapped',
      'mm.viewUnmapped',
    ])
  })
})
