// The explorer's physical-memory panels in Chromium, on the recorded working-sets scenario ('nt'):
// the PFN lists at an event and the moves of its step (the trims of EmptyWorkingSet, a soft fault
// from the modified list) as /api/lists reports them, and each process's working set over the
// trace's balance-set ticks as /api/workingsets samples it.

import { join } from 'node:path'
import type { Kernel } from '@ntmm/nt-syscalls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireScenario } from '../scenarios/catalog.js'
import { ExplorerSession } from './explorerSession.js'
import {
  browserTestsRunnable,
  type Harness,
  screenshotDirectory,
  settled,
  startHarness,
} from './testing/browserHarness.js'

describe.skipIf(!browserTestsRunnable)('the explorer in Chromium: PFN lists and working sets', () => {
  let harness: Harness
  let kernel: Kernel
  let session: ExplorerSession

  beforeAll(async () => {
    kernel = requireScenario('working-sets').run({ arch: 'x86', verbose: false, record: true }).kernel
    session = new ExplorerSession(kernel, 'scenario working-sets')
    harness = await startHarness(kernel, 'scenario working-sets')
  })
  afterAll(async () => {
    await harness?.close()
  })

  const listRows = async (page: import('playwright-core').Page) =>
    (await page.locator('[data-testid=list-move]').allTextContents()).map((text) =>
      text.replace(/\s+/g, ' ').trim(),
    )

  it('shows the lists at an event and the flow of its step: the trims of EmptyWorkingSet, then a soft fault', async () => {
    const { page, errors } = await harness.page(1366, 900)
    const query = kernel.history.query
    const emptied = query.next(
      {
        type: 'mm.workingSetTrimmed',
        where: (event: unknown) => (event as { reason?: string }).reason === 'empty working set',
      } as never,
      0,
    )!
    await page.goto(`${harness.server.url}?seq=${emptied}`)
    await settled(page, emptied)
    await page.waitForSelector(`[data-testid=list-move-events] li[data-seq="${emptied}"].changed`)
    const lists = session.lists(emptied)
    expect(await listRows(page)).toEqual(
      lists.summary.map(
        (move) =>
          `${move.from.toLowerCase().replace('_', ' ')} → ${move.to.toLowerCase().replace('_', ' ')}: ${move.pages} ${move.pages === 1 ? 'page' : 'pages'} ${move.label}`,
      ),
    )
    expect(await listRows(page)).toContain('active → modified: 24 pages trimmed (empty working set)')
    const modifiedRow = await page
      .locator('[data-testid=list-counts] tr[data-list=modified] td')
      .nth(1)
      .textContent()
    expect(Number(modifiedRow)).toBe(lists.report.memoryListInformation.modifiedPageCount)

    const soft = query.next({ type: 'mm.pageReclaimed' } as never, emptied)!
    await page.goto(`${harness.server.url}?seq=${soft}`)
    await settled(page, soft)
    await page.waitForSelector(`[data-testid=list-move-events] li[data-seq="${soft}"]`)
    expect(await listRows(page)).toEqual(['modified → active: 1 page soft fault'])
    if (screenshotDirectory !== undefined)
      await page
        .locator('section[aria-label="PFN lists"]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-lists.png') })
    expect(errors).toEqual([])
    await page.close()
  })

  it("charts each process's working set at the balance-set ticks, with the sample at the current event", async () => {
    const { page, errors } = await harness.page(1366, 900)
    const series = session.workingSets()
    expect(series.sampledAt).toBe('ticks')
    const seq = series.seqs[Math.floor(series.seqs.length / 2)]!
    await page.goto(`${harness.server.url}?seq=${seq}`)
    await settled(page, seq)
    await page.waitForSelector(`[data-testid=working-set-sample][data-sample-seq="${seq}"]`)
    const index = series.seqs.indexOf(seq)
    for (const process of series.processes) {
      const cell = await page
        .locator(`[data-testid=working-set-sample] tr[data-pid="${process.pid}"] td`)
        .nth(1)
        .textContent()
      expect(cell).toBe(String(process.pages[index] ?? '—'))
    }
    expect(await page.locator('section[aria-label="working sets"] canvas').count()).toBeGreaterThanOrEqual(2)
    if (screenshotDirectory !== undefined)
      await page
        .locator('section[aria-label="working sets"]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-working-sets.png') })
    expect(errors).toEqual([])
    await page.close()
  })
})
