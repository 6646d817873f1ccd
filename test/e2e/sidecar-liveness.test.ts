import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { adminPage, launchChromium } from '../support/browser.ts'
import { OdooServer, odooSpec } from '../support/odoo.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const spec = odooSpec()
const root = fileURLToPath(new URL('../..', import.meta.url))
const screenshots = process.env.HUB_SCREENSHOT_DIR ?? join(root, 'test-results', 'screenshots')
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version

/** This suite's own database: it starts and kills sidecars, which must not touch other suites' events. */
function ownDatabase (base: NonNullable<typeof spec>, db: string): NonNullable<typeof spec> {
  const args = base.args.map(arg => arg === base.db ? db : arg.startsWith('--db-filter=') ? `--db-filter=^${db}$` : arg)
  return { ...base, db, args, dbUrl: base.dbUrl.replace(/\/[^/]+$/, `/${db}`) }
}

interface SidecarSettings { hub_sidecar_state: string, hub_sidecar_replicas: number, hub_sidecar_version: string | false, hub_sidecar_message: string }

/**
 * A real sidecar writes its heartbeat and real Odoo reads it (the table is the
 * contract between them): Settings shows it running, the dashboard warns once it stopped or went
 * silent. Screenshots of each screen land in HUB_SCREENSHOT_DIR (default test-results/screenshots).
 */
describe('Odoo sees whether the sidecar runs (real Odoo, real sidecar, Chromium)', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let rpc: OdooClient
  let own: NonNullable<typeof spec>
  let browser: Browser
  let page: Page
  let child: ChildProcess | undefined
  const pageErrors: string[] = []

  const shot = async (name: string) => { await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false }) }
  const settings = async (): Promise<SidecarSettings> => {
    const id = await rpc.executeKw<number>('res.config.settings', 'create', [{}])
    const [values] = await rpc.executeKw<SidecarSettings[]>('res.config.settings', 'read', [[id], ['hub_sidecar_state', 'hub_sidecar_replicas', 'hub_sidecar_version', 'hub_sidecar_message']])
    return values!
  }
  const openDashboard = async () => {
    await page.goto(`${odoo.url}/odoo/action-logistics_hub.hub_dashboard_action`)
    await page.locator('.o_hub_kpis').waitFor()
  }

  before(async () => {
    mkdirSync(screenshots, { recursive: true })
    own = ownDatabase(spec!, `${spec!.db}_liveness`)
    odoo = new OdooServer(own, process.env.HUB_E2E_WORK!)
    await odoo.start()
    rpc = odoo.client()
    browser = await launchChromium()
    page = await adminPage(browser, odoo.url, pageErrors)
  })

  after(async () => {
    child?.kill('SIGKILL')
    await browser?.close()
    await odoo?.stop()
    assert.deepEqual(pageErrors, [], 'no uncaught error in the web client')
  })

  it('shows a running sidecar in Settings, and no banner on the dashboard', async () => {
    const sidecar = await startSidecar(own.dbUrl, { ODOO_URL: odoo.url, ODOO_DB: own.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', HUB_HEARTBEAT_SECONDS: '1' })
    try {
      const live = await settings()
      assert.deepEqual([live.hub_sidecar_state, live.hub_sidecar_replicas, live.hub_sidecar_version], ['live', 1, version])

      await page.goto(`${odoo.url}/odoo/action-logistics_hub.res_config_settings_action`)
      const block = page.locator('#hub_sidecar_liveness')
      await block.waitFor()
      await block.scrollIntoViewIfNeeded()
      assert.match(await block.textContent() ?? '', /Running/)
      assert.match(await block.textContent() ?? '', new RegExp(`1 replica\\(s\\) running, version ${version.replaceAll('.', '\\.')}`))
      await shot('liveness-01-settings-running')

      await openDashboard()
      await page.locator('.o_hub_sidecar_status').waitFor()
      assert.equal(await page.locator('.o_hub_sidecar_banner').count(), 0)
    } finally {
      await sidecar.stop()
    }
  })

  it('says the sidecar was stopped once its last replica stopped gracefully', async () => {
    const stopped = await settings()
    assert.equal(stopped.hub_sidecar_state, 'stopped')
    await openDashboard()
    const banner = page.locator('.o_hub_sidecar_banner[data-state="stopped"]')
    await banner.waitFor()
    assert.match(await banner.textContent() ?? '', /The sidecar is stopped/)
    await shot('liveness-02-dashboard-stopped')
  })

  it('warns that the sidecar is silent when a replica died without a word', async () => {
    // A real sidecar process, killed: it never marks its row stopped, it just stops beating.
    child = spawn(process.execPath, ['--import', 'tsx', join(root, 'sidecar/src/main.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: own.dbUrl, ODOO_URL: odoo.url, ODOO_DB: own.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin', PORT: '0', LOG_LEVEL: 'silent', HUB_HEARTBEAT_SECONDS: '1' },
      stdio: 'ignore'
    })
    await waitFor('the child sidecar running', async () => (await settings()).hub_sidecar_state === 'live', 60_000, 500)
    child.kill('SIGKILL')
    await new Promise(resolve => child!.once('exit', resolve))
    // Let the database clock run on a few minutes instead of waiting them out.
    const db = new pg.Client({ connectionString: own.dbUrl })
    await db.connect()
    try {
      await db.query("UPDATE hub_sidecar.heartbeat SET beat_at = beat_at - interval '5 minutes', stopped_at = stopped_at - interval '5 minutes'")
    } finally {
      await db.end()
    }
    const silent = await settings()
    assert.equal(silent.hub_sidecar_state, 'silent')
    assert.match(silent.hub_sidecar_message, /^No heartbeat from the sidecar for 5 min/)

    await openDashboard()
    const banner = page.locator('.o_hub_sidecar_banner[data-state="silent"]')
    await banner.waitFor()
    assert.match(await banner.textContent() ?? '', /The sidecar is silent/)
    assert.match(await banner.textContent() ?? '', /Last heartbeat:/)
    await shot('liveness-03-dashboard-silent')

    await page.goto(`${odoo.url}/odoo/action-logistics_hub.res_config_settings_action`)
    const block = page.locator('#hub_sidecar_liveness')
    await block.waitFor()
    await block.scrollIntoViewIfNeeded()
    assert.match(await block.textContent() ?? '', /Silent/)
    await shot('liveness-04-settings-silent')
  })
})
