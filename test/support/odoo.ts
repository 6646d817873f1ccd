import { type ChildProcess, spawn } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { request } from 'undici'
import { OdooClient } from '../../sidecar/src/odoo/rpc.ts'

/** How test/odoo/suites.mjs tells the e2e tests to run Odoo (HUB_E2E_ODOO). */
interface OdooSpec { python: string, cwd: string, db: string, args: string[], dbUrl: string }

export function odooSpec (): OdooSpec | null {
  return process.env.HUB_E2E_ODOO ? JSON.parse(process.env.HUB_E2E_ODOO) as OdooSpec : null
}

async function freePort (): Promise<number> {
  const { createServer } = await import('node:net')
  return await new Promise(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })
}

async function moduleInstalled (dbUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: dbUrl })
  try {
    await client.connect()
    const { rows } = await client.query("SELECT 1 FROM ir_module_module WHERE name = 'logistics_hub' AND state = 'installed'")
    return rows.length === 1
  } catch { return false } finally { await client.end().catch(() => {}) }
}

/** Serialises work across test processes with a PostgreSQL advisory lock on the maintenance database. */
async function withInstallLock (fn: () => Promise<void>): Promise<void> {
  const url = process.env.HUB_TEST_PG_URL
  if (!url) return await fn()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock(727001)')
    await fn()
  } finally {
    await client.query('SELECT pg_advisory_unlock(727001)').catch(() => {})
    await client.end().catch(() => {})
  }
}

function runOdooOnce (spec: OdooSpec, extra: string[], logFile: string): Promise<number> {
  return new Promise(resolve => {
    const log = openSync(logFile, 'a')
    const child = spawn(spec.python, [...spec.args, ...extra], { cwd: spec.cwd, stdio: ['ignore', log, log] })
    child.on('exit', code => resolve(code ?? 1))
  })
}

/** Other suites share the e2e database: archive their connectors so they get none of our events. */
export async function archiveAllConnectors (rpc: OdooClient): Promise<void> {
  const ids = await rpc.executeKw<number[]>('hub.connector', 'search', [[]])
  if (ids.length) await rpc.executeKw('hub.connector', 'write', [ids, { active: false }])
}

/** A real Odoo 18 server with logistics_hub installed, on its own port; stop/restart simulate outages. */
export class OdooServer {
  #child: ChildProcess | null = null
  readonly logFile: string
  port = 0

  constructor (readonly spec: OdooSpec, work: string) { this.logFile = join(work, 'odoo-e2e.log') }

  get url (): string { return `http://127.0.0.1:${this.port}` }

  client (): OdooClient { return new OdooClient({ url: this.url, db: this.spec.db, user: 'admin', password: 'admin' }) }

  async start (): Promise<void> {
    // e2e files run concurrently and share the database: one installs, the others wait for it
    await withInstallLock(async () => {
      if (await moduleInstalled(this.spec.dbUrl)) return
      const code = await runOdooOnce(this.spec, ['-i', 'logistics_hub', '--without-demo=all', '--stop-after-init', '--http-port=0'], this.logFile)
      if (code !== 0) throw new Error(`installing logistics_hub failed; see ${this.logFile}`)
    })
    this.port ||= await freePort()
    const log = openSync(this.logFile, 'a')
    this.#child = spawn(this.spec.python, [...this.spec.args, `--http-port=${this.port}`, '--http-interface=127.0.0.1'], { cwd: this.spec.cwd, stdio: ['ignore', log, log] })
    for (let i = 0; i < 240; i++) {
      if (this.#child.exitCode !== null) throw new Error(`Odoo exited; see ${this.logFile}`)
      try {
        const res = await request(`${this.url}/web/login`)
        await res.body.dump()
        if (res.statusCode === 200) return
      } catch { /* not up yet */ }
      await sleep(500)
    }
    throw new Error(`Odoo did not answer within 120 s; see ${this.logFile}`)
  }

  async stop (): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))])
    await exited
  }

  log (): string { return readFileSync(this.logFile, 'utf8') }
}
