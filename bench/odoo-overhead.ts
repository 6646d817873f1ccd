import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { report } from './stats.ts'

/**
 * Benchmark 4: Odoo-side cost of event capture, measured in real Odoo (ODOO_SRC) on the harness's
 * PostgreSQL (BENCH_ODOO_DB_PORT, required, role odoo/odoo): a throw-away database gets the addon,
 * then bench/odoo_overhead.py confirms the same number of orders with and without an active route.
 */
function run (args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3.11', args, { cwd: process.env.ODOO_SRC, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', c => { out += c })
    child.stderr.on('data', c => { out += c })
    child.on('exit', code => code === 0 ? resolve(out) : reject(new Error(`odoo-bin exited ${code}: ${out.slice(-2000)}`)))
    child.stdin.end(input ?? '')
  })
}

export async function benchOdooOverhead (): Promise<void> {
  const src = process.env.ODOO_SRC
  // it creates (and leaves) a database on that server: only on a server named explicitly
  if (!src || !existsSync(join(src, 'odoo-bin')) || !process.env.BENCH_ODOO_DB_PORT) { console.log('Odoo overhead benchmark: skipped (set ODOO_SRC and BENCH_ODOO_DB_PORT, a PostgreSQL with role odoo/odoo)'); return }
  const root = new URL('..', import.meta.url).pathname
  const db = `hub_bench_${Date.now()}`
  const dbPort = Number(process.env.BENCH_ODOO_DB_PORT)
  const common = [`--addons-path=${join(src, 'odoo/addons')},${join(root, 'odoo_addon')}`, '--db_host=127.0.0.1',
    `--db_port=${dbPort}`, '--db_user=odoo', '--db_password=odoo', '-d', db, '--no-http', '--log-level=warn']
  const odooBin = join(src, 'odoo-bin')
  await run([odooBin, ...common, '-i', 'logistics_hub', '--without-demo=all', '--stop-after-init'])
  try {
    const out = await run([odooBin, 'shell', ...common], `exec(open(${JSON.stringify(join(root, 'bench/odoo_overhead.py'))}).read())\n`)
    const m = /BENCH odoo (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(out)
    if (!m) throw new Error(`no result from the Odoo shell: ${out.slice(-1000)}`)
    const [n, medianWith, medianWithout, meanWith, meanWithout, events] = m.slice(1).map(Number) as [number, number, number, number, number, number]
    report(`Odoo: confirm ${n}+${n} sale orders, capture on vs off (median)`, medianWith * 1000, medianWithout * 1000, 'ms/order', 'lower')
    console.log(`  (overhead ${((medianWith / medianWithout - 1) * 100).toFixed(1)} % on the median, ${((meanWith / meanWithout - 1) * 100).toFixed(1)} % on the mean; ${events} outbox rows written with capture on)`)
  } finally {
    const admin = new pg.Client({ host: '127.0.0.1', port: dbPort, user: 'odoo', password: 'odoo', database: 'postgres' })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).finally(() => admin.end())
  }
}
