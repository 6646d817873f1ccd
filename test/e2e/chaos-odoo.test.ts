import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { appendFileSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { request } from 'undici'
import type { OdooClient } from '../../sidecar/src/odoo/rpc.ts'
import { newSecret, signedHeaders } from '../support/fixtures.ts'
import { type FulfilmentSeen, IndependentReceiver, seededRandom } from '../support/independent-receiver.ts'
import { OdooServer, archiveAllConnectors, odooSpec } from '../support/odoo.ts'
import { PgCluster } from '../support/pg-cluster.ts'

/**
 * Chaos against real Odoo 18. The promise under test: every event committed in Odoo reaches its
 * partner once in effect, in order per record; every callback the sidecar accepted with a 2xx is
 * applied to Odoo exactly once; nothing is lost on crash, restart or outage.
 *
 * Its own PostgreSQL cluster (so PostgreSQL itself can be restarted), a fresh Odoo database with
 * logistics_hub, two sidecar replicas as OS processes, and a partner receiver written for this test.
 * Drivers confirm, cancel and re-confirm sale orders through JSON-RPC; the receiver's WMS endpoint
 * gets each ready delivery and the test calls the sidecar back (PICKED, some PACKED, duplicated,
 * shuffled, to random replicas). Meanwhile replicas are SIGKILLed and restarted, PostgreSQL restarts,
 * Odoo is down for ~20 s and the receiver fails a seeded share of requests. The commit that closes
 * delivered events is made slow (slowDeliveryCommits) so that some kills, and the PostgreSQL stop,
 * land inside it. Everything is judged from what the receiver recorded and what Odoo's database
 * holds, never from the sidecar's queues (their state is printed for diagnosis only).
 *
 * Takes about 4 minutes on 2 quiet cores (install ~50 s, load with faults ~2 min, drain < 30 s when
 * nothing is lost); test/odoo/suites.mjs gives end-to-end files 15 minutes each.
 * Knobs: HUB_CHAOS_SEED, HUB_CHAOS_ORDERS (total sale orders), HUB_CHAOS_DRAIN_SECONDS.
 */

type Spec = NonNullable<ReturnType<typeof odooSpec>>
const spec = odooSpec()
const root = fileURLToPath(new URL('../..', import.meta.url))

const SEED = Number(process.env.HUB_CHAOS_SEED ?? Math.floor(Math.random() * 1e9))
const ORDERS = Number(process.env.HUB_CHAOS_ORDERS ?? 120)
const DRIVERS = 4
/** share of orders cancelled, set back to quotation and confirmed again (3 events on one record) */
const CYCLE_SHARE = 0.3
/** share of fulfilments that also get a PACKED callback (validates the picking) */
const PACKED_SHARE = 0.4
const ODOO_DOWN_MS = 20_000
/** a replica killed while holding write-back/inbound jobs gives them back when they expire (HUB_ODOO_EXPIRE_SECONDS below) */
const DRAIN_BOUND_MS = Number(process.env.HUB_CHAOS_DRAIN_SECONDS ?? 90) * 1000
const RECEIVER_FAULTS = { error500: 0.1, hang: 0.04, rateLimit: 0.04, lateAck: 0.03 }
const HANG_MS = 3000 // the connectors' timeout is 2 s
const WMS_CODE = 'chaos-wms'

const freePort = () => new Promise<number>(resolve => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) })
})
const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!
const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10
const listed = (items: unknown[], max = 15) => items.slice(0, max).map(i => typeof i === 'string' ? i : JSON.stringify(i)).join('\n  ') +
  (items.length > max ? `\n  ... and ${items.length - max} more` : '')

// ---------------------------------------------------------------------------------------------
// Sidecar replicas: OS processes, SIGKILLed by the test; a process that dies on its own is noted
// and restarted a second later, as a process manager would.
// ---------------------------------------------------------------------------------------------

class Replica {
  #child: ChildProcess | null = null
  #killedByUs = new WeakSet<ChildProcess>()
  #stopping = false
  #ready: Promise<boolean> = Promise.resolve(false)
  kills = 0
  readonly unexpectedExits: Array<{ at: string, code: number | null, signal: string | null }> = []
  /** ms from spawn to the first healthy /healthz, per start */
  readonly startups: number[] = []

  constructor (readonly name: string, readonly port: number, private readonly env: Record<string, string>, readonly logFile: string, private readonly t0: number) {}

  get url (): string { return `http://127.0.0.1:${this.port}` }

  /** every connection of this replica carries it (DATABASE_URL ?application_name=), so pg_stat_activity tells replicas apart */
  get appName (): string { return `chaos-replica-${this.name}` }

  start (): void {
    if (this.#stopping) return
    this.#note('starting')
    const log = openSync(this.logFile, 'a')
    const child = spawn(process.execPath, ['--import', 'tsx', 'sidecar/src/main.ts'], {
      cwd: root, env: { ...process.env, ...this.env, DATABASE_URL: `${this.env.DATABASE_URL}?application_name=${this.appName}`, PORT: String(this.port) }, stdio: ['ignore', log, log]
    })
    this.#child = child
    this.#ready = this.#watchReady(child)
    child.once('exit', (code, signal) => {
      if (this.#killedByUs.has(child) || this.#stopping) return
      this.unexpectedExits.push({ at: `${secondsSince(this.t0)}s`, code, signal })
      this.#note(`exited on its own (code ${code}, signal ${signal}); restarting in 1 s`)
      setTimeout(() => { if (!this.#stopping && this.#child === child) this.start() }, 1000).unref()
    })
  }

  /** Resolves true once the replica answers /healthz (through restarts after a crash), false after timeoutMs. */
  async ready (timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const current = this.#ready
      if (await Promise.race([current, sleep(deadline - Date.now(), false, { ref: false })])) return true
      if (current === this.#ready) await sleep(200) // that process died: wait for its restart
    }
    return false
  }

  async kill (): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    this.#killedByUs.add(child)
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.kills++
    this.#note('SIGKILL')
  }

  async stop (): Promise<void> {
    this.#stopping = true
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(10_000, null, { ref: false }).then(() => child.kill('SIGKILL'))])
  }

  async #watchReady (child: ChildProcess): Promise<boolean> {
    const spawned = Date.now()
    while (child.exitCode === null && child.signalCode === null) {
      try {
        const res = await request(`${this.url}/healthz`, { headersTimeout: 2000 })
        await res.body.dump()
        if (res.statusCode === 200 && child.exitCode === null && child.signalCode === null) {
          this.startups.push(Date.now() - spawned)
          this.#note(`healthy after ${Date.now() - spawned} ms`)
          return true
        }
      } catch { /* not listening yet */ }
      await sleep(200)
    }
    return false
  }

  #note (what: string): void { appendFileSync(this.logFile, `--- chaos test ${new Date().toISOString()} (${secondsSince(this.t0)}s): ${what}\n`) }
}

// ---------------------------------------------------------------------------------------------
// Odoo on the private cluster
// ---------------------------------------------------------------------------------------------

/** The e2e spec, pointed at our cluster, our database and our data dir; request logs off. */
function privateSpec (base: Spec, port: number, db: string, dataDir: string): Spec {
  const args = base.args.map(arg =>
    arg.startsWith('--db_port=') ? `--db_port=${port}`
      : arg === base.db ? db
        : arg.startsWith('--db-filter=') ? `--db-filter=^${db}$`
          : arg.startsWith('--data-dir=') ? `--data-dir=${dataDir}`
            : arg)
  return { ...base, db, args: [...args, '--log-handler=werkzeug:WARNING'], dbUrl: `postgresql://odoo:odoo@127.0.0.1:${port}/${db}` }
}

/** odoo-bin creates the database and installs logistics_hub; returns how long it took. */
async function installAddon (s: Spec, logFile: string): Promise<number> {
  const t = Date.now()
  const code = await new Promise<number>(resolve => {
    const log = openSync(logFile, 'a')
    const child = spawn(s.python, [...s.args, '-i', 'logistics_hub', '--without-demo=all', '--stop-after-init', '--http-port=0'], { cwd: s.cwd, stdio: ['ignore', log, log] })
    child.on('exit', c => resolve(c ?? 1))
  })
  if (code !== 0) throw new Error(`installing logistics_hub failed (exit ${code}); see ${logFile}`)
  return Date.now() - t
}

/** Calls fn until it answers (Odoo or PostgreSQL may be down), for at most boundMs. */
async function untilAnswered<T> (fn: () => Promise<T>, what: string, boundMs = 120_000): Promise<T> {
  const deadline = Date.now() + boundMs
  for (;;) {
    try { return await fn() } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: no answer within ${boundMs} ms (${(err as Error).message})`)
      await sleep(500)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Load: drivers confirm sale orders; a share is cancelled, reset and confirmed again
// ---------------------------------------------------------------------------------------------

type Op = 'confirm' | 'cancel' | 'draft'
const METHOD: Record<Op, string> = { confirm: 'action_confirm', cancel: 'action_cancel', draft: 'action_draft' }
const STATE_AFTER: Record<Op, string> = { confirm: 'sale', cancel: 'cancel', draft: 'draft' }

/** What the drivers committed, from what the RPC calls returned ('uncertain': the call failed but the state moved). */
class DriverLog {
  readonly ops: Array<{ orderId: number, op: Op, outcome: 'ok' | 'uncertain' | 'failed' }> = []
  readonly errors: string[] = []
  ordersDone = 0
  count (op: Op, outcome: string): number { return this.ops.filter(o => o.op === op && o.outcome === outcome).length }
}

interface Catalogue { partnerId: number, productIds: number[] }

async function createOrder (rpc: OdooClient, cat: Catalogue, rnd: () => number): Promise<number> {
  const lines = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => [0, 0, { product_id: pick(rnd, cat.productIds), product_uom_qty: 1 + Math.floor(rnd() * 3) }])
  return await untilAnswered(() => rpc.executeKw<number>('sale.order', 'create', [{ partner_id: cat.partnerId, order_line: lines }]), 'create sale order')
}

/** One state change; when the call fails, the order's state tells whether it committed anyway. */
async function step (rpc: OdooClient, orderId: number, op: Op, log: DriverLog): Promise<boolean> {
  const kwargs = op === 'cancel' ? { context: { disable_cancel_warning: true } } : {}
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await rpc.executeKw('sale.order', METHOD[op], [[orderId]], kwargs)
      log.ops.push({ orderId, op, outcome: 'ok' })
      return true
    } catch (err) {
      log.errors.push(`${op} ${orderId}: ${(err as Error).message.slice(0, 120)}`)
      const [order] = await untilAnswered(() => rpc.executeKw<Array<{ state: string }>>('sale.order', 'read', [[orderId], ['state']]), `read order ${orderId}`)
      if (order?.state === STATE_AFTER[op]) {
        log.ops.push({ orderId, op, outcome: 'uncertain' })
        return true
      }
      await sleep(300)
    }
  }
  log.ops.push({ orderId, op, outcome: 'failed' })
  return false
}

async function driver (rpc: OdooClient, cat: Catalogue, orders: number, rnd: () => number, log: DriverLog): Promise<void> {
  for (let i = 0; i < orders; i++) {
    const orderId = await createOrder(rpc, cat, rnd)
    if (await step(rpc, orderId, 'confirm', log) && rnd() < CYCLE_SHARE) {
      await sleep(rnd() * 1500) // let the confirmation travel first, sometimes
      for (const op of ['cancel', 'draft', 'confirm'] as const) if (!await step(rpc, orderId, op, log)) break
    }
    log.ordersDone++
  }
}

// ---------------------------------------------------------------------------------------------
// Partner callbacks: PICKED (and some PACKED) for each fulfilment the receiver got, each sent 2-3
// times, shuffled, to random replicas, each copy retried until it gets a 2xx
// ---------------------------------------------------------------------------------------------

type Stage = 'PICKED' | 'PACKED'
const STAGE_TYPE: Record<Stage, string> = { PICKED: 'fulfilment.picked', PACKED: 'fulfilment.packed' }

interface Callback {
  id: string
  stage: Stage
  pickingId: number
  fulfilmentId: string
  payload: string
  /** every answer of every copy, in order ('error' = no answer) */
  answers: Array<number | 'error'>
  accepted: boolean
  refused: number | null
}

class CallbackSender {
  readonly callbacks = new Map<string, Callback>()
  #pending = 0
  #stopped = false
  #accepted: Array<() => void> = []

  constructor (private readonly secret: string, private readonly code: string, private readonly replicas: Replica[], private readonly rnd: () => number) {}

  get pending (): number { return this.#pending }
  get sends (): number { return [...this.callbacks.values()].reduce((n, c) => n + c.answers.length, 0) }

  stop (): void { this.#stopped = true }

  /** resolves at the next callback accepted by a replica (or after timeoutMs) */
  nextAccepted (timeoutMs: number): Promise<void> {
    return new Promise(resolve => { this.#accepted.push(resolve); setTimeout(resolve, timeoutMs).unref() })
  }

  plan (f: FulfilmentSeen): void {
    const stages: Stage[] = this.rnd() < PACKED_SHARE ? ['PICKED', 'PACKED'] : ['PICKED']
    for (const stage of stages) {
      const id = `chaos_${randomUUID()}`
      const payload = JSON.stringify({
        event_type: stage, fulfilment_id: f.fulfilmentId, client_reference: `stock.picking/${f.pickingId}`,
        correlation_id: f.correlationId, occurred_at: new Date().toISOString(), items: f.items
      })
      const cb: Callback = { id, stage, pickingId: f.pickingId, fulfilmentId: f.fulfilmentId, payload, answers: [], accepted: false, refused: null }
      this.callbacks.set(id, cb)
      const copies = this.rnd() < 0.5 ? 2 : 3
      for (let c = 0; c < copies; c++) this.#sendLater(cb, 200 + this.rnd() * 3000)
    }
  }

  #sendLater (cb: Callback, delayMs: number): void {
    this.#pending++
    void sleep(delayMs).then(() => this.#sendUntil2xx(cb)).finally(() => { this.#pending-- })
  }

  /** how the replicas answered, over every send: status or 'error' (no answer) -> count */
  answerCounts (): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const c of this.callbacks.values()) for (const a of c.answers) counts[a] = (counts[a] ?? 0) + 1
    return counts
  }

  async #sendUntil2xx (cb: Callback): Promise<void> {
    for (let attempt = 0; !this.#stopped; attempt++) {
      const replica = pick(this.rnd, this.replicas)
      const answer = await this.#post(`${replica.url}/hooks/${this.code}`, cb)
      cb.answers.push(answer)
      if (typeof answer === 'number' && answer >= 200 && answer < 300) {
        cb.accepted = true
        for (const resolve of this.#accepted.splice(0)) resolve()
        return
      }
      if (typeof answer === 'number' && answer >= 400 && answer < 500 && answer !== 408 && answer !== 429) {
        cb.refused = answer // a partner would not retry a refusal
        return
      }
      await sleep(Math.min(2000, 250 * 2 ** attempt) * (0.5 + this.rnd())) // a partner backs off
    }
  }

  async #post (url: string, cb: Callback): Promise<number | 'error'> {
    try {
      const res = await request(url, { method: 'POST', body: cb.payload, headers: signedHeaders(this.secret, cb.payload, { id: cb.id }), headersTimeout: 5000, bodyTimeout: 5000 })
      await res.body.dump()
      return res.statusCode
    } catch {
      return 'error'
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

/**
 * When each kill lands, in schedule order (replicas alternate): inside a delivery's commit (see
 * slowDeliveryCommits), right after the partner recorded a delivery, right after a callback was
 * accepted, or at once. One more kill lands right after Odoo came back ('write-backs').
 */
const KILL_MOMENTS = ['delivery-commit', 'after-callback', 'after-delivery', 'delivery-commit', 'now', 'delivery-commit'] as const
type Moment = typeof KILL_MOMENTS[number] | 'write-backs'

/**
 * A slow disk at the worst moment: the transaction that closes delivered events (state -> delivered)
 * sleeps 150 ms in COMMIT (a deferred trigger, once per transaction). A replica can then be
 * SIGKILLed, or PostgreSQL stopped, while a delivery is being recorded: whatever the sidecar did
 * outside that transaction (completing the job, say) survives, what it did inside does not.
 */
async function slowDeliveryCommits (db: pg.Pool): Promise<void> {
  await db.query(`CREATE OR REPLACE FUNCTION chaos_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('chaos.slowed', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('chaos.slowed', 'yes', true);
        PERFORM pg_sleep(0.15);
      END IF;
      RETURN NULL;
    END $$`)
  await db.query(`CREATE CONSTRAINT TRIGGER chaos_slow_delivery_commit AFTER UPDATE OF state ON hub_event
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.state = 'delivered' AND OLD.state IS DISTINCT FROM 'delivered')
    EXECUTE FUNCTION chaos_slow_commit()`)
}

class Chaos {
  pgRestarts = 0
  odooRestarts = 0
  /** kills that landed inside a delivery's commit, and PostgreSQL stops that did */
  commitHits = 0
  /** replicas that did not answer /healthz within 60 s of a (re)start */
  readonly slowStarts: string[] = []
  readonly timeline: string[] = []
  #deliveryWaiters: Array<() => void> = []

  constructor (private readonly w: World, private readonly rnd: () => number, private readonly t0: number) {}

  get kills (): number { return this.w.replicas.reduce((n, r) => n + r.kills, 0) }

  /** wired to the receiver: fires when it recorded a delivery */
  delivered (): void { for (const resolve of this.#deliveryWaiters.splice(0)) resolve() }

  note (what: string): void {
    const line = `${secondsSince(this.t0)}s ${what}`
    this.timeline.push(line)
    console.log(`chaos-odoo: ${line}`)
  }

  /** Waits (up to timeoutMs) until a replica's connection sleeps in a delivery's COMMIT; true if caught. */
  async #inDeliveryCommit (appNames: string[], timeoutMs = 8000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const { rows } = await this.w.db.query("SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND application_name = ANY($1)", [appNames])
        .catch(() => ({ rows: [] }))
      if (rows.length) return true
      await sleep(10)
    }
    return false
  }

  async killAndRestart (r: Replica, moment: Moment): Promise<void> {
    if (!await r.ready(60_000)) {
      this.slowStarts.push(`replica ${r.name} not healthy 60 s after its start at ${secondsSince(this.t0)}s`)
      this.note(this.slowStarts.at(-1)!)
    }
    let caught = ''
    if (moment === 'delivery-commit') caught = await this.#inDeliveryCommit([r.appName]) ? ', caught in COMMIT' : ', no commit caught within 8 s'
    if (moment === 'after-delivery') await new Promise<void>(resolve => { this.#deliveryWaiters.push(resolve); setTimeout(resolve, 3000).unref() })
    if (moment === 'after-callback') await this.w.sender.nextAccepted(3000)
    await r.kill()
    if (caught === ', caught in COMMIT') this.commitHits++
    this.note(`SIGKILL replica ${r.name} (${moment}${caught})`)
    await sleep(300 + this.rnd() * 1200)
    r.start()
  }

  /** KILL_MOMENTS.length kills spread over the load (by orders done), alternating replicas. */
  async killSchedule (progress: () => number, loadDone: () => boolean): Promise<void> {
    const replicas = this.w.replicas
    for (const [i, moment] of KILL_MOMENTS.entries()) {
      const at = 0.9 * (i + 0.2 + 0.6 * this.rnd()) / KILL_MOMENTS.length
      while (progress() < at && !loadDone()) await sleep(200)
      await this.killAndRestart(replicas[i % replicas.length]!, moment)
    }
  }

  /** Stops PostgreSQL (fast shutdown: every session dies) while a delivery commits, if one is caught within 8 s. */
  async restartPostgres (): Promise<void> {
    const caught = await this.#inDeliveryCommit(this.w.replicas.map(r => r.appName))
    if (caught) this.commitHits++
    this.note(`PostgreSQL stopping${caught ? ' (a delivery was in COMMIT)' : ''}`)
    await this.w.cluster.restart(2000)
    this.pgRestarts++
    this.note('PostgreSQL started again')
  }

  async odooOutage (): Promise<void> {
    this.note('Odoo stopping')
    await this.w.odoo.stop()
    await sleep(ODOO_DOWN_MS)
    await this.w.odoo.start()
    this.odooRestarts++
    this.note('Odoo answering again')
    await sleep(1000) // the queued write-backs and callbacks are flowing into Odoo now
    await this.killAndRestart(pick(this.rnd, this.w.replicas), 'write-backs')
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants, from the receiver's records and Odoo's database
// ---------------------------------------------------------------------------------------------

interface OutEvent { id: number, uuid: string, event_type: string, res_model: string, res_id: number, state: string, connector_id: number }

interface Findings {
  events: OutEvent[]
  /** committed outbound events the receiver never recorded */
  undelivered: string[]
  /** webhook-ids the receiver recorded that match no outbound event */
  strangers: string[]
  /** driver calls that returned success without the outbox row they imply */
  missingOutbox: string[]
  outOfOrder: string[]
  accepted: Callback[]
  /** accepted callbacks with no inbound hub_event (applied or ignored) */
  unapplied: string[]
  /** accepted callbacks whose chatter note is not there exactly once */
  notOnce: string[]
  /** callbacks never accepted although retried, or refused with a 4xx */
  neverAccepted: string[]
  appliedCount: number
  /** applied callbacks not in their order's process log exactly once (hub_process_signal) */
  processNotOnce: string[]
  stuckEvents: string[]
  stuckSyncStates: string[]
}

const drained = (f: Findings, sender: CallbackSender): boolean =>
  f.undelivered.length === 0 && f.unapplied.length === 0 && f.stuckEvents.length === 0 && f.stuckSyncStates.length === 0 && sender.pending === 0

async function findings (w: World): Promise<Findings> {
  const connectorIds = [w.portalId, w.wmsId]
  const { rows: events } = await w.db.query<OutEvent>(
    "SELECT id, uuid, event_type, res_model, res_id, state, connector_id FROM hub_event WHERE direction = 'out' AND connector_id = ANY($1) ORDER BY id", [connectorIds])
  const byUuid = new Map(events.map(e => [e.uuid, e]))
  const describe = (e: OutEvent) => `#${e.id} ${e.event_type} ${e.res_model}/${e.res_id} ${e.uuid} (outbox state ${e.state}, ` +
    `partner received it ${w.receiver.deliveries.get(e.uuid) ?? 0}x)`

  const undelivered = events.filter(e => !w.receiver.deliveries.has(e.uuid)).map(describe)
  const strangers = [...w.receiver.deliveries.keys()].filter(id => !byUuid.has(id))
  const outOfOrder = [...w.receiver.arrivals].flatMap(([record, ids]) => {
    const seq = ids.map(id => byUuid.get(id)?.id ?? -1)
    return seq.some((id, i) => i > 0 && id <= seq[i - 1]!) ? [`${record}: arrived as event ids ${seq.join(', ')} (${ids.join(', ')})`] : []
  })
  const missingOutbox = missingOutboxRows(w.drivers, events)

  const callbacks = [...w.sender.callbacks.values()]
  const accepted = callbacks.filter(c => c.accepted)
  const { rows: inbound } = await w.db.query<{ uuid: string, state: string, n: number }>(
    "SELECT uuid, min(state) AS state, count(*)::int AS n FROM hub_event WHERE direction = 'in' AND uuid = ANY($1) GROUP BY uuid", [callbacks.map(c => c.id)])
  const inboundById = new Map(inbound.map(r => [r.uuid, r]))
  const notes = await chatterNotes(w.db, [...new Set(callbacks.map(c => c.pickingId))])
  const unapplied: string[] = []
  const notOnce: string[] = []
  for (const c of accepted) {
    const row = inboundById.get(c.id)
    const label = `${c.stage} ${c.id} picking ${c.pickingId} ${c.fulfilmentId} (answers ${c.answers.join(',')})`
    if (!row || !['applied', 'ignored'].includes(row.state) || row.n !== 1) unapplied.push(`${label}: inbound hub_event ${row ? `${row.n} row(s), state ${row.state}` : 'missing'}`)
    const n = notes.filter(n => n.res_id === c.pickingId && n.body.includes(`${STAGE_TYPE[c.stage]} from`) && n.body.includes(`(reference ${c.fulfilmentId})`)).length
    if (row && n !== 1) notOnce.push(`${label}: ${n} chatter notes on the picking`)
  }
  // each applied stage is a process milestone, logged once under the connector's message id
  const applied = accepted.filter(c => inboundById.get(c.id)?.state === 'applied')
  const { rows: logged } = await w.db.query<{ uid: string, n: number, outcomes: string }>(
    `SELECT c.uid, count(s.id)::int AS n, string_agg(s.outcome, ',') AS outcomes
       FROM unnest($1::varchar[]) AS c(uid) LEFT JOIN hub_process_signal s ON s.source_uid = c.uid GROUP BY c.uid`,
    [applied.map(c => `${WMS_CODE}:${c.id}`)])
  const processNotOnce = logged.filter(r => r.n !== 1).map(r => `${r.uid}: ${r.n} process signal rows (${r.outcomes ?? 'none'})`)
  const neverAccepted = callbacks.filter(c => !c.accepted && w.sender.pending === 0).map(c => `${c.stage} ${c.id} picking ${c.pickingId}: ${c.refused ? `refused ${c.refused}` : 'no 2xx'} (answers ${c.answers.join(',')})`)
  const stuckEvents = events.filter(e => e.state === 'pending' || e.state === 'queued').map(describe)
  const { rows: stuckStates } = await w.db.query(
    `SELECT s.id, s.res_model, s.res_id, s.status, e.id AS event_id, e.uuid, e.state AS event_state
       FROM hub_sync_state s JOIN hub_event e ON e.id = s.last_event_id
      WHERE s.connector_id = ANY($1) AND e.state IN ('delivered', 'dead')
        AND (s.status = 'pending' OR (e.state = 'delivered' AND s.status = 'failed'))`, [connectorIds])
  const stuckSyncStates = stuckStates.map(s => `sync state ${s.id} ${s.res_model}/${s.res_id} is ${s.status} but event #${s.event_id} ${s.uuid} is ${s.event_state}`)
  return {
    events, undelivered, strangers, missingOutbox, outOfOrder, accepted, unapplied, notOnce, neverAccepted,
    appliedCount: accepted.filter(c => inboundById.has(c.id)).length, processNotOnce, stuckEvents, stuckSyncStates
  }
}

/** Every confirm/cancel an RPC reported as done must have left its outbox row for the portal. */
function missingOutboxRows (log: DriverLog, events: OutEvent[]): string[] {
  const counted = new Map<string, number>()
  for (const e of events) if (e.res_model === 'sale.order') counted.set(`${e.res_id}:${e.event_type}`, (counted.get(`${e.res_id}:${e.event_type}`) ?? 0) + 1)
  const expected = new Map<string, number>()
  for (const o of log.ops) {
    if (o.outcome !== 'ok' || o.op === 'draft') continue
    const key = `${o.orderId}:${o.op === 'confirm' ? 'order.confirmed' : 'order.cancelled'}`
    expected.set(key, (expected.get(key) ?? 0) + 1)
  }
  return [...expected].filter(([key, n]) => (counted.get(key) ?? 0) < n).map(([key, n]) => `sale.order ${key}: ${n} successful call(s), ${counted.get(key) ?? 0} outbox row(s)`)
}

async function chatterNotes (db: pg.Pool, pickingIds: number[]): Promise<Array<{ res_id: number, body: string }>> {
  const { rows } = await db.query<{ res_id: number, body: string }>(
    "SELECT res_id, body FROM mail_message WHERE model = 'stock.picking' AND res_id = ANY($1) AND body LIKE '%fulfilment.%'", [pickingIds])
  return rows
}

/** What the sidecar and Odoo logs say about a few ids, for the failure message. */
function traces (w: World, ids: string[], perId = 4): string {
  const files = [...w.replicas.map(r => r.logFile), w.odoo.logFile].filter(existsSync)
  const lines = files.flatMap(f => readFileSync(f, 'utf8').split('\n').map(l => ({ file: f.split('/').pop()!.replace('.log', ''), l })))
  return ids.slice(0, 5).map(id => {
    const hits = lines.filter(({ l }) => l.includes(id)).slice(-perId).map(({ file, l }) => `      ${file}: ${shortLine(l)}`)
    return `    ${id}:\n${hits.join('\n') || '      (in no log)'}`
  }).join('\n')
}

/** Errors the replicas logged, by message: context for a failure, never asserted on. */
function loggedErrors (replicas: Replica[]): string {
  const counts = new Map<string, number>()
  for (const r of replicas) {
    if (!existsSync(r.logFile)) continue
    for (const l of readFileSync(r.logFile, 'utf8').split('\n')) {
      if (/"level":(50|60)\b/.test(l)) counts.set(shortLine(l).slice(0, 140), (counts.get(shortLine(l).slice(0, 140)) ?? 0) + 1)
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([m, n]) => `${n}x ${m}`).join('\n    ') || 'none'
}

const idsIn = (lines: string[]) => lines.map(l => /(?:chaos_[0-9a-f-]{36}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(l)?.[0]).filter((x): x is string => !!x)

async function pgbossSummary (db: pg.Pool): Promise<string> {
  try {
    const { rows } = await db.query("SELECT name, state, count(*)::int AS n FROM pgboss.job WHERE name LIKE 'hub-%' GROUP BY 1, 2 ORDER BY 1, 2")
    return rows.map(r => `${r.name}:${r.state}=${r.n}`).join(' ')
  } catch (err) { return `(pgboss not readable: ${(err as Error).message})` }
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

interface World {
  dir: string
  cluster: PgCluster
  odoo: OdooServer
  rpc: OdooClient
  db: pg.Pool
  receiver: IndependentReceiver
  sender: CallbackSender
  replicas: Replica[]
  drivers: DriverLog
  secrets: { portal: string, wms: string }
  receiverUrl: string
  portalId: number
  wmsId: number
  cat: Catalogue
}

describe('chaos against real Odoo: nothing lost, nothing applied twice', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)', timeout: 900_000 }, () => {
  const t0 = Date.now()
  const w = { replicas: [], drivers: new DriverLog() } as unknown as World
  const timings = { installMs: 0, setupMs: 0, loadMs: 0, runMs: 0, drainMs: -1 }
  let chaos: Chaos
  let final: Findings | null = null

  before(async () => {
    console.log(`chaos-odoo: seed ${SEED} (HUB_CHAOS_SEED), ${ORDERS} orders by ${DRIVERS} drivers`)
    w.dir = join(process.env.HUB_E2E_WORK!, `chaos-odoo-${process.pid}`)
    mkdirSync(w.dir, { recursive: true })
    w.cluster = new PgCluster(join(w.dir, 'cluster'), ['-c', 'fsync=off', '-c', 'max_connections=300'])
    await w.cluster.start()
    await w.cluster.admin("CREATE ROLE odoo LOGIN SUPERUSER PASSWORD 'odoo'")

    const ownSpec = privateSpec(spec!, w.cluster.port, 'chaos_odoo', join(w.dir, 'odoo-data'))
    w.odoo = new OdooServer(ownSpec, w.dir)
    timings.installMs = await installAddon(ownSpec, w.odoo.logFile)
    console.log(`chaos-odoo: logistics_hub installed in a fresh database in ${(timings.installMs / 1000).toFixed(1)} s`)
    await w.odoo.start()
    w.rpc = w.odoo.client()
    w.db = new pg.Pool({ connectionString: ownSpec.dbUrl, max: 3 })
    w.db.on('error', () => {})

    await startReceiver(w)
    await createConnectors(w)
    w.cat = await createCatalogue(w.rpc)
    await slowDeliveryCommits(w.db)
    await startReplicas(w, ownSpec, t0)
    timings.setupMs = Date.now() - t0
    console.log(`chaos-odoo: set-up done in ${(timings.setupMs / 1000).toFixed(1)} s`)
  }, { timeout: 600_000 })

  after(async () => {
    w.sender?.stop()
    for (const r of w.replicas ?? []) await r.stop().catch(() => {})
    await w.receiver?.stop().catch(() => {})
    await w.odoo?.stop().catch(() => {})
    await w.db?.end().catch(() => {})
    await w.cluster?.stop().catch(() => {})
    if (w.dir) keepLogs(w)
    if (final) printSummary(w, final, chaos, timings)
  }, { timeout: 120_000 })

  it('runs the load through replica kills, a PostgreSQL restart and an Odoo outage, then drains', { timeout: 600_000 }, async () => {
    const tRun = Date.now()
    chaos = new Chaos(w, seededRandom(SEED + 2), t0)
    w.receiver.onRecorded = () => chaos.delivered()
    const loadDone = { value: false }
    const perDriver = Math.ceil(ORDERS / DRIVERS)
    const load = Promise.all(Array.from({ length: DRIVERS }, (_, i) => driver(w.odoo.client(), w.cat, perDriver, seededRandom(SEED + 10 + i), w.drivers)))
      .finally(() => {
        loadDone.value = true
        timings.loadMs = Date.now() - tRun
        chaos.note(`load done: ${w.drivers.ordersDone} orders in ${(timings.loadMs / 1000).toFixed(1)} s`)
      })
    const progress = () => w.drivers.ordersDone / (perDriver * DRIVERS)
    const until = async (share: number) => { while (progress() < share && !loadDone.value) await sleep(200) }
    const faults = Promise.all([
      chaos.killSchedule(progress, () => loadDone.value),
      (async () => { await until(0.25); await chaos.restartPostgres(); await until(0.5); await chaos.odooOutage() })()
    ])
    await Promise.all([load, faults])
    timings.runMs = Date.now() - tRun
    chaos.note('last fault done; draining')

    const tDrain = Date.now()
    let f = await untilAnswered(() => findings(w), 'findings')
    while (!drained(f, w.sender) && Date.now() - tDrain < DRAIN_BOUND_MS) {
      await sleep(1000)
      f = await untilAnswered(() => findings(w), 'findings')
    }
    if (drained(f, w.sender)) timings.drainMs = Date.now() - tDrain
    final = f
    console.log(`chaos-odoo: ${timings.drainMs >= 0 ? `drained in ${(timings.drainMs / 1000).toFixed(1)} s` : `NOT drained after ${DRAIN_BOUND_MS / 1000} s`}; pg-boss (diagnostic only): ${await pgbossSummary(w.db)}`)
    assert.ok(f.events.length > 0, 'the drivers committed events')
    assert.ok(timings.drainMs >= 0, `not drained within ${DRAIN_BOUND_MS / 1000} s after the last fault: ${f.undelivered.length} undelivered, ` +
      `${f.unapplied.length} accepted callbacks unapplied, ${f.stuckEvents.length} events pending/queued, ${f.stuckSyncStates.length} sync states behind, ` +
      `${w.sender.pending} callback sends unanswered (details in the tests below)`)
  })

  const need = (): Findings => { assert.ok(final, 'the chaos run did not complete: no findings'); return final }

  it('every committed outbound event reached the partner (distinct webhook-ids == events)', () => {
    const f = need()
    assert.deepEqual(w.receiver.refused, [], `the receiver refused requests of the sidecar (bad signature or shape):\n  ${listed(w.receiver.refused)}`)
    assert.deepEqual(f.missingOutbox, [], `RPC calls returned success but their outbox row is missing:\n  ${listed(f.missingOutbox)}`)
    assert.deepEqual(f.undelivered, [], `${f.undelivered.length} of ${f.events.length} committed events never reached the partner (lost):\n  ${listed(f.undelivered)}\n${traces(w, idsIn(f.undelivered))}`)
    assert.deepEqual(f.strangers, [], `the partner received webhook-ids that match no committed event:\n  ${listed(f.strangers)}`)
    assert.equal(w.receiver.distinctDelivered, f.events.length)
  })

  it('per record, events first arrived in commit order (hub_event.id increasing)', () => {
    const f = need()
    assert.deepEqual(f.outOfOrder, [], `records whose events reached the partner out of order:\n  ${listed(f.outOfOrder)}`)
  })

  it('every callback accepted with a 2xx was applied in Odoo exactly once', () => {
    const f = need()
    assert.ok(f.accepted.length > 0, 'no callback was accepted')
    assert.deepEqual(f.unapplied, [], `${f.unapplied.length} of ${f.accepted.length} callbacks were answered 2xx but never applied in Odoo (lost):\n  ${listed(f.unapplied)}\n${traces(w, idsIn(f.unapplied))}`)
    assert.deepEqual(f.notOnce, [], `callbacks whose effect on the picking is not there exactly once (duplicated or missing):\n  ${listed(f.notOnce)}\n${traces(w, idsIn(f.notOnce))}`)
    assert.deepEqual(f.neverAccepted, [], `callbacks the sidecar never accepted although the partner kept retrying:\n  ${listed(f.neverAccepted)}\n${traces(w, idsIn(f.neverAccepted))}`)
  })

  it('every applied callback advanced its order\'s business process exactly once', () => {
    const f = need()
    assert.deepEqual(f.processNotOnce, [], `callbacks applied in Odoo but not in the order's process log exactly once:\n  ${listed(f.processNotOnce)}\n${traces(w, idsIn(f.processNotOnce))}`)
  })

  it('nothing left behind: no outbound event pending/queued, no sync state behind its closed event', () => {
    const f = need()
    assert.deepEqual(f.stuckEvents, [], `outbound events still pending/queued after the drain:\n  ${listed(f.stuckEvents)}\n${traces(w, idsIn(f.stuckEvents))}`)
    assert.deepEqual(f.stuckSyncStates, [], `sync states never told about their event's delivery (write-back lost):\n  ${listed(f.stuckSyncStates)}\n${traces(w, idsIn(f.stuckSyncStates))}`)
  })

  it('no replica died on its own (PostgreSQL restart, Odoo outage)', () => {
    need()
    const deaths = w.replicas.flatMap(r => r.unexpectedExits.map(e => `replica ${r.name} exited at ${e.at} with code ${e.code} signal ${e.signal}` +
      (e.signal ? ' (a signal this test did not send)' : '')))
    const faults = chaos.timeline.filter(l => /PostgreSQL|Odoo/.test(l))
    assert.deepEqual(deaths, [], `sidecar processes died without being killed:\n  ${listed(deaths)}\n  faults: ${faults.join('; ')}\n` +
      `  ${w.replicas.flatMap(deathCauses).join('\n  ')}`)
    assert.deepEqual(chaos.slowStarts, [], `restarted replicas that did not come back:\n  ${listed(chaos.slowStarts)}`)
  })
})

// ---------------------------------------------------------------------------------------------
// Set-up helpers
// ---------------------------------------------------------------------------------------------

/** The partner: a portal endpoint and a WMS endpoint, each with its connector's secret. */
async function startReceiver (w: World): Promise<void> {
  w.secrets = { portal: newSecret(), wms: newSecret() }
  w.receiver = new IndependentReceiver([
    { path: '/portal', kind: 'webhook', secret: w.secrets.portal },
    { path: '/wms/v1/fulfilments', kind: 'wms', secret: w.secrets.wms }
  ], seededRandom(SEED + 1), RECEIVER_FAULTS, HANG_MS)
  w.receiverUrl = await w.receiver.start()
  w.sender = new CallbackSender(w.secrets.wms, WMS_CODE, w.replicas, seededRandom(SEED + 3))
  w.receiver.onFulfilment = f => w.sender.plan(f)
}

/** Created through JSON-RPC as admin, after archiving any other connector. */
async function createConnectors (w: World): Promise<void> {
  await archiveAllConnectors(w.rpc)
  const common = { timeout: 2, max_attempts: 50, retry_delay: 1, retry_backoff: false }
  w.portalId = await w.rpc.executeKw<number>('hub.connector', 'create', [{ name: 'Chaos Portal', code: 'chaos-portal', kind: 'portal', adapter: 'webhook', base_url: `${w.receiverUrl}/portal`, secret: w.secrets.portal, ...common }])
  for (const eventType of ['order.confirmed', 'order.cancelled']) await w.rpc.executeKw('hub.route', 'create', [{ connector_id: w.portalId, event_type: eventType }])
  w.wmsId = await w.rpc.executeKw<number>('hub.connector', 'create', [{ name: 'Chaos WMS', code: WMS_CODE, kind: 'wms', adapter: 'wms', base_url: `${w.receiverUrl}/wms`, secret: w.secrets.wms, ...common }])
  await w.rpc.executeKw('hub.route', 'create', [{ connector_id: w.wmsId, event_type: 'picking.ready' }])
}

/** Three stocked products (plenty for every order) and a customer. */
async function createCatalogue (rpc: OdooClient): Promise<Catalogue> {
  const [warehouse] = await rpc.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
  const productIds: number[] = []
  for (const n of [1, 2, 3]) {
    const id = await rpc.executeKw<number>('product.product', 'create', [{ name: `Chaos Crate ${n}`, default_code: `CHAOS-${n}`, type: 'consu', is_storable: true }])
    const quantId = await rpc.executeKw<number>('stock.quant', 'create', [{ product_id: id, location_id: warehouse!.lot_stock_id[0], inventory_quantity: 100_000 }], { context: { inventory_mode: true } })
    await rpc.executeKw('stock.quant', 'action_apply_inventory', [[quantId]])
    productIds.push(id)
  }
  const partnerId = await rpc.executeKw<number>('res.partner', 'create', [{ name: 'Chaos Retail NV', street: '9 Quay', city: 'Ghent', zip: '9000' }])
  return { partnerId, productIds }
}

async function startReplicas (w: World, s: Spec, t0: number): Promise<void> {
  const env = {
    DATABASE_URL: s.dbUrl, ODOO_URL: w.odoo.url, ODOO_DB: s.db, ODOO_USER: 'admin', ODOO_PASSWORD: 'admin',
    HUB_RELAY_POLL_MS: '300', HUB_WORKER_POLL_SECONDS: '0.5', HUB_DELIVERY_EXPIRE_SECONDS: '3', HUB_BOSS_MAINTENANCE_SECONDS: '1',
    HUB_ODOO_RETRY_SECONDS: '1', HUB_ODOO_EXPIRE_SECONDS: '10', LOG_LEVEL: 'info'
  }
  for (const name of ['a', 'b']) w.replicas.push(new Replica(name, await freePort(), env, join(w.dir, `replica-${name}.log`), t0))
  for (const r of w.replicas) r.start()
  for (const r of w.replicas) if (!await r.ready()) throw new Error(`replica ${r.name} not healthy within 60 s; see ${r.logFile}`)
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/** A log line made short: pino JSON becomes "[level] msg (a few telling fields): err", anything else is cut. */
function shortLine (line: string): string {
  try {
    const j = JSON.parse(line) as Record<string, any>
    const err = typeof j.err === 'string' ? j.err : j.err?.message
    const fields = ['duplicate', 'outcome', 'attempt', 'state', 'odoo_error', 'error'].filter(k => j[k] !== undefined).map(k => `${k}=${j[k]}`)
    return `[${j.level}] ${j.msg ?? ''}${fields.length ? ` (${fields.join(', ')})` : ''}${err ? `: ${String(err).trim().slice(0, 160)}` : ''}`
  } catch { return line.replace(/^\d{4}-\d\d-\d\d /, '').slice(0, 240) }
}

/** For each time the replica died on its own: the last errors it logged before. */
function deathCauses (r: Replica): string[] {
  if (!existsSync(r.logFile)) return []
  const lines = readFileSync(r.logFile, 'utf8').split('\n')
  return lines.flatMap((line, i) => {
    if (!line.includes('exited on its own')) return []
    let started = i - 1
    while (started >= 0 && !(lines[started]!.startsWith('--- chaos') && lines[started]!.endsWith(': starting'))) started--
    const before = lines.slice(started + 1, i).filter(l => /"level":(50|60)\b/.test(l) || (!l.startsWith('{') && /\w*Error\b|error:/.test(l)))
    return [`replica ${r.name} ${line.replace(/^--- chaos test \S+ /, '')}; last errors before:\n${before.slice(-3).map(l => `      ${shortLine(l)}`).join('\n') || '      (none logged)'}`]
  })
}

/** run.mjs deletes HUB_E2E_WORK when it ends: keep the logs in test-results/chaos-odoo. */
function keepLogs (w: World): void {
  try {
    const dest = join(root, 'test-results', 'chaos-odoo')
    mkdirSync(dest, { recursive: true })
    for (const f of [...(w.replicas ?? []).map(r => r.logFile), w.odoo?.logFile]) if (f && existsSync(f)) copyFileSync(f, join(dest, f.split('/').pop()!))
    console.log(`chaos-odoo: logs kept in ${dest}`)
  } catch (err) { console.log(`chaos-odoo: could not keep logs: ${(err as Error).message}`) }
}

function startupFigures (replicas: Replica[]): string {
  const all = replicas.flatMap(r => r.startups).sort((a, b) => a - b)
  return all.length ? `${(all[Math.floor(all.length / 2)]! / 1000).toFixed(1)} / ${(all.at(-1)! / 1000).toFixed(1)} (${all.length} starts)` : '-'
}

function printSummary (w: World, f: Findings, chaos: Chaos | undefined, t: { installMs: number, setupMs: number, loadMs: number, runMs: number, drainMs: number }): void {
  const d = w.drivers
  const rows: Array<[string, string | number]> = [
    ['seed', SEED],
    ['orders (driver ok confirms / cancels / uncertain / failed)', `${d.ordersDone} (${d.count('confirm', 'ok')} / ${d.count('cancel', 'ok')} / ${d.ops.filter(o => o.outcome === 'uncertain').length} / ${d.ops.filter(o => o.outcome === 'failed').length})`],
    ['outbound events committed (hub_event out)', f.events.length],
    ['distinct delivered (receiver)', w.receiver.distinctDelivered],
    ['raw duplicate deliveries', w.receiver.rawDuplicates],
    ['receiver faults injected', JSON.stringify(w.receiver.faultsInjected)],
    ['callbacks (distinct ids / sends)', `${w.sender.callbacks.size} / ${w.sender.sends}`],
    ['callback answers', JSON.stringify(w.sender.answerCounts())],
    ['callbacks accepted (2xx)', f.accepted.length],
    ['accepted and applied in Odoo', f.appliedCount],
    ['sidecar errors logged (top)', `\n    ${loggedErrors(w.replicas)}`],
    ['install / set-up / load / run with faults (s)', [t.installMs, t.setupMs, t.loadMs, t.runMs].map(ms => (ms / 1000).toFixed(1)).join(' / ')],
    ['drain (s)', t.drainMs >= 0 ? (t.drainMs / 1000).toFixed(1) : `> ${DRAIN_BOUND_MS / 1000} (not drained)`],
    ['replica kills (landed in a delivery COMMIT, incl. PG stop)', `${chaos?.kills ?? 0} (${chaos?.commitHits ?? 0})`],
    ['replica start to healthy (median / max s)', startupFigures(w.replicas)],
    ['replica deaths on their own', w.replicas.reduce((n, r) => n + r.unexpectedExits.length, 0)],
    ['PostgreSQL restarts', chaos?.pgRestarts ?? 0],
    ['Odoo restarts', chaos?.odooRestarts ?? 0]
  ]
  const width = Math.max(...rows.map(r => r[0].length))
  console.log(['chaos-odoo summary:', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n'))
}
