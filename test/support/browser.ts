import { type Browser, type Page, chromium } from 'playwright-core'

/** Debian's chromium (apt-get install chromium), never a downloaded one; flags that keep it offline and quiet. */
const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium']
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export async function launchChromium (): Promise<Browser> {
  let lastError: unknown
  for (const executablePath of CHROMIUM) {
    try { return await chromium.launch({ executablePath, args: ARGS }) } catch (error) { lastError = error }
  }
  throw lastError
}

/** A page of `browser` logged in to Odoo as admin; uncaught web-client errors are pushed to `pageErrors`. */
export async function adminPage (browser: Browser, odooUrl: string, pageErrors: string[], viewport = { width: 1440, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport })
  page.on('pageerror', error => { pageErrors.push(error.message) })
  await page.goto(`${odooUrl}/web/login`)
  await page.fill('input[name="login"]', 'admin')
  await page.fill('input[name="password"]', 'admin')
  await page.click('button[type="submit"]')
  await page.waitForURL(/\/odoo/)
  return page
}
