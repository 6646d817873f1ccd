import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type PgBoss from 'pg-boss'
import pg from 'pg'
import { loadConfig } from '../../sidecar/src/config.ts'
import type { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { createMetrics } from '../../sidecar/src/observability/metrics.ts'
import { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { claimTimers } from '../../sidecar/src/processes/timer-relay.ts'
import { type ProcessTimerJob, QUEUES, createQueues } from '../../sidecar/src/queues.ts'
import { fireProcessTimers } from '../../sidecar/src/workers/process-timers.ts'
import { crashingBeforeCommit } from '../support/crash.ts'
import { jobsIn } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startQueues } from '../support/queues.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const root = new URL('../..', import.meta.url).pathname
const logger = createLogger('silent')
const freePort = () => new Promise<number>(resolve => { const s = createNetServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })

interface Fire { step_id: number, deadline: string }

/**
 * Odoo's JSON-RPC endpoint as the sidecar sees it (/jsonrpc: common.login, object.execute_kw of
 * hub.process.step.hub_fire_timers), over real HTTP. Like Odoo it breaches a step once per deadline:
 * the first call for (step, deadline) fires, any later one is `stale`. `calls` counts every time a
 * timer was asked for, `fired` the effective fires. `down` answers 503 (Odoo restarting); `holdLogin`
 * never answers a login (a sidecar killed while it waits has not called hub_fire_timers yet);
 * `refuse` answers a ValidationError for any call holding one of those steps.
 */
class OdooStub {
  readonly calls = new Map<string, number>()
  readonly fired = new Map<string, number>() // key -> when (ms) it fired
  readonly batches: Fire[][] = []
  down = false
  holdLogin = false
  logins = 0
  refuse = new Set<number>()
  unavailableAnswers = 0
  #server: Server | null = null

  async start (): Promise<string> {
    this.#server = createServer((req, res) => { void this.#handle(req, res) })
    await new Promise<void>(resolve => this.#server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`
  }

  async stop (): Promise<void> {
    this.#server?.closeAllConnections()
    await new Promise(resolve => this.#server?.close(resolve))
  }

  reset (): void {
    this.calls.clear(); this.fired.clear(); this.batches.length = 0
    this.down = false; this.holdLogin = false; this.logins = 0; this.refuse.clear(); this.unavailableAnswers = 0
  }

  callsFor (stepId: number): number { return [...this.calls].filter(([k]) => k.startsWith(`${stepId}@`)).reduce((n, [, c]) => n + c, 0) }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = ''
    for await (const chunk of req) body += String(chunk)
    const { id, params } = JSON.parse(body) as { id: number, params: { service: string, method: string, args: any[] } }
    const answer = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }))
    if (this.down) { this.unavailableAnswers++; res.writeHead(503).end(); return }
    if (params.service === 'common' && params.method === 'login') {
      this.logins++
      if (this.holdLogin) return // never answered: the caller dies waiting
      answer(2); return
    }
    const [, , , model, method, args] = params.args as [string, number, string, string, string, unknown[]]
    if (model !== 'hub.process.step' || method !== 'hub_fire_timers') {
      res.writeHead(200).end(JSON.stringify({ jsonrpc: '2.0', id, error: { message: 'Odoo Server Error', data: { name: 'builtins.AttributeError', message: `${model}.${method}` } } }))
      return
    }
    const items = args[0] as Fire[]
    if (items.some(i => this.refuse.has(i.step_id))) {
      res.writeHead(200).end(JSON.stringify({ jsonrpc: '2.0', id, error: { message: 'Odoo Server Error', data: { name: 'odoo.exceptions.ValidationError', message: 'step cannot breach' } } }))
      return
    }
    this.batches.push(items)
    answer(items.map(i => {
      const key = `${i.step_id}@${i.deadline}`
      this.calls.set(key, (this.calls.get(key) ?? 0) + 1)
      if (this.fired.has(key)) return { step_id: i.step_id, outcome: 'stale' }
      this.fired.set(key, Date.now())
      return { step_id: i.step_id, outcome: 'fired' }
    }))
  }
}

let nextDocument = 1

/**
 * A running process with one active step due at `deadline` (SQL over `now()`, naive UTC as Odoo
 * stores it, whole seconds as Odoo's ORM writes them), in its own committed transaction.
 */
async function activeStep (pool: pg.Pool, deadline: string, { processState = 'running', stepState = 'active', definition = 'order_to_delivery' } = {}): Promise<number> {
  const res = nextDocument++
  const { rows: [p] } = await pool.query<{ id: number }>(
    `INSERT INTO hub_process (name, definition_id, definition_code, res_model, res_id, state)
     VALUES ($1, 1, $2, 'sale.order', $3, $4) RETURNING id`, [`PROC/${res}`, definition, res, processState])
  const { rows: [s] } = await pool.query<{ id: number }>(
    `INSERT INTO hub_process_step (process_id, sequence, code, name, sla_kind, state, started_at, deadline)
     VALUES ($1, 2, 'warehouse_acknowledged', 'Warehouse acknowledged', 'duration', $2, now() AT TIME ZONE 'UTC',
             date_trunc('second', ${deadline})) RETURNING id`, [p!.id, stepState])
  return s!.id
}

const due = "now() AT TIME ZONE 'UTC' - interval '1 minute'"

async function stepRow (pool: pg.Pool, id: number): Promise<{ deadline: string, queued: string | null }> {
  const { rows: [row] } = await pool.query<{ deadline: string, queued: string | null }>(
    `SELECT to_char(deadline, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS deadline, to_char(timer_queued_deadline, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS queued
       FROM hub_process_step WHERE id = $1`, [id])
  return row!
}

/** Every timer queued so far, in job order, with its job's state. */
async function queuedTimers (pool: pg.Pool): Promise<Array<Fire & { job_state: string }>> {
  return (await jobsIn(pool, QUEUES.processTimer)).flatMap(j => (j.data as ProcessTimerJob).items.map(i => ({ ...i, job_state: j.state })))
}

/** A sidecar as its own OS process, so it can be SIGKILLed between the claim's commit and the Odoo call. */
class SidecarProcess {
  #child: ChildProcess | null = null
  constructor (private readonly env: Record<string, string>) {}
  async start (): Promise<void> {
    this.#child = spawn(process.execPath, ['--import', 'tsx', 'sidecar/src/main.ts'], { cwd: root, env: { ...process.env, ...this.env, PORT: String(await freePort()) }, stdio: 'ignore' })
  }

  kill (): void { this.#child?.kill('SIGKILL') }
  async stop (): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))])
  }
}

describe('process SLA timers', { timeout: 120_000 }, () => {
  let db: TestDatabase
  let boss: PgBoss
  let jobs: JobQueue
  const odoo = new OdooStub()
  let odooUrl: string
  const sidecarEnv = () => ({ ODOO_URL: odooUrl, HUB_PROCESS_TIMER_POLL_MS: '250', HUB_ODOO_RETRY_SECONDS: '1', HUB_ODOO_EXPIRE_SECONDS: '5', HUB_BOSS_MAINTENANCE_SECONDS: '1' })

  before(async () => {
    db = await createTestDatabase()
    ;({ boss, jobs } = await startQueues(db.url))
    odooUrl = await odoo.start()
  })
  after(async () => { await boss.stop({ graceful: false }); await odoo.stop(); await db.drop() })
  beforeEach(async () => {
    odoo.reset()
    await db.pool.query('DELETE FROM hub_process_step; DELETE FROM hub_process; DELETE FROM pgboss.job')
  })

  describe('claiming due deadlines', () => {
    const deps = () => ({ pool: db.pool, jobs, logger, batchSize: 100 })

    it('queues a due step once, in one job, and records the deadline it queued', async () => {
      const a = await activeStep(db.pool, due)
      const b = await activeStep(db.pool, "now() AT TIME ZONE 'UTC' - interval '5 seconds'")
      const future = await activeStep(db.pool, "now() AT TIME ZONE 'UTC' + interval '1 hour'")
      const done = await activeStep(db.pool, due, { stepState: 'done' })
      const finished = await activeStep(db.pool, due, { processState: 'completed' })
      const compensating = await activeStep(db.pool, due, { processState: 'compensating' })
      assert.equal(await claimTimers(deps()), 3)
      assert.equal(await claimTimers(deps()), 0, 'a queued deadline is not queued again')
      const jobRows = await jobsIn(db.pool, QUEUES.processTimer)
      assert.equal(jobRows.length, 1)
      // earliest deadline first
      assert.deepEqual(jobRows[0]!.data.items.map((i: Fire) => i.step_id), [a, compensating, b])
      for (const id of [a, b, compensating]) {
        const row = await stepRow(db.pool, id)
        assert.equal(row.queued, row.deadline)
        assert.ok(jobRows[0]!.data.items.some((i: Fire) => i.step_id === id && i.deadline === row.deadline), `step ${id} queued with its deadline ${row.deadline} in ISO UTC`)
      }
      for (const id of [future, done, finished]) assert.equal((await stepRow(db.pool, id)).queued, null)
    })

    it('two claim loops racing over the same rows queue each deadline once', async () => {
      const steps: number[] = []
      for (let i = 0; i < 60; i++) steps.push(await activeStep(db.pool, due))
      // two replicas' pools, two claims each at a time: four transactions competing for the same rows
      const pools = [new pg.Pool({ connectionString: db.url, max: 2 }), new pg.Pool({ connectionString: db.url, max: 2 })]
      try {
        let moved = 1
        while (moved) {
          const counts = await Promise.all(pools.flatMap(pool => [0, 1].map(() => claimTimers({ pool, jobs, logger, batchSize: 7 }))))
          moved = counts.reduce((a, b) => a + b, 0)
        }
      } finally { await Promise.all(pools.map(p => p.end())) }
      const queued = (await queuedTimers(db.pool)).map(t => t.step_id).sort((a, b) => a - b)
      assert.deepEqual(queued, steps, 'every step in exactly one job item')
      assert.ok((await jobsIn(db.pool, QUEUES.processTimer)).length >= 60 / 7, 'claims of at most 7')
    })

    it('queues a deadline again when Odoo moves it (an escalation sets the next one)', async () => {
      const id = await activeStep(db.pool, due)
      assert.equal(await claimTimers(deps()), 1)
      const first = await stepRow(db.pool, id)
      // Odoo's escalation: a new deadline, already due here
      await db.pool.query("UPDATE hub_process_step SET deadline = date_trunc('second', now() AT TIME ZONE 'UTC') - interval '1 second' WHERE id = $1", [id])
      const second = await stepRow(db.pool, id)
      assert.notEqual(second.deadline, first.deadline)
      assert.equal(await claimTimers(deps()), 1)
      assert.deepEqual((await queuedTimers(db.pool)).map(t => `${t.step_id}@${t.deadline}`), [`${id}@${first.deadline}`, `${id}@${second.deadline}`])
      assert.equal((await stepRow(db.pool, id)).queued, second.deadline)
      // moved to the future: nothing until it is due
      await db.pool.query("UPDATE hub_process_step SET deadline = now() AT TIME ZONE 'UTC' + interval '1 hour' WHERE id = $1", [id])
      assert.equal(await claimTimers(deps()), 0)
    })

    it('a claim that dies before COMMIT leaves no job and no queued deadline', async () => {
      const id = await activeStep(db.pool, due)
      await assert.rejects(claimTimers({ ...deps(), pool: crashingBeforeCommit(db.pool) }), /simulated crash before COMMIT/)
      assert.deepEqual(await jobsIn(db.pool, QUEUES.processTimer), [])
      assert.equal((await stepRow(db.pool, id)).queued, null)
      assert.equal(await claimTimers(deps()), 1, 'still due: the next claim takes it')
    })

    it('marks nothing queued when pg-boss drops the job (its queue is missing)', async () => {
      const id = await activeStep(db.pool, due)
      await boss.deleteQueue(QUEUES.processTimer)
      try {
        await assert.rejects(claimTimers(deps()), /accepted 0 of 1/)
        assert.equal((await stepRow(db.pool, id)).queued, null)
      } finally {
        await createQueues(boss, loadConfig({ DATABASE_URL: db.url, ODOO_URL: 'http://x.test', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x' }))
      }
      assert.equal(await claimTimers(deps()), 1)
    })
  })

  describe('firing in Odoo', () => {
    const client = () => new OdooClient({ url: odooUrl, db: 'hub', user: 'hub', password: 'hub' })
    const fireDeps = () => ({ pool: db.pool, jobs, logger, metrics: createMetrics(), odoo: client(), maxTimersPerCall: 50 })
    const fetchTimers = async () => await boss.fetch<ProcessTimerJob>(QUEUES.processTimer, { batchSize: 10, includeMetadata: true })

    it('calls hub_fire_timers with the queued items and completes the job', async () => {
      const a = await activeStep(db.pool, due)
      const b = await activeStep(db.pool, due)
      await claimTimers({ pool: db.pool, jobs, logger, batchSize: 100 })
      await fireProcessTimers(fireDeps(), await fetchTimers())
      const expected = await Promise.all([a, b].map(async id => ({ step_id: id, deadline: (await stepRow(db.pool, id)).deadline })))
      assert.deepEqual(odoo.batches, [expected])
      assert.deepEqual((await queuedTimers(db.pool)).map(t => t.job_state), ['completed', 'completed'])
    })

    it('keeps the job while Odoo is unavailable, and fires it once Odoo is back', async () => {
      const id = await activeStep(db.pool, due)
      await claimTimers({ pool: db.pool, jobs, logger, batchSize: 100 })
      odoo.down = true
      await fireProcessTimers(fireDeps(), await fetchTimers())
      assert.ok(odoo.unavailableAnswers >= 1)
      assert.deepEqual((await queuedTimers(db.pool)).map(t => t.job_state), ['retry'])
      odoo.down = false
      await db.pool.query("UPDATE pgboss.job SET start_after = now() WHERE name = $1", [QUEUES.processTimer]) // skip the retry delay
      await fireProcessTimers(fireDeps(), await fetchTimers())
      assert.deepEqual([...odoo.fired.keys()], [`${id}@${(await stepRow(db.pool, id)).deadline}`])
      assert.deepEqual((await queuedTimers(db.pool)).map(t => t.job_state), ['completed'])
    })

    it('parks a deadline Odoo refuses even alone; the others fire', async () => {
      const ok = await activeStep(db.pool, due)
      const bad = await activeStep(db.pool, due)
      await claimTimers({ pool: db.pool, jobs, logger, batchSize: 100 })
      odoo.refuse.add(bad)
      await fireProcessTimers(fireDeps(), await fetchTimers())
      assert.deepEqual([...odoo.fired.keys()].map(k => Number(k.split('@')[0])), [ok])
      const parked = await jobsIn(db.pool, QUEUES.odooRejected)
      assert.equal(parked.length, 1)
      assert.equal(parked[0]!.data.kind, 'process_timer')
      assert.equal(parked[0]!.data.key, `${bad}:${(await stepRow(db.pool, bad)).deadline}`)
      assert.deepEqual((await queuedTimers(db.pool)).map(t => t.job_state), ['completed', 'completed'])
    })
  })

  describe('a running sidecar', () => {
    let sidecars: Array<Awaited<ReturnType<typeof startSidecar>>> = []
    afterEach(async () => { await Promise.all(sidecars.map(s => s.stop())); sidecars = [] })

    it('fires a future deadline after it passes, not before', async () => {
      sidecars.push(await startSidecar(db.url, sidecarEnv()))
      const id = await activeStep(db.pool, "now() AT TIME ZONE 'UTC' + interval '3 seconds'")
      const deadline = (await stepRow(db.pool, id)).deadline
      const deadlineMs = Date.parse(deadline)
      await sleep(Math.max(0, deadlineMs - Date.now() - 700))
      assert.equal(odoo.fired.size, 0, 'nothing fired before the deadline')
      assert.equal((await stepRow(db.pool, id)).queued, null)
      const firedAt = await waitFor('the timer to fire', () => odoo.fired.get(`${id}@${deadline}`), 10_000, 50)
      assert.ok(firedAt >= deadlineMs, `fired ${firedAt - deadlineMs} ms after the deadline`)
      assert.ok(firedAt - deadlineMs < 10_000, `fired ${firedAt - deadlineMs} ms after the deadline`)
      await waitFor('the job to complete', async () => (await queuedTimers(db.pool))[0]?.job_state === 'completed')
    })

    it('fires a deadline queued while Odoo was down once Odoo is back', async () => {
      odoo.down = true
      sidecars.push(await startSidecar(db.url, sidecarEnv()))
      const id = await activeStep(db.pool, due)
      await waitFor('a refused attempt', async () => odoo.unavailableAnswers >= 1 && (await queuedTimers(db.pool))[0]?.job_state === 'retry')
      odoo.down = false
      await waitFor('the timer to fire', () => odoo.fired.size === 1, 15_000)
      assert.equal(odoo.callsFor(id), 1)
    })

    it('two replicas fire each deadline once', async () => {
      sidecars.push(await startSidecar(db.url, sidecarEnv()), await startSidecar(db.url, sidecarEnv()))
      const steps: number[] = []
      for (let i = 0; i < 30; i++) steps.push(await activeStep(db.pool, i % 2 ? due : "now() AT TIME ZONE 'UTC' + interval '1 second'"))
      await waitFor('every timer to fire', () => odoo.fired.size === steps.length, 15_000)
      await sleep(1000) // a duplicate would come now
      assert.deepEqual([...odoo.calls.values()].filter(n => n !== 1), [], 'each (step, deadline) asked for once')
      assert.deepEqual([...odoo.fired.keys()].map(k => Number(k.split('@')[0])).sort((a, b) => a - b), steps)
    })

    it('reports the processes in /metrics from the tables', async () => {
      const insertProcess = async (definition: string, state: string, flags: { late?: boolean, waiting?: boolean } = {}) => {
        const res = nextDocument++
        const { rows: [p] } = await db.pool.query<{ id: number }>(
          `INSERT INTO hub_process (name, definition_id, definition_code, res_model, res_id, state, is_late, waiting_approval)
           VALUES ($1, 1, $2, 'sale.order', $3, $4, $5, $6) RETURNING id`, [`P/${res}`, definition, res, state, flags.late ?? false, flags.waiting ?? false])
        return p!.id
      }
      const step = async (processId: number, code: string, values: { state: string, seconds?: number, doneAgo?: string, breached?: boolean }) => {
        await db.pool.query(
          `INSERT INTO hub_process_step (process_id, code, name, state, started_at, done_at, breached_at)
           VALUES ($1, $2, $2, $3::varchar,
                   (now() AT TIME ZONE 'UTC') - $4::interval - make_interval(secs => $5),
                   CASE WHEN $3::varchar = 'done' THEN (now() AT TIME ZONE 'UTC') - $4::interval END,
                   CASE WHEN $6::boolean THEN now() AT TIME ZONE 'UTC' END)`,
          [processId, code, values.state, values.doneAgo ?? '1 minute', values.seconds ?? 0, values.breached ?? false])
      }
      const o1 = await insertProcess('order_to_delivery', 'running', { late: true })
      const o2 = await insertProcess('order_to_delivery', 'running')
      const o3 = await insertProcess('order_to_delivery', 'compensating', { late: true })
      const o4 = await insertProcess('order_to_delivery', 'failed', { late: true }) // finished: not counted late
      const r1 = await insertProcess('return_to_refund', 'running', { waiting: true })
      await insertProcess('return_to_refund', 'completed')
      await step(o1, 'packed', { state: 'done', seconds: 10 })
      await step(o2, 'packed', { state: 'done', seconds: 20 })
      await step(o3, 'packed', { state: 'done', seconds: 30 })
      await step(o4, 'packed', { state: 'done', seconds: 1000, doneAgo: '2 hours' }) // outside the window
      await step(o1, 'carrier_booked', { state: 'active', breached: true })
      await step(o3, 'warehouse_acknowledged', { state: 'compensated', breached: true })
      await step(o3, 'carrier_booked', { state: 'compensating' })
      await step(o4, 'warehouse_acknowledged', { state: 'compensated' })
      await step(r1, 'inspected', { state: 'active', breached: true })

      sidecars.push(await startSidecar(db.url, sidecarEnv()))
      const text = await (await fetch(`${sidecars[0]!.url}/metrics`)).text()
      const value = (line: string) => {
        const found = text.split('\n').find(l => l.startsWith(`${line} `))
        return found === undefined ? undefined : Number(found.slice(line.length + 1))
      }
      assert.equal(value('hub_process_instances{definition="order_to_delivery",state="running"}'), 2)
      assert.equal(value('hub_process_instances{definition="order_to_delivery",state="compensating"}'), 1)
      assert.equal(value('hub_process_instances{definition="order_to_delivery",state="failed"}'), 1)
      assert.equal(value('hub_process_instances{definition="return_to_refund",state="running"}'), 1)
      assert.equal(value('hub_process_instances{definition="return_to_refund",state="completed"}'), 1)
      assert.equal(value('hub_process_late{definition="order_to_delivery"}'), 2)
      assert.equal(value('hub_process_late{definition="return_to_refund"}'), undefined)
      assert.equal(value('hub_process_waiting_approval{definition="return_to_refund"}'), 1)
      assert.equal(value('hub_process_sla_breaches_total{definition="order_to_delivery"}'), 2)
      assert.equal(value('hub_process_sla_breaches_total{definition="return_to_refund"}'), 1)
      assert.equal(value('hub_process_compensations_total{definition="order_to_delivery"}'), 3)
      assert.equal(value('hub_process_steps_done_recent{definition="order_to_delivery",step="packed"}'), 3)
      assert.equal(value('hub_process_step_duration_seconds{definition="order_to_delivery",step="packed",quantile="0.5"}'), 20)
      assert.equal(value('hub_process_step_duration_seconds{definition="order_to_delivery",step="packed",quantile="0.9"}'), 28)
      assert.ok(Math.abs(value('hub_process_step_duration_seconds{definition="order_to_delivery",step="packed",quantile="0.99"}')! - 29.8) < 1e-9)
    })
  })

  describe('a sidecar killed between the claim and the Odoo call', () => {
    let proc: SidecarProcess | null = null
    after(async () => { await proc?.stop() })

    it('fires the timer after its restart, once in effect', async () => {
      odoo.holdLogin = true
      proc = new SidecarProcess({
        ...sidecarEnv(), DATABASE_URL: db.url, ODOO_DB: 'hub', ODOO_USER: 'hub', ODOO_PASSWORD: 'hub',
        HUB_RELAY_POLL_MS: '250', HUB_WORKER_POLL_SECONDS: '0.5', LOG_LEVEL: 'silent'
      })
      await proc.start()
      const id = await activeStep(db.pool, due)
      const { deadline } = await stepRow(db.pool, id)
      // committed: the deadline is queued; the worker took the job and waits for Odoo's login
      await waitFor('the claim to commit', async () => (await stepRow(db.pool, id)).queued === deadline, 30_000)
      await waitFor('the worker to call Odoo', () => odoo.logins >= 1, 15_000)
      proc.kill()
      await sleep(300)
      assert.equal(odoo.fired.size, 0)
      odoo.holdLogin = false
      await proc.start()
      await waitFor('the timer to fire after the restart', () => odoo.fired.size === 1, 40_000, 100)
      assert.deepEqual([...odoo.fired.keys()], [`${id}@${deadline}`])
      await sleep(1500)
      assert.equal(odoo.fired.size, 1, 'one effective fire')
      await waitFor('the job to complete', async () => (await queuedTimers(db.pool)).every(t => t.job_state === 'completed'), 10_000)
    })
  })
})
