// The explorer in a real browser: Debian's Chromium driven by playwright-core against the built
// page and the local server. Each view is checked against what the library reports at the same
// seq. Skipped only when /usr/bin/chromium is missing outside CI (in CI it must run).
// NTMM_SCREENSHOTS=1 also saves the screenshots of docs/images/ (with the other *.browser.test.ts).

import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKernel, type Kernel, replayMemoryTrace } from '@ntmm/nt-syscalls'
import { type Browser, chromium, type Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireScenario, scenarios } from '../scenarios/catalog.js'
import { queryRegions } from '../views/memoryMap.js'
import { pteView } from '../views/pteView.js'
import { type ExplorerServer, startExplorerServer } from './explorerServer.js'
import { ExplorerSession } from './explorerSession.js'

const chromiumPath = process.env.NTMM_CHROMIUM ?? '/usr/bin/chromium'
const runnable = existsSync(chromiumPath) || process.env.CI !== undefined
const appDirectory = new URL('../../', import.meta.url).pathname
const screenshots = process.env.NTMM_SCREENSHOTS === '1' ? join(appDirectory, '../../docs/images') : undefined
const lackeyTrace = new URL('../../../../packages/nt-syscalls/test-data/sort.lackey.gz', import.meta.url)
  .pathname

describe.skipIf(!runnable)('the explorer in Chromium', () => {
  let browser: Browser
  let page: Page
  let server: ExplorerServer
  let article: Kernel
  let lackeyPath: string
  let lackey: Kernel
  const work = mkdtempSync(join(tmpdir(), 'ntmm-explorer-test-'))

  beforeAll(async () => {
    const webRoot = join(work, 'web')
    await build({
      configFile: join(appDirectory, 'web/vite.config.ts'),
      build: { outDir: webRoot, emptyOutDir: true },
      logLevel: 'warn',
    })
    article = requireScenario('article').run({ arch: 'x86', verbose: false, record: true }).kernel
    lackey = createKernel({ arch: 'x64', record: true })
    await replayMemoryTrace(lackey, lackeyTrace, {})
    lackeyPath = join(work, 'sort.ntt')
    await lackey.saveTrace(lackeyPath, { format: 'binary' })
    server = await startExplorerServer({ session: new ExplorerSession(article, 'scenario article'), webRoot })
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-dev-shm-usage',
      ],
    })
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    page.on('pageerror', (error) => {
      throw error
    })
  }, 240_000) // a vite build and a lackey replay: minutes on a loaded two-core machine

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /** Waits until every view shows `seq`. */
  async function settled(seq: number) {
    await page.waitForSelector(`[data-testid=views][data-state-seq="${seq}"]`)
  }

  async function seqShown(): Promise<number> {
    return Number(await page.getAttribute('[data-testid=seq]', 'data-seq'))
  }

  async function regionsShown() {
    return page.$$eval('[data-testid=region]', (bands) =>
      bands.map((band) => ({
        baseAddress: Number(band.getAttribute('data-base')),
        regionSize: Number(band.getAttribute('data-size')),
        state: Number(band.getAttribute('data-state')),
        protect: Number(band.getAttribute('data-protect')),
      })),
    )
  }

  async function tlbShown() {
    return page.$$eval('[data-testid=tlb-entry]', (cells) =>
      cells
        .map((cell) => [
          Number(cell.getAttribute('data-set')),
          Number(cell.getAttribute('data-way')),
          Number(cell.getAttribute('data-va')),
        ])
        .sort((a, b) => (a[0]! - b[0]!) * 100 + (a[1]! - b[1]!)),
    )
  }

  function regionsAt(kernel: Kernel, seq: number, pid: number) {
    return queryRegions(kernel.at(seq), pid).map(({ baseAddress, regionSize, state, protect }) => ({
      baseAddress,
      regionSize,
      state,
      protect,
    }))
  }

  function tlbAt(kernel: Kernel, seq: number) {
    return kernel
      .at(seq)
      .mm.mmu.tlbEntries('data')
      .map((entry) => [entry.set, entry.way, entry.virtualAddress])
      .sort((a, b) => (a[0]! - b[0]!) * 100 + (a[1]! - b[1]!))
  }

  it('shows, at a chosen seq, the regions, PTE bits and TLB entries the library reports', async () => {
    const mapped = article.history.firstMapped(4, 0x11010)!
    for (const seq of [mapped - 1, 33, article.trace!.length - 1]) {
      await page.goto(`${server.url}?seq=${seq}&va=0x11010`)
      await settled(seq)
      await page.waitForSelector(`[data-testid=walk][data-seq="${seq}"][data-address="${0x11010}"]`)
      expect(await regionsShown()).toEqual(regionsAt(article, seq, 4))
      expect(await tlbShown()).toEqual(tlbAt(article, seq))
      const expected = pteView(article.at(seq), { pid: 4, va: 0x11010 }).json as {
        levels: { name: string; low: number; bits: string[] }[]
      }
      const levels = await page.$$eval('[data-testid=walk-level]', (rows) =>
        rows.map((row) => ({
          name: row.getAttribute('data-name'),
          low: Number(row.getAttribute('data-low')),
          bits: (row.getAttribute('data-bits') ?? '').split(' ').filter((bit: string) => bit !== ''),
        })),
      )
      // Hardware bits only where P=1: a not-present entry's bits are the software PTE's.
      expect(levels).toEqual(
        expected.levels.map(({ name, low, bits }) => ({ name, low, bits: (low & 1) === 1 ? bits : [] })),
      )
    }
    // The current seq is in the URL, so the view can be shared.
    expect(new URL(page.url()).searchParams.get('seq')).toBe(String(article.trace!.length - 1))
  })

  it('scrubs with the mouse, steps with the arrow keys and jumps to the next fault', async () => {
    await page.goto(`${server.url}?seq=0`)
    await settled(0)
    const box = (await page.locator('[data-testid=scrubber]').boundingBox())!
    await page.mouse.click(box.x + box.width * 0.45, box.y + box.height / 2)
    const scrubbed = await seqShown()
    expect(scrubbed).toBeGreaterThan(0)
    await settled(scrubbed)
    expect(await regionsShown()).toEqual(regionsAt(article, scrubbed, 4))
    await page.locator('h1').click()
    await page.keyboard.press('ArrowRight')
    await settled(scrubbed + 1)
    await page.keyboard.press('ArrowLeft')
    await page.keyboard.press('ArrowLeft')
    await settled(scrubbed - 1)
    expect(await tlbShown()).toEqual(tlbAt(article, scrubbed - 1))
    // F stops at the trap itself, where the PTE is still not present.
    const fault = article.history.query.next({ type: 'hw.pageFault' }, scrubbed)!
    await page.keyboard.press('f')
    await settled(fault)
    expect(await page.textContent('[data-testid=current-event]')).toContain('hw.pageFault')
    await page.keyboard.press('End')
    await settled(article.trace!.length - 1)
  })

  it('lists events and shows the causal chain of the selected one', async () => {
    const mapped = article.history.firstMapped(4, 0x11000)!
    await page.goto(`${server.url}?seq=0`)
    await settled(0)
    await page.fill('[data-testid=filter-types]', 'mm.mappingCreated')
    await page.click('[data-testid=filter-apply]')
    const typesShown = () =>
      page.$$eval('[data-testid=event-row]', (rows) => [
        ...new Set(rows.map((row) => row.getAttribute('data-type'))),
      ])
    await expect.poll(typesShown).toEqual(['mm.mappingCreated'])
    await page.waitForSelector(`[data-testid=event-row][data-seq="${mapped}"]`)
    await page.click(`[data-testid=event-row][data-seq="${mapped}"]`)
    await settled(mapped)
    await page.waitForSelector(`[data-testid=why-link][data-seq="${mapped}"]`)
    const chain = await page.$$eval('[data-testid=why-link]', (links) =>
      links.map((link) => Number(link.getAttribute('data-seq'))),
    )
    expect(chain).toEqual(article.history.causeOf(mapped).chain)
    if (screenshots !== undefined) {
      await page.fill('[data-testid=filter-types]', 'nt.*,mm.*,hw.pageFault,hw.pteWritten')
      await page.click('[data-testid=filter-apply]')
      await expect.poll(async () => (await typesShown()).length).toBeGreaterThan(3)
      await page
        .locator('section[aria-label="events"]')
        .screenshot({ path: join(screenshots, 'explorer-events.png') })
    }
  })

  it('opens a corrupt file and shows a clear error, keeping the trace it had', async () => {
    await page.goto(`${server.url}?seq=10`)
    await settled(10)
    // Dropped on the page, as a user drags a file from the desktop.
    const dropped = await page.evaluateHandle(() => {
      // (The test is compiled without the DOM library; this runs in the page.)
      const browser = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: File): void } }
      }
      const transfer = new browser.DataTransfer()
      transfer.items.add(new File(['NTMM but not really a trace\n'], 'corrupt.ntt'))
      return transfer
    })
    await page.dispatchEvent('body', 'dragover', { dataTransfer: dropped })
    await page.dispatchEvent('body', 'drop', { dataTransfer: dropped })
    await page.waitForSelector('[data-testid=error]')
    expect(await page.textContent('[data-testid=error]')).toContain('corrupt.ntt: not a readable ntmm trace')
    expect(await page.textContent('[data-testid=source]')).toContain('scenario article')
  })

  // One trace per built-in scenario, each opened in the browser: its time grows with the catalogue.
  it("opens each built-in scenario's recorded trace and shows its final machine", async () => {
    for (const scenario of scenarios) {
      const kernel = scenario.run({ arch: 'x86', verbose: false, record: true }).kernel
      const path = join(work, `${scenario.name}.ntt`)
      await kernel.saveTrace(path, { format: 'binary' })
      const length = kernel.trace!.length
      await page.goto(`${server.url}?seq=0`)
      await settled(0)
      await page.fill('[data-testid=path-input]', path)
      await page.press('[data-testid=path-input]', 'Enter')
      await page.waitForSelector(`[data-testid=source]:has-text("${scenario.name}.ntt · ${length} events")`)
      await settled(length - 1)
      const pid = Number(await page.getAttribute('[data-testid=views]', 'data-pid'))
      expect(await regionsShown(), scenario.name).toEqual(regionsAt(kernel, length - 1, pid))
      expect(await tlbShown(), scenario.name).toEqual(tlbAt(kernel, length - 1))
      if (scenario.name === 'stack') {
        const guards = await page.$$eval(
          '[data-testid=region]',
          (bands) => bands.filter((band) => (Number(band.getAttribute('data-protect')) & 0x100) !== 0).length,
        )
        expect(guards).toBe(
          regionsAt(kernel, length - 1, pid).filter((region) => (region.protect & 0x100) !== 0).length,
        )
      }
    }
  }, 240_000)

  it('opens an imported lackey trace by path and shows its machine', async () => {
    await page.goto(`${server.url}?seq=0`)
    await settled(0)
    await page.fill('[data-testid=path-input]', lackeyPath)
    await page.press('[data-testid=path-input]', 'Enter')
    const length = lackey.trace!.length
    await page.waitForSelector(`[data-testid=source]:has-text("${length} events")`)
    await settled(length - 1)
    const pid = Number(await page.getAttribute('[data-testid=views]', 'data-pid'))
    expect(await regionsShown()).toEqual(regionsAt(lackey, length - 1, pid))
    const middle = Math.floor(length / 2)
    await page.fill('[data-testid=seq-input]', String(middle))
    await page.press('[data-testid=seq-input]', 'Enter')
    await settled(middle)
    expect(await regionsShown()).toEqual(regionsAt(lackey, middle, pid))
    expect(await tlbShown()).toEqual(tlbAt(lackey, middle))
    await page.waitForSelector('[data-testid=charts] canvas')
    if (screenshots !== undefined) {
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(screenshots, 'explorer-lackey.png'), fullPage: true })
    }
    // The memory trace itself, picked as a file: the server imports it the same way.
    await page.setInputFiles('[data-testid=file-input]', lackeyTrace)
    await page.waitForSelector(
      '[data-testid=source]:has-text("sort.lackey.gz (lackey trace imported on x64)")',
    )
    expect(await page.textContent('[data-testid=source]')).toContain(`${length} events`)
    await settled(length - 1)
    expect(await regionsShown()).toEqual(regionsAt(lackey, length - 1, pid))
  })
})
