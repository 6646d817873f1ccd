import PgBoss from 'pg-boss'
import { loadDoctorConfig } from './config.ts'
import { JobQueue } from './db/job-queue.ts'
import { createPool } from './db/pool.ts'
import { createLogger } from './observability/logger.ts'
import { type Finding, selfCheck } from './workers/self-check.ts'

/**
 * `npm run doctor [-- --repair]`: prints the pipeline's invariants for a live installation (the
 * self-check the sidecar runs every minute) and exits 1 while one is broken. Needs only DATABASE_URL
 * (and HUB_BOSS_SCHEMA when not `pgboss`); safe to run beside running sidecars. Without --repair it
 * changes nothing.
 */
const env = loadDoctorConfig()
const repair = process.argv.includes('--repair')

const pool = createPool(env.DATABASE_URL, 2)
const boss = new PgBoss({ connectionString: env.DATABASE_URL, schema: env.HUB_BOSS_SCHEMA, max: 1 })
try {
  const findings = await selfCheck({ pool, jobs: new JobQueue(boss), logger: createLogger('silent'), bossSchema: env.HUB_BOSS_SCHEMA },
    { graceSeconds: env.HUB_SELF_CHECK_GRACE_SECONDS, repair })
  for (const f of findings) console.log(line(f))
  const broken = findings.filter(f => !f.informational && f.count > f.repaired)
  console.log(broken.length ? `\n${broken.length} invariant(s) broken${repair ? '' : ' (run with --repair to repair what can be)'}` : '\nall invariants hold')
  process.exitCode = broken.length ? 1 : 0
} finally {
  await pool.end()
}

function line (f: Finding): string {
  const mark = f.informational ? 'info' : f.count === 0 ? ' ok ' : f.count === f.repaired ? 'FIXD' : 'FAIL'
  const repaired = f.repaired ? `, ${f.repaired} repaired` : ''
  const examples = f.examples.length ? `  e.g. ${f.examples.join(', ')}` : ''
  return `[${mark}] ${f.check.padEnd(30)} ${String(f.count).padStart(6)}${repaired}  ${f.meaning}${examples}`
}
