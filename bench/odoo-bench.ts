import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'

/** What the benchmarks that run real Odoo (ODOO_SRC) share: its Python, its command line, a database of their own. */
export const ODOO_PYTHON = existsSync('/usr/bin/python3.11') ? '/usr/bin/python3.11' : 'python3'
const root = new URL('..', import.meta.url).pathname

/** The Odoo source tree to run, or null (the benchmark then prints one "skipped" line). */
export function odooSource (): string | null {
  const src = process.env.ODOO_SRC
  return src && existsSync(join(src, 'odoo-bin')) ? src : null
}

/**
 * odoo-bin's arguments for database `db` on the PostgreSQL bench/run.ts started (`adminUrl`), with the addon
 * on its path; makes Odoo's own role there (Odoo refuses the postgres superuser). Nothing else is touched.
 */
export async function odooArgs (src: string, adminUrl: string, db: string, work: string): Promise<string[]> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'odoo') THEN CREATE ROLE odoo LOGIN SUPERUSER PASSWORD 'odoo'; END IF; END$$")
  await admin.end()
  return [join(src, 'odoo-bin'), `--addons-path=${join(src, 'odoo/addons')},${join(root, 'odoo_addon')}`, '--db_host=127.0.0.1', `--db_port=${new URL(adminUrl).port}`,
    '--db_user=odoo', '--db_password=odoo', `--data-dir=${join(work, 'odoo-data')}`, '-d', db, `--db-filter=^${db}$`, '--no-database-list', '--workers=0', '--max-cron-threads=0']
}

/** Runs odoo-bin (`input` on its stdin, e.g. a script for `shell`); resolves with its output, rejects on a non-zero exit. */
export function runOdoo (args: string[], env: Record<string, string> = {}, input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ODOO_PYTHON, args, { cwd: process.env.ODOO_SRC, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let out = ''
    child.stdout.on('data', c => { out += c })
    child.stderr.on('data', c => { out += c })
    child.on('exit', code => code === 0 ? resolve(out) : reject(new Error(`odoo-bin exited ${code}: ${out.slice(-2000)}`)))
    child.stdin.end(input)
  })
}

/** Installs the addon, then runs a bench/*.py script in `odoo-bin shell`; returns what it printed. */
export async function installAndRunScript (args: string[], script: string, env: Record<string, string>): Promise<string> {
  await runOdoo([...args, '-i', 'logistics_hub', '--without-demo=all', '--stop-after-init', '--no-http', '--log-level=warn'], env)
  return await runOdoo([args[0]!, 'shell', ...args.slice(1), '--no-http', '--log-level=warn'], env, `exec(open(${JSON.stringify(join(root, 'bench', script))}).read())\n`)
}
