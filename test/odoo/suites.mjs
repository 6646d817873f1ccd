// The suites that need real Odoo 18 (ODOO_SRC): the addon's own tests run by odoo-bin, then the
// end-to-end tests in test/e2e against a live Odoo server on the same database. Both use the
// PostgreSQL that test/run.mjs started.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'

export const ODOO_PYTHON = existsSync('/usr/bin/python3.11') ? '/usr/bin/python3.11' : 'python3'
export const ODOO_DB_USER = 'odoo'
export const ODOO_DB_PASSWORD = 'odoo'

/** odoo-bin arguments shared by the test run and the e2e server: same database, same addons. */
export function odooArgs ({ root, work, port, db }) {
  const src = process.env.ODOO_SRC
  return [join(src, 'odoo-bin'), `--addons-path=${join(src, 'odoo/addons')},${join(root, 'odoo_addon')}`,
    '--db_host=127.0.0.1', `--db_port=${port}`, `--db_user=${ODOO_DB_USER}`, `--db_password=${ODOO_DB_PASSWORD}`,
    `--data-dir=${join(work, 'odoo-data')}`, '-d', db, `--db-filter=^${db}$`, '--no-database-list', '--workers=0', '--max-cron-threads=0']
}

/** Odoo refuses to connect as the `postgres` superuser, so it gets its own role. */
async function ensureOdooRole (adminUrl) {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  await client.query(`DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ODOO_DB_USER}') THEN
    CREATE ROLE ${ODOO_DB_USER} LOGIN SUPERUSER PASSWORD '${ODOO_DB_PASSWORD}'; END IF; END$$`)
  await client.end()
}

function runCapturing (cmd, args, cwd) {
  return new Promise(resolve => {
    const child = spawn(cmd, args, { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const collect = chunk => { out += chunk; process.stdout.write(chunk) }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('exit', code => resolve({ code: code ?? 1, out }))
  })
}

export async function runOdooSuites ({ root, work, port, env, only, nodeSuite }) {
  await ensureOdooRole(env.HUB_TEST_PG_URL)
  const db = 'hub_odoo'
  let passed = 0
  let failed = 0

  if (!only.length || only.includes('odoo')) {
    // HUB_ODOO_TEST_TAGS narrows a run while working (e.g. /logistics_hub:TestProcessEngine); CI runs them all
    const tags = process.env.HUB_ODOO_TEST_TAGS || '/logistics_hub'
    console.log(`\n== Odoo addon tests (odoo-bin --test-tags ${tags}) ==`)
    const t0 = Date.now()
    const { code, out } = await runCapturing(ODOO_PYTHON, [...odooArgs({ root, work, port, db }), '-i', 'logistics_hub',
      '--without-demo=all', '--test-tags', tags, '--stop-after-init', '--http-port=0', '--log-level=test'], process.env.ODOO_SRC)
    const m = /odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests/.exec(out)
    const bad = m ? Number(m[1]) + Number(m[2]) : 1
    const total = m ? Number(m[3]) : 0
    passed += total - (m ? bad : 0)
    failed += bad + (code !== 0 && bad === 0 ? 1 : 0)
    console.log(`Odoo addon tests: ${total - (m ? bad : 0)} passed, ${bad} failed in ${Math.round((Date.now() - t0) / 1000)} s (exit ${code})`)
  }

  const e2e = only.length ? only.filter(f => f.includes('/e2e/')) : readdirSync(join(root, 'test/e2e')).filter(f => f.endsWith('.test.ts')).map(f => join('test/e2e', f))
  if (e2e.length) {
    console.log('\n== end-to-end tests in real Odoo ==')
    const odoo = { python: ODOO_PYTHON, cwd: process.env.ODOO_SRC, db, args: odooArgs({ root, work, port, db }), dbUrl: `postgresql://${ODOO_DB_USER}:${ODOO_DB_PASSWORD}@127.0.0.1:${port}/${db}` }
    const r = await nodeSuite(e2e, { ...env, HUB_E2E_ODOO: JSON.stringify(odoo), HUB_E2E_WORK: work }, join(work, 'e2e.tap'), 1, 900_000) // one at a time: they share the Odoo database; the real-Odoo chaos suite takes minutes
    passed += r.passed
    failed += r.failed
  }
  return { passed, failed }
}
