import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import PgBoss from 'pg-boss'
import { fmt, percentile, report } from './stats.ts'
import { peakRssMiB, postgresCpuMs, sidecarProcess, until } from './support.ts'

/**
 * Benchmark 7: SLA timer accuracy. BENCH_TIMERS (10,000) process steps wait with deadlines spread over
 * BENCH_TIMER_SPREAD_SECONDS; the sidecar's timer loop claims each due deadline into a pg-boss job and
 * its worker calls Odoo's `hub_fire_timers` (here an RPC stub that notes when each step was fired, once).
 * Printed: fired - due, p50 / p99 / max, beside the same timers as pg-boss 10 delayed jobs
 * (`startAfter`, polled every 0.5 s, its documented minimum, 500 per fetch) measured in the same run.
 */
const TIMERS = Number(process.env.BENCH_TIMERS ?? 10_000)
const SPREAD_SECONDS = Number(process.env.BENCH_TIMER_SPREAD_SECONDS ?? 30)
const LEAD_SECONDS = 8 // the sidecar starts and warms up before the first deadline

/** Odoo's `hub.process.step.hub_fire_timers`: fires a (step, deadline) once, notes when. */
async function timerRpcStub () {
  const fired = new Map<number, number>()
  let calls = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const now = performance.timeOrigin + performance.now()
      const { id, params } = JSON.parse(Buffer.concat(chunks).toString())
      let result: unknown = true
      if (params.method === 'login') result = 2
      if (params.method === 'execute_kw' && params.args[4] === 'hub_fire_timers') {
        calls++
        const items = params.args[5][0] as Array<{ step_id: number }>
        result = items.map(i => {
          const first = !fired.has(i.step_id)
          if (first) fired.set(i.step_id, now)
          return { step_id: i.step_id, outcome: first ? 'fired' : 'stale' }
        })
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, fired, calls: () => calls, close: () => new Promise(r => server.close(r)) }
}

/** Due times (ms since epoch), evenly spread after the lead time. */
const dueTimes = (start: number) => Array.from({ length: TIMERS }, (_, i) => start + (LEAD_SECONDS + (i * SPREAD_SECONDS) / TIMERS) * 1000)

async function ours (databaseUrl: string): Promise<{ lateness: number[], pgCpuMs: number, rss: number, calls: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const stub = await timerRpcStub()
  const due = dueTimes(Date.now())
  // one running process per timer, its active step due at its time (naive UTC, as Odoo stores it)
  const { rows } = await pool.query<{ id: number, due: string }>(`
    WITH p AS (
      INSERT INTO hub_process (name, definition_id, definition_code, res_model, res_id, state, started_at)
      SELECT 'bench ' || n, 1, 'order_to_delivery', 'sale.order', n, 'running', now() AT TIME ZONE 'UTC' FROM generate_series(1, $1) n
      RETURNING id, res_id)
    INSERT INTO hub_process_step (process_id, sequence, code, name, sla_kind, state, started_at, deadline)
    SELECT p.id, 1, 'packed', 'Packed', 'duration', 'active', now() AT TIME ZONE 'UTC', to_timestamp(d[p.res_id] / 1000.0) AT TIME ZONE 'UTC'
    FROM p, (SELECT $2::float8[] AS d) due
    RETURNING id, deadline AS due`, [TIMERS, due])
  const dueByStep = new Map(rows.map((r, i) => [r.id, due[i]!]))
  const port = new URL(databaseUrl).port
  const sidecar = await sidecarProcess(databaseUrl, stub.url)
  const cpu0 = postgresCpuMs(port)
  await until(() => stub.fired.size === TIMERS, (LEAD_SECONDS + SPREAD_SECONDS + 120) * 1000)
  const pgCpuMs = postgresCpuMs(port) - cpu0
  const rss = peakRssMiB(sidecar.pid)
  sidecar.kill('SIGTERM')
  await until(() => sidecar.exitCode !== null || sidecar.signalCode !== null, 20_000).catch(() => sidecar.kill('SIGKILL'))
  const lateness = [...stub.fired].map(([step, at]) => at - dueByStep.get(step)!)
  await stub.close()
  await pool.end()
  return { lateness, pgCpuMs, rss, calls: stub.calls() }
}

async function pgBossDelayed (databaseUrl: string): Promise<number[]> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'bench_timers', supervise: false, schedule: false })
  await boss.start()
  await boss.createQueue('timer')
  const due = dueTimes(Date.now())
  const fired = new Map<string, number>()
  const dueById = new Map<string, number>()
  for (let i = 0; i < due.length; i += 1000) {
    const ids = await Promise.all(due.slice(i, i + 1000).map(async d => { const id = await boss.send('timer', {}, { startAfter: new Date(d) }); dueById.set(id!, d); return id }))
    if (ids.some(id => !id)) throw new Error('pg-boss dropped a timer')
  }
  await boss.work('timer', { batchSize: 500, pollingIntervalSeconds: 0.5 }, async jobs => {
    const now = performance.timeOrigin + performance.now()
    for (const job of jobs) if (!fired.has(job.id)) fired.set(job.id, now)
  })
  await until(() => fired.size === TIMERS, (LEAD_SECONDS + SPREAD_SECONDS + 120) * 1000)
  await boss.stop({ graceful: false })
  return [...fired].map(([id, at]) => at - dueById.get(id)!)
}

export async function benchProcessTimers (databaseUrl: string): Promise<void> {
  const ourRun = await ours(databaseUrl)
  const reference = await pgBossDelayed(databaseUrl)
  console.log(`SLA timers: ${TIMERS} pending deadlines spread over ${SPREAD_SECONDS} s, fired - due`)
  for (const p of [50, 99]) report(`  p${p}: claim loop + job + RPC vs pg-boss startAfter`, percentile(ourRun.lateness, p), percentile(reference, p), 'ms', 'lower')
  report('  max', Math.max(...ourRun.lateness), Math.max(...reference), 'ms', 'lower')
  const early = ourRun.lateness.filter(ms => ms < 0).length
  console.log(`  (ours: ${early} fired before due, ${ourRun.calls} Odoo calls for ${TIMERS} timers, PostgreSQL CPU ${fmt(ourRun.pgCpuMs / TIMERS, 2)} ms per timer, sidecar peak RSS ${fmt(ourRun.rss, 0)} MiB)\n`)
}
