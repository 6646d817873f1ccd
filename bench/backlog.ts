import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { fmt } from './stats.ts'
import { countingPartner, machineCpuMs, odooRpcStub, peakRssMiB, postgresCpuMs, processCpuMs, sidecarProcess, until } from './support.ts'

/**
 * Benchmark 6: backlog drain. N events committed at once (one record each, as after a partner outage
 * or at a peak), drained by 1 or 2 sidecar processes (4 and 200k with BENCH_FULL=1) at the default log
 * level, with write-back to an Odoo RPC stub. Printed: drain rate for each backlog beside the rate of
 * the smallest backlog on the same process count (flat means the ratio stays near 1), the speed-up of
 * two processes over one, each run's peak RSS per process, and where the machine's CPU went during the
 * drain (busy share of all cores; cores used by PostgreSQL, the sidecars, and this process, which plays the
 * partner and Odoo): when the machine is saturated with one process, a second one cannot add throughput.
 */
const FULL = process.env.BENCH_FULL === '1'
const list = (value: string | undefined, fallback: number[]) => value ? value.split(',').map(Number) : fallback
const SIZES = list(process.env.BENCH_BACKLOG_SIZES, FULL ? [1000, 10_000, 50_000, 200_000] : [1000, 10_000, 50_000])
const PROCESSES = list(process.env.BENCH_BACKLOG_PROCESSES, FULL ? [1, 2, 4] : [1, 2])

const STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1'

/** The statements PostgreSQL spent the drain on, per delivered event (pg_stat_statements). */
async function printStatements (pool: pg.Pool, events: number): Promise<void> {
  const { rows } = await pool.query<{ calls: string, ms: number, query: string }>(
    `SELECT calls, total_exec_time AS ms, regexp_replace(query, '\\s+', ' ', 'g') AS query FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 12`)
  const total = rows.reduce((sum, r) => sum + r.ms, 0)
  for (const r of rows) {
    console.log(`      ${fmt(Number(r.calls) / events, 2).padStart(6)} calls/event ${fmt(1000 * r.ms / events, 0).padStart(5)} us/event ${fmt(100 * r.ms / total, 0).padStart(3)}%  ${r.query.slice(0, 110)}`)
  }
}

async function commitBurst (pool: pg.Pool, connectorId: number, n: number): Promise<void> {
  for (let done = 0; done < n; done += 50_000) {
    const ids = Array.from({ length: Math.min(50_000, n - done) }, () => randomUUID())
    await pool.query(`INSERT INTO hub_event (uuid, event_type, connector_id, res_model, res_id, correlation_id, payload)
      SELECT u, 'order.confirmed', $2, 'sale.order', $3 + ord, u, '{"order":{"id":1}}' FROM unnest($1::varchar[]) WITH ORDINALITY AS t(u, ord)`, [ids, connectorId, done])
  }
  await pool.query("SELECT pg_notify('hub_event', '')")
}

export async function benchBacklog (databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const partner = await countingPartner()
  const odoo = await odooRpcStub()
  const { rows: [c] } = await pool.query("INSERT INTO hub_connector (code, name, adapter, base_url, secret, timeout) VALUES ('bench-backlog', 'bench', 'webhook', $1, 'whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA==', 10) RETURNING id", [partner.url])
  console.log('backlog drain (events committed at once, one record each; default log level; write-back included)')
  const rates = new Map<string, number>()
  for (const processes of PROCESSES) {
    for (const size of SIZES) {
      await pool.query('TRUNCATE hub_event CASCADE')
      partner.received.clear()
      const sidecars = await Promise.all(Array.from({ length: processes }, async () => await sidecarProcess(databaseUrl, odoo.url)))
      await commitBurst(pool, c.id, 10)
      await until(() => partner.received.size === 10) // processes up and warm
      partner.received.clear()
      const port = new URL(databaseUrl).port
      if (STATEMENTS) await pool.query('SELECT pg_stat_statements_reset()')
      const cpu0 = { machine: machineCpuMs(), pg: postgresCpuMs(port), sidecars: sidecars.map(s => processCpuMs(s.pid)), self: process.cpuUsage() }
      const writtenBack = odoo.results()
      const t0 = performance.now()
      await commitBurst(pool, c.id, size)
      await until(() => partner.received.size === size)
      const seconds = (performance.now() - t0) / 1000
      const machine = machineCpuMs()
      const cores = (ms: number) => fmt(ms / (seconds * 1000), 2)
      const sidecarMs = sidecars.reduce((sum, s, i) => sum + processCpuMs(s.pid) - cpu0.sidecars[i]!, 0)
      const self = process.cpuUsage(cpu0.self)
      const cpu = `CPU ${fmt(100 * (machine.busy - cpu0.machine.busy) / (machine.total - cpu0.machine.total), 0)}% busy; cores: PostgreSQL ${cores(postgresCpuMs(port) - cpu0.pg)}, sidecar(s) ${cores(sidecarMs)}, partner+Odoo stub ${cores((self.user + self.system) / 1000)}`
      // the drain is over when Odoo holds every result too (measured after the CPU figures, which are the delivery's)
      await until(() => odoo.results() - writtenBack >= size, 120_000)
      const settledSeconds = (performance.now() - t0) / 1000
      const rss = sidecars.map(s => peakRssMiB(s.pid))
      for (const s of sidecars) s.kill('SIGTERM')
      await until(() => sidecars.every(s => s.exitCode !== null || s.signalCode !== null), 30_000).catch(() => { for (const s of sidecars) s.kill('SIGKILL') })
      const rate = size / seconds
      rates.set(`${processes}:${size}`, rate)
      const flat = rate / rates.get(`${processes}:${SIZES[0]}`)!
      const scale = processes > 1 ? `, ${fmt(rate / rates.get(`1:${size}`)!, 2)}x one process` : ''
      console.log(`  ${processes} process(es), ${String(size).padStart(7)} events: ${fmt(seconds).padStart(6)} s, ${fmt(rate, 0).padStart(6)} events/s (${fmt(flat, 2)}x the ${SIZES[0]}-event rate${scale}); peak RSS ${rss.map(r => fmt(r, 0)).join(' / ')} MiB`)
      console.log(`  ${' '.repeat(String(processes).length)}              ${cpu}; every result written back to Odoo after ${fmt(settledSeconds)} s`)
      if (STATEMENTS) await printStatements(pool, size)
    }
  }
  await partner.close()
  await odoo.close()
  await pool.end()
  console.log()
}
