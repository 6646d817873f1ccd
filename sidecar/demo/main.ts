import { setTimeout as sleep } from 'node:timers/promises'
import { OdooRpcError, OdooUnavailableError, errorMessage } from '../src/errors.ts'
import { OdooClient } from '../src/odoo/rpc.ts'
import { DEMO_CONNECTORS, type SimulatorName, demoSecret } from './partners.ts'
import { type SeedReport, seedDemo } from './seed.ts'
import { type DemoSettings, loadDemoSettings } from './settings.ts'
import { startDemoSimulators } from './simulators.ts'

/**
 * `npm run demo`: starts the WMS, ParcelFast, SwiftPost and TMS simulators, seeds the matching demo
 * connectors and routes into the Odoo named by ODOO_URL/ODOO_DB (idempotent), prints what it did and
 * keeps the simulators running until Ctrl-C. The last line of a good start is `demo ready`.
 */
const say = (line = '') => { process.stdout.write(`${line}\n`) }

/** Odoo may still be starting (compose starts everything at once): wait for it, as the sidecar does. */
async function seedWhenOdooAnswers (odoo: OdooClient, s: DemoSettings, baseUrls: Record<SimulatorName, string>): Promise<SeedReport> {
  for (let delayMs = 1000; ; delayMs = Math.min(delayMs * 2, 10_000)) {
    try {
      return await seedDemo(odoo, s, baseUrls)
    } catch (err) {
      if (!(err instanceof OdooUnavailableError)) throw explain(err, s)
      say(`Odoo at ${s.ODOO_URL} does not answer yet (${errorMessage(err)}); trying again in ${delayMs / 1000} s`)
      await sleep(delayMs)
    }
  }
}

/** The two mistakes a newcomer makes first, said in their terms. */
function explain (err: unknown, s: DemoSettings): Error {
  if (err instanceof OdooRpcError && err.odooErrorName === 'AccessDenied') {
    return new Error(`Odoo refused ${s.ODOO_USER} on database ${s.ODOO_DB}: set ODOO_USER/ODOO_PASSWORD (a Hub Manager) and ODOO_DB`, { cause: err })
  }
  if (/hub\.connector/.test(errorMessage(err)) && /exist/i.test(errorMessage(err))) {
    return new Error(`logistics_hub is not installed in database ${s.ODOO_DB}: install it (odoo-bin -d ${s.ODOO_DB} -i logistics_hub) and run the demo again`, { cause: err })
  }
  return err instanceof Error ? err : new Error(errorMessage(err))
}

function printReady (s: DemoSettings, listening: Record<SimulatorName, string>, report: SeedReport): void {
  say('Partner simulators (each connector\'s secret and API key is derived from HUB_DEMO_SECRET and its code):')
  for (const c of DEMO_CONNECTORS.filter(c => c.simulator)) {
    say(`  ${c.name.padEnd(10)} ${listening[c.simulator!].padEnd(24)} connector ${c.code.padEnd(10)} callbacks to ${s.HUB_DEMO_SIDECAR_URL.replace(/\/$/, '')}/hooks/${c.code}`)
    say(`  ${''.padEnd(10)} secret ${demoSecret(s.HUB_DEMO_SECRET, c.code)}`)
  }
  say(`Seeded into Odoo ${s.ODOO_URL} (database ${s.ODOO_DB}):`)
  if (report.created.length) say(`  created: ${report.created.join('; ')}`)
  if (report.updated.length) say(`  updated: ${report.updated.join('; ')}`)
  if (report.unchanged.length) say(`  already there: ${report.unchanged.join('; ')}`)
  say(`Start the sidecar with HUB_ADMIN_TOKEN=${s.HUB_ADMIN_TOKEN} and Odoo's database as DATABASE_URL (README, "Set-up"),`)
  say('then confirm a sale order of Demo Crate for Demo Customer. Ctrl-C stops the simulators.')
  say('demo ready')
}

try {
  const settings = loadDemoSettings()
  const sims = await startDemoSimulators(settings)
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    void sims.stop().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  const odoo = new OdooClient({ url: settings.ODOO_URL, db: settings.ODOO_DB, user: settings.ODOO_USER, password: settings.ODOO_PASSWORD })
  const report = await seedWhenOdooAnswers(odoo, settings, sims.baseUrls)
  printReady(settings, sims.listening, report)
} catch (err) {
  console.error(`demo: ${errorMessage(err)}`)
  process.exit(1)
}
