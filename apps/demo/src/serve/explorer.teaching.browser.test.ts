// The explorer's teaching modes in Chromium: predict-then-reveal (checked against what the trace
// recorded), bookmarks exported as a tour, a teacher's tour loaded by URL and followed stop by
// stop, the replacement policies compared on the loaded trace (the figures `ntmm sweep` computes),
// and a plain-language line on every row of the event list.

import { join } from 'node:path'
import type { Kernel } from '@ntmm/nt-syscalls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { comparedPolicies } from '../machine.js'
import { requireScenario } from '../scenarios/catalog.js'
import {
  browserTestsRunnable,
  type Harness,
  screenshotDirectory,
  settled,
  startHarness,
} from './testing/browserHarness.js'
import { ExplorerSession } from './explorerSession.js'

/** The pressure scenario recorded under one policy, and an explorer session and harness on it. */
async function pressureExplorer(
  policy: 'working-set' | 'nt',
  title: string,
): Promise<{ pressure: Kernel; session: ExplorerSession; harness: Harness }> {
  const pressure = requireScenario('pressure').run({
    arch: 'x86',
    verbose: false,
    record: true,
    policies: [policy],
  }).kernel
  return {
    pressure,
    session: new ExplorerSession(pressure, title),
    harness: await startHarness(pressure, title),
  }
}

describe.skipIf(!browserTestsRunnable)('the explorer in Chromium: teaching', () => {
  let harness: Harness
  let pressure: Kernel
  let session: ExplorerSession

  beforeAll(async () => {
    // 'working-set' first: the predictions below name the victim of an mm.pageOut, its trim event.
    ;({ pressure, session, harness } = await pressureExplorer('working-set', 'scenario pressure'))
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('asks what the next access will do, then reveals it and moves to its end', async () => {
    const { page, errors } = await harness.page(1366, 900)
    const query = pressure.history.query
    // Right before an access that faults and evicts a page.
    const pageOut = query.next({ type: 'mm.pageOut' }, 0)!
    const access = query.previous({ type: 'nt.cpuAccess' }, pageOut)!
    const outcome = session.outcome(access - 1)
    expect(outcome.fault).toBe(true)
    await page.goto(`${harness.server.url}?seq=${access - 1}&predict=1`)
    await settled(page, access - 1)
    expect(await page.isChecked('[data-testid=predict-mode]')).toBe(true)
    await page.locator('h1').click()
    await page.keyboard.press('ArrowRight')
    await page.waitForSelector(`[data-testid=predict][data-access="${access}"]`)
    // Stepping waits for the answer.
    expect(Number(await page.getAttribute('[data-testid=seq]', 'data-seq'))).toBe(access - 1)
    await page.check('[data-testid=predict-fault-yes]')
    await page.fill('[data-testid=predict-frame]', `0x${outcome.frame!.toString(16)}`)
    await page.fill('[data-testid=predict-victim]', '0x1')
    if (screenshotDirectory !== undefined)
      await page
        .locator('[data-testid=predict]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-predict.png') })
    await page.click('[data-testid=predict-reveal]')
    await settled(page, outcome.end)
    expect(await page.getAttribute('[data-testid=reveal-fault]', 'data-correct')).toBe('true')
    expect(await page.getAttribute('[data-testid=reveal-frame]', 'data-correct')).toBe('true')
    expect(await page.getAttribute('[data-testid=reveal-victim]', 'data-correct')).toBe('false')
    const victim = outcome.victims[0]!
    expect(await page.textContent('[data-testid=reveal-victim]')).toContain(
      `0x${victim.address.toString(16).padStart(8, '0')}`,
    )
    await page.click('[data-testid=predict-continue]')
    await page.waitForSelector('[data-testid=predict]', { state: 'detached' })
    expect(errors).toEqual([])
    await page.close()
  })

  it("follows a teacher's tour loaded by URL, and exports bookmarks as a tour", async () => {
    const { page, errors } = await harness.page(1366, 900)
    const tour = {
      title: 'Memory pressure',
      trace: 'pressure',
      stops: [
        { seq: 5, note: 'The process allocates its working memory.' },
        { seq: 40, note: 'The first demand-zero fault.', pid: 4, va: '0x10000' },
      ],
    }
    // A tour file as a web server (or the course's site) would serve it.
    await page.route(
      (url) => url.pathname === '/tours/pressure.json',
      (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(tour) }),
    )
    await page.goto(`${harness.server.url}?seq=0&tour=/tours/pressure.json`)
    await settled(page, 0)
    await page.waitForSelector('[data-testid=tour]')
    await page.click('[data-testid=tour-next]')
    await settled(page, 5)
    expect(await page.textContent('[data-testid=tour-note]')).toBe(tour.stops[0]!.note)
    await page.click('[data-testid=tour-next]')
    await settled(page, 40)
    expect(await page.textContent('[data-testid=tour-note]')).toBe(tour.stops[1]!.note)
    await page.waitForSelector(`[data-testid=walk][data-address="${0x10000}"]`)
    expect(new URL(page.url()).searchParams.get('tour')).toBe('/tours/pressure.json')
    if (screenshotDirectory !== undefined)
      await page
        .locator('section[aria-label="teaching"]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-tour.png') })
    // Bookmarks: kept per trace, exported as a tour file of the same format.
    await page.fill('[data-testid=bookmark-note]', 'here the pressure starts')
    await page.click('[data-testid=bookmark-add]')
    await page.waitForSelector('[data-testid=bookmark][data-seq="40"]')
    await page.reload()
    await page.waitForSelector('[data-testid=bookmark][data-seq="40"]')
    const href = (await page.getAttribute('[data-testid=bookmarks-export]', 'href'))!
    const exported = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1))) as typeof tour
    expect(exported.stops).toEqual([{ seq: 40, note: 'here the pressure starts' }])
    expect(errors).toEqual([])
    await page.close()
  })

  it('compares the replacement policies on the loaded trace, as ntmm sweep does', async () => {
    const { page } = await harness.page(1920, 1080)
    await page.goto(`${harness.server.url}?seq=0`)
    await settled(page, 0)
    await page.click('[data-testid=policies-run]')
    await page.waitForSelector('[data-testid=policies][data-status=done]', { timeout: 180_000 })
    session.sweep()
    await expect.poll(() => session.sweep().status, { timeout: 180_000 }).toBe('done')
    const bars = await page.$$eval(
      '[data-testid=policy-chart][data-measure="page faults"] [data-testid=policy-bar]',
      (rows) => rows.map((row) => [row.getAttribute('data-policy'), Number(row.getAttribute('data-value'))]),
    )
    expect(bars.map(([policy]) => policy)).toEqual([...comparedPolicies])
    expect(bars).toEqual(session.sweep().results.map((result) => [result.label, result.pageFaults]))
    if (screenshotDirectory !== undefined)
      await page
        .locator('section[aria-label="replacement policies"]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-policies.png') })
    await page.close()
  }, 240_000)

  it('gives every row of the event list a plain-language line', async () => {
    const { page } = await harness.page(1920, 1080)
    await page.goto(`${harness.server.url}?seq=60`)
    await settled(page, 60)
    await page.waitForSelector('[data-testid=event-row]')
    const rows = await page.$$eval('[data-testid=event-row]', (items) =>
      items.map((item) => [
        item.getAttribute('data-type'),
        item.querySelector('.event-text')?.textContent ?? '',
      ]),
    )
    expect(rows.length).toBeGreaterThan(20)
    for (const [type, text] of rows) {
      expect(text, `${type}`).not.toMatch(/[{}"]/)
      // name=value pairs are a system call's arguments, and nothing else's.
      if (!type?.startsWith('nt.syscall')) expect(text, `${type}`).not.toMatch(/\w=\d/)
      expect(text.length, `${type}`).toBeGreaterThan(10)
    }
    const miss = rows.find(([type]) => type === 'hw.tlbMiss')
    if (miss !== undefined) expect(miss[1]).toMatch(/TLB miss: no entry for the page/)
    await page.close()
  })
})

describe.skipIf(!browserTestsRunnable)("the explorer in Chromium: predicting under 'nt'", () => {
  let harness: Harness
  let pressure: Kernel
  let session: ExplorerSession

  beforeAll(async () => {
    ;({ pressure, session, harness } = await pressureExplorer('nt', 'scenario pressure (nt)'))
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('names the page local replacement trims and the standby page whose frame the fault repurposes', async () => {
    const { page, errors } = await harness.page(1366, 900)
    const query = pressure.history.query
    // The first access whose fault both trims locally and repurposes a standby frame.
    let access: number | undefined
    for (
      let seq = query.next({ type: 'nt.cpuAccess' }, 0);
      seq !== undefined && access === undefined;
      seq = query.next({ type: 'nt.cpuAccess' }, seq + 1)
    ) {
      const hows = session.outcome(seq - 1).victims.map((victim) => victim.how)
      if (hows.includes('trimmed') && hows.includes('repurposed')) access = seq
    }
    expect(access).toBeDefined()
    const outcome = session.outcome(access! - 1)
    const repurposed = outcome.victims.find((victim) => victim.how === 'repurposed')!
    await page.goto(`${harness.server.url}?seq=${access! - 1}&predict=1`)
    await settled(page, access! - 1)
    await page.locator('h1').click()
    await page.keyboard.press('ArrowRight')
    await page.waitForSelector(`[data-testid=predict][data-access="${access}"]`)
    await page.check('[data-testid=predict-fault-yes]')
    await page.fill('[data-testid=predict-victim]', `0x${repurposed.address.toString(16)}`)
    await page.click('[data-testid=predict-reveal]')
    await settled(page, outcome.end)
    expect(await page.getAttribute('[data-testid=reveal-victim]', 'data-correct')).toBe('true')
    const text = (await page.textContent('[data-testid=reveal-victim]')) ?? ''
    expect(text).toContain('trimmed by local replacement')
    expect(text).toContain('standby frame repurposed')
    expect(errors).toEqual([])
    await page.close()
  })
})
