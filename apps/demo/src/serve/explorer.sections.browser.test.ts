// The explorer's section views in Chromium (issue #20: "the explorer shows which frames are shared
// and by whom, and the segment of a view"), on the shared-memory scenario's recording: the frame
// map's shared-frame table lists every section frame with its segment, offset, share count and
// the process PTEs mapping it, and hovering such a frame names them; the address map names each
// view's segment. Each is checked against the library (ExplorerSession's state).

import type { Kernel } from '@ntmm/nt-syscalls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hex } from '../format.js'
import { requireScenario } from '../scenarios/catalog.js'
import { ExplorerSession } from './explorerSession.js'
import { browserTestsRunnable, type Harness, settled, startHarness } from './testing/browserHarness.js'

describe.skipIf(!browserTestsRunnable)('the explorer in Chromium: sections', () => {
  let harness: Harness
  let kernel: Kernel
  let last = 0

  beforeAll(async () => {
    kernel = requireScenario('shared-memory').run({ arch: 'x86', verbose: false, record: true }).kernel
    last = kernel.trace!.length - 1
    harness = await startHarness(kernel, 'scenario shared-memory')
  }, 120_000)
  afterAll(async () => {
    await harness?.close()
  })

  it('lists the shared frames with their segment, share count and mappers, names them on hover, and names each view’s segment', async () => {
    const state = new ExplorerSession(kernel, 'shared-memory').state(last)
    const shared = state.frames.shared ?? []
    // Two processes map the section's first page: one frame, share count 2.
    const both = shared.find((frame) => frame.shareCount === 2)
    expect(both?.mappedBy).toHaveLength(2)
    const { page } = await harness.page(1366, 900)
    await page.goto(`${harness.server.url}?seq=${last}`)
    await settled(page, last)
    const rows = await page.$$eval('[data-testid=shared-frame]', (items) =>
      items.map((item) => ({
        pfn: Number(item.getAttribute('data-pfn')),
        cells: [...item.querySelectorAll('td')].map((cell) => cell.textContent),
      })),
    )
    expect(rows).toEqual(
      shared.map((frame) => ({
        pfn: frame.pfn,
        cells: [
          hex(frame.pfn, 0),
          String(frame.segmentId),
          hex(frame.offset, 0),
          String(frame.shareCount),
          frame.mappedBy.map((mapping) => `process ${mapping.pid} @ ${hex(mapping.address)}`).join(', '),
        ],
      })),
    )
    // Hovering the shared frame in the frame map names its segment, share count and mappers.
    const frames = page.locator('[data-testid=frames]')
    await frames.scrollIntoViewIfNeeded()
    const columns = Number(await frames.getAttribute('data-columns'))
    const size = Number(await frames.getAttribute('data-cell'))
    const box = (await frames.boundingBox())!
    const scale = box.width / Number(await frames.getAttribute('width'))
    await page.mouse.move(
      box.x + ((both!.pfn % columns) + 0.5) * size * scale,
      box.y + (Math.floor(both!.pfn / columns) + 0.5) * size * scale,
    )
    await expect
      .poll(() => page.textContent('[data-testid=frame-hover]'))
      .toContain(
        `segment ${both!.segmentId} +${hex(both!.offset, 0)}, share count 2: ${both!.mappedBy.map((mapping) => `process ${mapping.pid} @ ${hex(mapping.address)}`).join(', ')}`,
      )
    // Each process's view names its segment in the address map.
    for (const mapping of both!.mappedBy) {
      await page.goto(`${harness.server.url}?seq=${last}&pid=${mapping.pid}`)
      await settled(page, last)
      await expect
        .poll(() => page.locator('[data-testid=view-segment]').allTextContents())
        .toContainEqual(expect.stringContaining(`segment ${both!.segmentId} (pagefile) page 0x0`))
    }
  })
})
