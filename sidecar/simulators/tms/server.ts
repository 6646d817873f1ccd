import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FaultInjector, type FaultSettings } from '../faults.ts'
import { readBody, sendJson } from '../http-util.ts'
import { postSignedCallback } from '../signed-callback.ts'
import { TmsFleetSubgraph } from './subgraph.ts'

/**
 * A transport management (fleet) platform: takes transport orders for B2B deliveries (idempotent on
 * orderRef) and reports milestones (DEPARTED, DELAYED, ROUTE_DEVIATION, ARRIVED, POD) to a webhook,
 * signed per Standard Webhooks. Same fault injection and `/_sim/*` control API as the other simulators.
 * POST /graphql is its federation subgraph (subgraph.ts: vehicle, position and ETA of a job), behind the
 * same API key; it has its own faults (`subgraph.faults`, `/_sim/subgraph`) so a test can break the
 * GraphQL side while transport orders still flow.
 */
export type TmsMilestone = 'DEPARTED' | 'DELAYED' | 'ROUTE_DEVIATION' | 'ARRIVED' | 'POD'

interface TransportJob { jobId: string, order: Record<string, any>, milestones: unknown[], plannedKm: number }

/** A stand-in route planner: the same postcode is always the same distance from the depot. */
const plannedFromPostcode = (zip: unknown): number => 5 + (Number(String(zip ?? '').replace(/\D/g, '').slice(0, 4)) || 0) % 400

export class TmsSimulator {
  readonly faults = new FaultInjector()
  readonly jobs = new Map<string, TransportJob>()
  readonly requests: Array<{ path: string, status: number | 'hang' }> = []
  readonly webhooks: Array<{ jobId: string, status: number | 'error' }> = []
  // getters: configure() may change the key or the claim secret after the subgraph exists
  readonly subgraph = new TmsFleetSubgraph(this.jobs, {
    apiKey: () => this.options.subgraphApiKey ?? this.options.apiKey, claimSecret: () => this.options.claimSecret, claimAudience: () => this.options.claimAudience
  })
  #server: Server = createServer((req, res) => { void this.#handle(req, res) })
  #seq = 0

  /**
   * `plannedKm`: the route distance a new job is planned at (default: derived from the delivery postcode);
   * `claimSecret`, `claimAudience`: the HS256 secret and the audience of the hub's `x-hub-caller` claim on
   * /graphql (no secret: not checked; the hub signs with the connector's secret, for the connector's code);
   * `subgraphApiKey`: the fleet subgraph's own key when the hub reaches it as a connector of its own (the hub
   * refuses one secret on two connectors), else the REST API's
   */
  constructor (private options: { apiKey?: string, subgraphApiKey?: string, callbackUrl?: string, callbackSecret?: string, plannedKm?: number, claimSecret?: string, claimAudience?: string } = {}) {}

  configure (patch: Partial<TmsSimulator['options']>): void { this.options = { ...this.options, ...patch } }

  async start (port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(port, host, resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async stop (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  /**
   * Reports milestones of a job to the hub. They are dated one minute apart from 2026-11-25 06:00 UTC
   * unless `at` gives each milestone its own time (e.g. a long wait between ARRIVED and POD).
   */
  async report (jobId: string, milestones: TmsMilestone[], { at }: { at?: Date[] } = {}): Promise<unknown[]> {
    const job = this.jobs.get(jobId)
    if (!job) throw new Error(`unknown job ${jobId}`)
    if (at && at.length !== milestones.length) throw new Error(`report: ${milestones.length} milestones but ${at.length} times`)
    const bodies = milestones.map((m, i) => ({
      jobId, eventNo: job.milestones.length + i + 1, milestone: m, at: (at?.[i] ?? new Date(Date.UTC(2026, 10, 25, 6, job.milestones.length + i))).toISOString(),
      location: { place: m === 'ARRIVED' || m === 'POD' ? String(job.order.delivery?.city ?? '') : 'Hub Antwerp' },
      delayMinutes: m === 'DELAYED' ? 45 : undefined,
      pod: m === 'POD' ? { signedBy: 'Warehouse desk', documentRef: `cmr-${jobId}` } : undefined
    }))
    job.milestones.push(...bodies)
    const ordered = this.faults.settings.outOfOrderCallbacks ? [...bodies].reverse() : bodies
    for (const body of ordered) {
      await this.#send(jobId, body)
      if (this.faults.settings.duplicateCallbacks) await this.#send(jobId, body)
    }
    return bodies
  }

  async #send (jobId: string, body: { eventNo: number }): Promise<void> {
    const { callbackUrl, callbackSecret } = this.options
    if (!callbackUrl || !callbackSecret) return
    const payload = JSON.stringify(body)
    const status = await postSignedCallback(callbackUrl, callbackSecret, `tms_${jobId}_${body.eventNo}`, payload)
    this.webhooks.push({ jobId, status })
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sim').pathname
    if (path === '/graphql') return this.subgraph.handle(req, res) // reads its own body, applies its own faults
    try {
      const raw = req.method === 'GET' ? '' : await readBody(req)
      const body = raw ? JSON.parse(raw) : {}
      if (path === '/_sim/state') return sendJson(res, 200, { jobs: [...this.jobs.values()], requests: this.requests, webhooks: this.webhooks })
      if (path === '/_sim/faults') return sendJson(res, 200, this.faults.set(body as Partial<FaultSettings>))
      if (path === '/_sim/subgraph') {
        if (body.variant) this.subgraph.useVariant(body.variant)
        if (body.faults) this.subgraph.faults.set(body.faults as Partial<FaultSettings>)
        return sendJson(res, 200, { variant: this.subgraph.variant, faults: this.subgraph.faults.settings, calls: this.subgraph.calls })
      }
      const m = /^\/_sim\/jobs\/([^/]+)\/milestones$/.exec(path)
      if (m) return sendJson(res, 200, { milestones: await this.report(m[1]!, body.milestones ?? []) })
      const verdict = await this.faults.next()
      if (verdict.kind === 'hang') { this.requests.push({ path, status: 'hang' }); return }
      const answer = (status: number, json: unknown) => { this.requests.push({ path, status }); sendJson(res, status, json) }
      if (verdict.kind === 'rate_limit') return answer(429, { message: 'rate limited' })
      if (verdict.kind === 'fail') return answer(verdict.status, { message: 'injected failure' })
      if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) return answer(401, { message: 'bad api key' })
      // the hub's "Test connection": an authenticated no-op, past the API key check above
      if (req.method === 'GET' && path === '/ping') return answer(200, { ok: true })
      if (req.method === 'POST' && path === '/transport-orders') {
        if (!body.orderRef || !body.delivery?.city) return answer(422, { message: 'orderRef and delivery.city are required', code: 'INVALID_ORDER' })
        const existing = [...this.jobs.values()].find(j => j.order.orderRef === body.orderRef)
        const job = existing ?? { jobId: `TMS-${String(++this.#seq).padStart(5, '0')}`, order: body, milestones: [], plannedKm: this.options.plannedKm ?? plannedFromPostcode(body.delivery?.zip) }
        this.jobs.set(job.jobId, job)
        return answer(existing ? 200 : 201, { jobId: job.jobId, status: 'PLANNED', plannedDistanceKm: job.plannedKm })
      }
      answer(404, { message: `no route ${req.method} ${path}` })
    } catch (err) {
      sendJson(res, 400, { message: (err as Error).message })
    }
  }
}
