import pg from 'pg'
import { JOBS_CHANNEL, RELAY_CHANNEL } from '../db/outbox-plans.ts'
import type { Logger } from '../observability/logger.ts'

/**
 * Calls `onSignal` on every `NOTIFY hub_event` (sent by Odoo on commit) and every `pollMs` as a fallback,
 * since notifications are lost while the connection is down, and `onJobs` on every `NOTIFY hub_deliver`
 * (sent by any replica's relay when it commits delivery jobs: without it the other replicas' delivery
 * loops would sleep out their poll interval while one replica's loops work through a burst alone).
 * Reconnects with backoff; never throws.
 */
export class OutboxListener {
  #client: pg.Client | null = null
  #timer: NodeJS.Timeout | null = null
  #stopped = false
  #backoffMs = 500

  constructor (private readonly connectionString: string, private readonly pollMs: number,
    private readonly onSignal: () => void, private readonly onJobs: () => void, private readonly logger: Logger) {}

  async start (): Promise<void> {
    this.#timer = setInterval(this.onSignal, this.pollMs)
    await this.#connect()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    await this.#client?.end().catch(() => {})
  }

  async #connect (): Promise<void> {
    if (this.#stopped) return
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'logistics-hub-relay' })
    client.on('notification', message => { if (message.channel === JOBS_CHANNEL) this.onJobs(); else this.onSignal() })
    client.on('error', err => this.#reconnect(client, err))
    try {
      await client.connect()
      await client.query(`LISTEN ${RELAY_CHANNEL}; LISTEN ${JOBS_CHANNEL}`)
      this.#client = client
      this.#backoffMs = 500
      this.onSignal() // catch up on whatever was committed while we were not listening
    } catch (err) {
      this.#reconnect(client, err)
    }
  }

  #reconnect (client: pg.Client, err: unknown): void {
    client.removeAllListeners('error')
    client.on('error', () => {})
    client.end().catch(() => {})
    if (this.#stopped || (this.#client !== null && this.#client !== client)) return
    this.#client = null
    this.logger.warn({ err, retry_in_ms: this.#backoffMs }, 'outbox listener lost its connection; polling continues')
    setTimeout(() => { void this.#connect() }, this.#backoffMs).unref()
    this.#backoffMs = Math.min(this.#backoffMs * 2, 30_000)
  }
}
