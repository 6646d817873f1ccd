import PgBoss from 'pg-boss'
import { run } from 'graphile-worker'
import { postSigned } from '../sidecar/src/adapters/http-transport.ts'

/**
 * The references of the pipeline benchmarks, each as its own process (as our sidecar runs), doing the
 * same work per job as our delivery: a Standard Webhooks-signed POST of the event envelope to the same
 * partner endpoint, through the same signing and HTTP code.
 *   graphile-worker 0.17 (the last release that runs on Node 20): LISTEN/NOTIFY wake-ups, CONCURRENCY
 *     jobs at once; jobs of one record share a `queue_name` when per-record order is asked for.
 *   pg-boss 10 configured per its documentation: WORKERS work() loops of BATCH jobs, polling every
 *     0.5 s (its minimum), the batch's calls running concurrently.
 * Usage: tsx bench/reference-worker.ts graphile|pgboss  (DATABASE_URL, PARTNER_URL, SECRET)
 */
const kind = process.argv[2]
const { DATABASE_URL, PARTNER_URL, SECRET } = process.env as Record<string, string>
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32)
const WORKERS = Number(process.env.WORKERS ?? 4)
const BATCH = Number(process.env.BATCH ?? 50)

interface EventJob { id: string, envelope: unknown }

const deliver = async (job: EventJob) => {
  const answer = await postSigned({ url: PARTNER_URL!, body: job.envelope, messageId: job.id, secrets: [SECRET!], timeoutSeconds: 10 })
  if (answer.status >= 300) throw new Error(`partner answered ${answer.status}`)
}

if (kind === 'graphile') {
  const runner = await run({
    connectionString: DATABASE_URL, concurrency: CONCURRENCY, maxPoolSize: CONCURRENCY + 2, noHandleSignals: true, pollInterval: 2000,
    taskList: { deliver: async payload => { await deliver(payload as EventJob) } }
  })
  process.on('SIGTERM', () => { void runner.stop().then(() => process.exit(0)) })
} else if (kind === 'pgboss') {
  const boss = new PgBoss({ connectionString: DATABASE_URL, schema: 'bench_pgboss' })
  await boss.start()
  await boss.createQueue('deliver')
  for (let i = 0; i < WORKERS; i++) {
    await boss.work<EventJob>('deliver', { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async jobs => { await Promise.all(jobs.map(j => deliver(j.data))) })
  }
  process.on('SIGTERM', () => { void boss.stop({ graceful: true }).then(() => process.exit(0)) })
} else {
  console.error('usage: reference-worker.ts graphile|pgboss')
  process.exit(2)
}
process.stdout.write('ready\n')
