// The explorer's views in Chromium at the sizes people use (1920×1080, 1366×768, a phone): the
// window never scrolls by itself and the timeline stays on screen, the views follow the current
// event unless pinned, a fault stops at its trap with the step's before/after, the jump keys
// ignore the event list's filter (which is in the URL), not-present PTEs read as software, and
// the frame map, AVL tree, TLB and charts stay readable. Each is checked against the library.

import { join } from 'node:path'
import {
  createKernel,
  type Kernel,
  MEM_COMMIT,
  MEM_RESERVE,
  NtCurrentProcess,
  PAGE_READWRITE,
} from '@ntmm/nt-syscalls'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireScenario } from '../scenarios/catalog.js'
import {
  browserTestsRunnable,
  type Harness,
  screenshotDirectory,
  seqShown,
  settled,
  startHarness,
} from './testing/browserHarness.js'
import { ExplorerSession } from './explorerSession.js'

// The page's globals, for the functions run in it (the tests compile without the DOM library).
declare const window: { readonly scrollY: number; scrollTo(x: number, y: number): void }
declare const document: {
  readonly documentElement: { readonly scrollWidth: number }
  elementFromPoint(
    x: number,
    y: number,
  ): { closest(selector: string): { getAttribute(name: string): string | null } | null } | null
}

const sizes = [
  [1920, 1080],
  [1366, 768],
  [390, 844],
] as const

describe.skipIf(!browserTestsRunnable)('the explorer in Chromium: views', () => {
  let harness: Harness
  let article: Kernel
  const paths = new Map<string, string>()
  let manyLength = 0
  let manyAreas = 0

  beforeAll(async () => {
    article = requireScenario('article').run({ arch: 'x86', verbose: false, record: true }).kernel
    harness = await startHarness(article, 'scenario article')
    for (const name of ['article', 'tlb', 'pressure']) {
      const kernel = requireScenario(name).run({ arch: 'x86', verbose: false, record: true }).kernel
      const path = join(harness.work, `${name}.ntt`)
      await kernel.saveTrace(path, { format: 'binary' })
      paths.set(name, path)
    }
    // A process with 15 MEMORY_AREAs, for the AVL tree.
    const many = createKernel({ record: true })
    const { pid } = many.createProcess({ name: 'many.exe' })
    for (let index = 0; index < 15; index++)
      many
        .syscalls(pid)
        .NtAllocateVirtualMemory(
          NtCurrentProcess,
          0x100000 + index * 0x20000,
          0,
          0x3000,
          MEM_RESERVE | MEM_COMMIT,
          PAGE_READWRITE,
        )
    const manyPath = join(harness.work, 'many.ntt')
    await many.saveTrace(manyPath, { format: 'binary' })
    paths.set('many', manyPath)
    manyLength = many.trace!.length
    manyAreas = new ExplorerSession(many, 'many').state(manyLength - 1).tree.size
  })
  afterAll(async () => {
    await harness?.close()
  })

  /** Opens a recorded trace by path, as a user types it. */
  async function open(page: Page, name: string, length: number) {
    await page.fill('[data-testid=path-input]', paths.get(name)!)
    await page.press('[data-testid=path-input]', 'Enter')
    await page.waitForSelector(`[data-testid=source]:has-text("${name}.ntt · ${length} events")`)
  }

  /** A page showing the article's trace at `query` (the server may show another trace by now). */
  async function articleAt(width: number, height: number, query: string, seq: number) {
    const opened = await harness.page(width, height)
    await opened.page.goto(`${harness.server.url}?seq=0`)
    await settled(opened.page, 0)
    if (!((await opened.page.textContent('[data-testid=source]')) ?? '').includes('article'))
      await open(opened.page, 'article', article.trace!.length)
    await opened.page.goto(`${harness.server.url}${query}`)
    await settled(opened.page, seq)
    return opened
  }

  it('never scrolls the window by itself, and keeps the timeline on screen at every width', async () => {
    for (const [width, height] of sizes) {
      const { page, errors } = await articleAt(width, height, '?seq=33', 33)
      await page.waitForSelector('[data-testid=event-row].current')
      expect(await page.evaluate(() => window.scrollY), `${width}: on load`).toBe(0)
      const seen = new Set<number>()
      for (const fraction of [0.2, 0.7, 0.4, 0.9, 0.1]) {
        const box = (await page.locator('[data-testid=scrubber]').boundingBox())!
        expect(box.y, `${width}: the scrubber is on screen`).toBeGreaterThanOrEqual(0)
        expect(box.y + box.height).toBeLessThanOrEqual(height)
        await page.mouse.click(box.x + 8 + (box.width - 16) * fraction, box.y + box.height / 2)
        const seq = await seqShown(page)
        seen.add(seq)
        await settled(page, seq)
        await page.waitForTimeout(50)
        expect(await page.evaluate(() => window.scrollY), `${width}: after a click at ${fraction}`).toBe(0)
      }
      expect(seen.size, `${width}: each click landed on the scrubber`).toBe(5)
      // Nothing is wider than the window (no sideways scrolling of the page).
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${width}`).toBeLessThanOrEqual(
        width,
      )
      // Scrolled down by the user, the timeline is still there and still works, and what the user
      // was reading stays where it was (the browser's scroll anchoring may change scrollY to keep it).
      await page.evaluate(() => window.scrollTo(0, 700))
      const reading = () =>
        page.evaluate(
          ([x, y]) => document.elementFromPoint(x, y)?.closest('section')?.getAttribute('aria-label') ?? '',
          [width / 2, height * 0.8] as const,
        )
      const before = await reading()
      for (const fraction of [0.5, 0.3]) {
        const box = (await page.locator('[data-testid=scrubber]').boundingBox())!
        expect(box.y).toBeGreaterThanOrEqual(0)
        await page.mouse.click(box.x + 8 + (box.width - 16) * fraction, box.y + box.height / 2)
        await settled(page, await seqShown(page))
        await page.waitForTimeout(50)
        expect(await reading(), `${width}: scrolled, after a click at ${fraction}`).toBe(before)
      }
      if (width === 1920 && screenshotDirectory !== undefined) {
        await page.goto(`${harness.server.url}?seq=33`)
        await settled(page, 33)
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(screenshotDirectory, 'explorer.png'), fullPage: true })
      }
      expect(errors).toEqual([])
      await page.close()
    }
  })

  it("follows the current event's process and address, unless the user pins them", async () => {
    const { page } = await harness.page(1366, 768)
    await page.goto(`${harness.server.url}?seq=0`)
    await settled(page, 0)
    const tlb = requireScenario('tlb').run({ arch: 'x86', verbose: false, record: true }).kernel
    await open(page, 'tlb', tlb.trace!.length)
    const state = new ExplorerSession(tlb, 'tlb').state(332)
    await page.fill('[data-testid=seq-input]', '332')
    await page.press('[data-testid=seq-input]', 'Enter')
    await settled(page, 332)
    expect(state.focus.pid).toBe(8)
    expect(await page.getAttribute('[data-testid=views]', 'data-pid')).toBe('8')
    await page.waitForSelector(`[data-testid=walk][data-seq="332"][data-address="${state.focus.address}"]`)
    // Pinned to process 4, the views stay there while the events are process 8's.
    await page.selectOption('[data-testid=pid]', '4')
    await page.waitForSelector('[data-testid=views][data-pid="4"]')
    await page.locator('h1').click()
    await page.keyboard.press('ArrowRight')
    await settled(page, 333)
    expect(await page.getAttribute('[data-testid=views]', 'data-pid')).toBe('4')
    expect(new URL(page.url()).searchParams.get('pid')).toBe('4')
    await page.click('[data-testid=pin-process]')
    await page.waitForSelector('[data-testid=views][data-pid="8"]')
    expect(new URL(page.url()).searchParams.get('pid')).toBeNull()
    await page.close()
  })

  it("stops 'next fault' at the trap and shows the step's before and after, outlining what the event touched", async () => {
    const { page } = await articleAt(1920, 1080, '?seq=0', 0)
    const query = article.history.query
    const trap = query.next({ type: 'hw.pageFault' }, 1)!
    await page.locator('h1').click()
    await page.keyboard.press('f')
    await settled(page, trap)
    expect(await page.textContent('[data-testid=current-event]')).toContain('hw.pageFault')
    const address = (article.trace!.at(trap) as { address: number }).address
    await page.waitForSelector(`[data-testid=walk][data-seq="${trap}"][data-address="${address}"]`)
    // The walk stops at a not-present entry, read as software.
    expect(await page.getAttribute('[data-testid=walk-level] >> nth=-1', 'data-software')).not.toBe('')
    // The memory manager's resolution: the step shows the PTE and frame change.
    let mapped = query.next({ type: 'hw.pteWritten' }, trap)!
    while ((article.trace!.at(mapped) as { level: number }).level !== 1)
      mapped = query.next({ type: 'hw.pteWritten' }, mapped + 1)!
    await page.fill('[data-testid=seq-input]', String(mapped))
    await page.press('[data-testid=seq-input]', 'Enter')
    await page.waitForSelector(`[data-testid=step][data-seq="${mapped}"]`)
    expect(await page.getAttribute('[data-testid=diff-pte]', 'data-changed')).toBe('true')
    expect(await page.textContent('[data-testid=diff-pte]')).toMatch(/\(P=0\).*\(P=1\)/)
    expect(await page.locator('.walk-step.changed').count()).toBe(1)
    if (screenshotDirectory !== undefined)
      await page
        .locator('[data-testid=step]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-step.png') })
    // A TLB fill outlines the cell it filled, and nothing else.
    const fill = query.next({ type: 'hw.tlbFill' }, mapped)!
    const filled = article.trace!.at(fill) as { set: number; way: number }
    await page.fill('[data-testid=seq-input]', String(fill))
    await page.press('[data-testid=seq-input]', 'Enter')
    await settled(page, fill)
    const outlined = await page.$$eval('.tlb-cell.changed', (cells) =>
      cells.map((cell) => `${cell.getAttribute('data-set')}:${cell.getAttribute('data-way')}`),
    )
    expect(outlined).toEqual([`${filled.set}:${filled.way}`])
    await page.close()
  })

  it("jumps to faults and system calls whatever the event list's filter, which lives in the URL", async () => {
    const { page } = await articleAt(1366, 768, '?seq=0&types=mm.areaInserted&faddress=0x7ffe0000', 0)
    expect(await page.inputValue('[data-testid=filter-types]')).toBe('mm.areaInserted')
    expect(await page.inputValue('[data-testid=filter-address]')).toBe('0x7ffe0000')
    const query = article.history.query
    await page.locator('h1').click()
    await page.keyboard.press('f')
    const trap = query.next({ type: 'hw.pageFault' }, 1)!
    await settled(page, trap)
    await page.keyboard.press('s')
    await settled(page, query.next({ type: 'nt.syscallEntered' }, trap + 1)!)
    const url = new URL(page.url())
    expect(url.searchParams.get('types')).toBe('mm.areaInserted')
    expect(url.searchParams.get('faddress')).toBe('0x7ffe0000')
    await page.close()
  })

  it('reads a not-present PTE as software (transition, with its protection), never as hardware bits; the frame map zooms and names the frame under the mouse', async () => {
    const { page } = await harness.page(1366, 768)
    await page.goto(`${harness.server.url}?seq=0`)
    await settled(page, 0)
    const pressure = requireScenario('pressure').run({ arch: 'x86', verbose: false, record: true }).kernel
    await open(page, 'pressure', pressure.trace!.length)
    // The first page that left its working set for a list ('nt', the default: mm.workingSetTrimmed).
    let standby = pressure.history.query.next({ type: 'mm.workingSetTrimmed' }, 0)!
    while ((pressure.trace!.at(standby) as { outcome: string }).outcome === 'dropped')
      standby = pressure.history.query.next({ type: 'mm.workingSetTrimmed' }, standby + 1)!
    const page4 = pressure.trace!.at(standby) as { pid: number; address: number }
    await page.goto(
      `${harness.server.url}?seq=${standby}&pid=${page4.pid}&va=0x${page4.address.toString(16)}`,
    )
    await page.waitForSelector(`[data-testid=walk][data-seq="${standby}"][data-address="${page4.address}"]`)
    const pte = page.locator('[data-testid=walk-level][data-name=PTE]')
    expect(await pte.getAttribute('data-software')).toBe('transition')
    expect(await pte.getAttribute('data-bits')).toBe('')
    expect(await pte.locator('.bit').count()).toBe(0)
    expect(await pte.textContent()).toMatch(/Protection \d+ \(MM_/)
    const parts = await page.$$eval('[data-testid=address-part]', (items) =>
      items.map((item) => item.getAttribute('data-name')),
    )
    expect(parts).toEqual(['PD', 'PT', 'offset'])
    expect(await page.textContent('[data-testid=entry-arithmetic] >> nth=1')).toMatch(
      /^at 0x[0-9a-f]{8} \+ 0x[0-9a-f]+ × 4 = 0x/,
    )
    if (screenshotDirectory !== undefined)
      await page
        .locator('section[aria-label="page walk"]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-walk.png') })
    // The frame map: only used frames, zoom, hover at a narrow width, and the PFN lists.
    await page.setViewportSize({ width: 1210, height: 900 })
    const frames = page.locator('[data-testid=frames]')
    const all = Number(await frames.getAttribute('data-shown'))
    const letters = new ExplorerSession(pressure, 'pressure').state(standby).frames.states
    await page.check('[data-testid=frames-used-only]')
    await expect
      .poll(async () => Number(await frames.getAttribute('data-shown')))
      .toBe([...letters].filter((letter) => letter !== 'F' && letter !== 'Z').length)
    await page.uncheck('[data-testid=frames-used-only]')
    const cell = Number(await frames.getAttribute('data-cell'))
    await page.click('[data-testid=frames-zoom-in]')
    await expect.poll(async () => Number(await frames.getAttribute('data-cell'))).toBeGreaterThan(cell)
    for (const pfn of [0, 0x3f, all - 1]) {
      const columns = Number(await frames.getAttribute('data-columns'))
      const size = Number(await frames.getAttribute('data-cell'))
      const width = Number(await frames.getAttribute('width'))
      await frames.scrollIntoViewIfNeeded()
      const box = (await frames.boundingBox())!
      const scale = box.width / width
      await page.mouse.move(
        box.x + ((pfn % columns) + 0.5) * size * scale,
        box.y + (Math.floor(pfn / columns) + 0.5) * size * scale,
      )
      await expect
        .poll(() => page.textContent('[data-testid=frame-hover]'))
        .toMatch(new RegExp(`^PFN 0x${pfn.toString(16)}:`))
    }
    const lists = await page.$$eval('[data-testid=pfn-list]', (rows) =>
      rows.map((row) => row.getAttribute('data-list')),
    )
    expect(lists).toEqual(['free', 'zeroed', 'standby', 'modified', 'active'])
    if (screenshotDirectory !== undefined)
      await page
        .locator('section[aria-label="physical frames"]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-frames.png') })
    await page.close()
  })

  it('keeps the AVL tree, the TLB and the charts readable', async () => {
    const { page, errors } = await harness.page(1366, 768)
    await page.goto(`${harness.server.url}?seq=0`)
    await settled(page, 0)
    await open(page, 'many', manyLength)
    expect(manyAreas).toBeGreaterThanOrEqual(15)
    await page.waitForSelector(`[data-testid=tree-summary]:has-text("${manyAreas} areas")`)
    // Every label inside its box.
    const overflow = await page.$$eval('[data-testid=tree-node]', (nodes) =>
      nodes.flatMap((node) => {
        const box = node.querySelector('rect')!.getBoundingClientRect()
        return [...node.querySelectorAll('text')]
          .map((text) => text.getBoundingClientRect())
          .filter((text) => text.right > box.right + 0.5 || text.left < box.left - 0.5)
          .map(() => node.getAttribute('data-start'))
      }),
    )
    expect(overflow).toEqual([])
    const svg = (await page.locator('[data-testid=area-tree]').boundingBox())!
    const panel = (await page.locator('section[aria-label="AVL tree"]').boundingBox())!
    expect(svg.width).toBeLessThanOrEqual(panel.width)
    await page.selectOption('[data-testid=tree-depth]', '2')
    const nodes = await page.$$eval('[data-testid=tree-node]', (items) =>
      items.map((item) => Number(item.getAttribute('data-hidden'))),
    )
    expect(nodes.length + nodes.reduce((sum, hidden) => sum + hidden, 0)).toBe(manyAreas)
    expect(nodes.length).toBeLessThan(manyAreas)
    // The TLB: every way without horizontal scrolling, at each width.
    for (const [width, height] of sizes) {
      await page.setViewportSize({ width, height })
      const grid = page.locator('[data-testid=tlb]')
      const { scrollWidth, clientWidth } = await grid.evaluate((element) => ({
        scrollWidth: element.scrollWidth,
        clientWidth: element.clientWidth,
      }))
      expect(scrollWidth, `${width}`).toBeLessThanOrEqual(clientWidth)
    }
    // At a phone's width the frame map is drawn smaller than its pixels: hover still names the
    // frame under the mouse (the last of 16 384 frames, 0x3fff, was named 0x3bf7).
    const frames = page.locator('[data-testid=frames]')
    await frames.scrollIntoViewIfNeeded()
    const count = Number(await frames.getAttribute('data-shown'))
    const box = (await frames.boundingBox())!
    expect(box.width).toBeLessThan(Number(await frames.getAttribute('width')))
    const columns = Number(await frames.getAttribute('data-columns'))
    const scale = box.width / Number(await frames.getAttribute('width'))
    const cell = Number(await frames.getAttribute('data-cell')) * scale
    for (const pfn of [count - 1, count - columns, 5 * columns + 7]) {
      await page.mouse.move(
        box.x + ((pfn % columns) + 0.5) * cell,
        box.y + (Math.floor(pfn / columns) + 0.5) * cell,
      )
      await expect
        .poll(() => page.textContent('[data-testid=frame-hover]'))
        .toMatch(new RegExp(`^PFN 0x${pfn.toString(16)}:`))
    }
    const colours = await page.getAttribute('[data-testid=charts]', 'data-series-colours')
    const marker = await page.getAttribute('[data-testid=charts]', 'data-marker')
    expect(colours?.split(' ')).not.toContain(marker)
    // Every series colour from Okabe and Ito's palette.
    const palette = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7']
    for (const colour of colours?.split(' ') ?? []) expect(palette).toContain(colour)
    // Before the first event: no process, no error.
    await page.locator('h1').click()
    await page.keyboard.press('Home')
    await settled(page, -1)
    await page.keyboard.press('ArrowRight')
    await settled(page, 0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('marks stale TLB entries on their cell, and never calls a system frame "process 0"', async () => {
    const { page } = await harness.page(1920, 1080)
    await page.goto(`${harness.server.url}?seq=0`)
    await settled(page, 0)
    const tlb = requireScenario('tlb').run({ arch: 'x86', verbose: false, record: true }).kernel
    await open(page, 'tlb', tlb.trace!.length)
    const session = new ExplorerSession(tlb, 'tlb')
    let stale = -1
    for (let seq = 0; seq < tlb.trace!.length && stale < 0; seq++)
      if (session.state(seq).tlb.entries.some((entry) => entry.stale)) stale = seq
    expect(stale).toBeGreaterThan(0)
    await page.fill('[data-testid=seq-input]', String(stale))
    await page.press('[data-testid=seq-input]', 'Enter')
    await settled(page, stale)
    const expected = session
      .state(stale)
      .tlb.entries.filter((entry) => entry.stale)
      .map((entry) => `${entry.set}:${entry.way}`)
    const shown = await page.$$eval('[data-testid=tlb-entry][data-stale=true]', (cells) =>
      cells.map((cell) => `${cell.getAttribute('data-set')}:${cell.getAttribute('data-way')}`),
    )
    expect(shown).toEqual(expected)
    if (screenshotDirectory !== undefined)
      await page
        .locator('section[aria-label="TLB"]')
        .screenshot({ path: join(screenshotDirectory, 'explorer-tlb.png') })
    const letters = session.state(stale).frames.states
    const system = letters.indexOf('Y')
    if (system >= 0) {
      const frames = page.locator('[data-testid=frames]')
      const columns = Number(await frames.getAttribute('data-columns'))
      const size = Number(await frames.getAttribute('data-cell'))
      const box = (await frames.boundingBox())!
      const scale = box.width / Number(await frames.getAttribute('width'))
      await page.mouse.move(
        box.x + ((system % columns) + 0.5) * size * scale,
        box.y + (Math.floor(system / columns) + 0.5) * size * scale,
      )
      await expect.poll(() => page.textContent('[data-testid=frame-hover]')).toMatch(/: system$/)
    }
    await page.close()
  })
})
