// What the explorer's browser tests share: Debian's Chromium driven by playwright-core against the
// page built with Vite and a local explorer server, and the waits every test needs. Tests only.

import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kernel } from '@ntmm/nt-syscalls'
import { type Browser, chromium, type Page } from 'playwright-core'
import { build } from 'vite'
import { type ExplorerServer, startExplorerServer } from '../explorerServer.js'
import { ExplorerSession } from '../explorerSession.js'

/** The Chromium the tests drive (NTMM_CHROMIUM names another). */
export const chromiumPath = process.env.NTMM_CHROMIUM ?? '/usr/bin/chromium'
/** Skipped only when Chromium is missing outside CI (in CI it must run). */
export const browserTestsRunnable = existsSync(chromiumPath) || process.env.CI !== undefined
const appDirectory = new URL('../../../', import.meta.url).pathname
/** Where NTMM_SCREENSHOTS=1 saves the screenshots of docs/explorer.md. */
export const screenshotDirectory =
  process.env.NTMM_SCREENSHOTS === '1' ? join(appDirectory, '../../docs/images') : undefined

/** A built page, a server showing `kernel`, and a browser. */
export interface Harness {
  readonly browser: Browser
  readonly server: ExplorerServer
  readonly work: string
  /** A new page of the given size whose page errors and console errors are collected. */
  page(width: number, height: number): Promise<{ page: Page; errors: string[] }>
  close(): Promise<void>
}

/** Builds the page, starts a server on `kernel` (named `source`) and launches Chromium. */
export async function startHarness(kernel: Kernel, source: string): Promise<Harness> {
  const work = mkdtempSync(join(tmpdir(), 'ntmm-explorer-test-'))
  const webRoot = join(work, 'web')
  await build({
    configFile: join(appDirectory, 'web/vite.config.ts'),
    build: { outDir: webRoot, emptyOutDir: true },
    logLevel: 'warn',
  })
  const server = await startExplorerServer({ session: new ExplorerSession(kernel, source), webRoot })
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
    ],
  })
  return {
    browser,
    server,
    work,
    async page(width, height) {
      const page = await browser.newPage({ viewport: { width, height } })
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
      return { page, errors }
    },
    async close() {
      await browser.close()
      await server.close()
    },
  }
}

/** Waits until every view shows `seq`. */
export async function settled(page: Page, seq: number): Promise<void> {
  await page.waitForSelector(`[data-testid=views][data-state-seq="${seq}"]`)
}

/** The seq the timeline shows. */
export async function seqShown(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid=seq]', 'data-seq'))
}
