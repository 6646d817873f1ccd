import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { beat, createHeartbeatTable, forgetSilentReplicas, lockHeartbeatTable, markStopped } from '../db/heartbeat-plans.ts'
import { type Pool, withTransaction } from '../db/pool.ts'
import { createSidecarSchema } from '../db/sidecar-schema.ts'
import { errorMessage } from '../errors.ts'
import type { Logger } from './logger.ts'

/** The version Odoo shows next to each replica: the one in package.json, read once. */
const SIDECAR_VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** A replica that never beat again is forgotten after this many days (restarts leave one row each). */
const FORGET_AFTER_DAYS = 7
/** how long a stopping replica waits for the database to record its stop */
const STOP_WAIT_MS = 3000

export interface HeartbeatOptions {
  intervalSeconds: number
  version?: string
}

/**
 * Tells Odoo this replica is alive: without it, Odoo cannot tell a stopped sidecar from a quiet one and
 * its badges just stay pending. Every `intervalSeconds` the replica's row in hub_sidecar.heartbeat gets
 * a new beat_at; a graceful stop marks it stopped. A replica that crashes simply stops beating, which
 * Odoo reads as silence. A beat that fails (database restarting) is logged and the next one tries
 * again: liveness reporting never stops deliveries, and a sidecar that cannot beat reads as silent,
 * which is the truth as far as Odoo can see.
 */
export class Heartbeat {
  /** unique per process start: two sidecars in one process (tests) or a restarted pid never share a row */
  readonly replica = randomUUID()
  readonly #version: string
  #timer: ReturnType<typeof setTimeout> | undefined
  #current: Promise<void> = Promise.resolve()
  #tableReady = false
  #stopped = false

  constructor (private readonly pool: Pool, private readonly logger: Logger, private readonly options: HeartbeatOptions) {
    this.#version = options.version ?? SIDECAR_VERSION
  }

  /** Beats once (awaited, so a started sidecar is visible at once), then every interval. */
  async start (): Promise<void> {
    this.#stopped = false
    await this.#beatAndSchedule()
  }

  /**
   * No beat after this resolves; the row says when the replica stopped. Bounded: a database that does
   * not answer (a network partition hangs connects) must not hold up shutdown, and Odoo then sees the
   * replica fall silent, which is also true.
   */
  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    const recorded = (async () => {
      await this.#current
      await this.pool.query(markStopped(this.replica))
      return true
    })()
    try {
      if (await Promise.race([recorded, sleep(STOP_WAIT_MS, false, { ref: false })])) return
      this.logger.warn({ replica: this.replica }, 'the database did not record the stop in time; Odoo will see the replica fall silent')
    } catch (err) {
      this.logger.warn({ err: errorMessage(err), replica: this.replica }, 'could not record the stop in hub_sidecar.heartbeat; Odoo will see the replica fall silent')
    }
  }

  async #beatAndSchedule (): Promise<void> {
    this.#current = this.#beat()
    await this.#current
    if (this.#stopped) return
    // a chain of timeouts, not an interval: beats never pile up behind a database that hangs
    this.#timer = setTimeout(() => { void this.#beatAndSchedule() }, this.options.intervalSeconds * 1000)
    this.#timer.unref()
  }

  async #beat (): Promise<void> {
    try {
      if (!this.#tableReady) await this.#createTable()
      await this.pool.query(beat({ replica: this.replica, hostname: hostname(), pid: process.pid, version: this.#version, intervalSeconds: this.options.intervalSeconds }))
    } catch (err) {
      // the table may be what is missing (a database restored without hub_sidecar): create it next time
      this.#tableReady = false
      this.logger.warn({ err: errorMessage(err), replica: this.replica }, 'heartbeat failed; Odoo will show the sidecar as silent until a beat succeeds')
    }
  }

  /** Replicas starting together take turns: concurrent CREATE TABLE IF NOT EXISTS can still collide. */
  async #createTable (): Promise<void> {
    await withTransaction(this.pool, async client => {
      await client.query(lockHeartbeatTable)
      await client.query(createSidecarSchema)
      await client.query(createHeartbeatTable)
      await client.query(forgetSilentReplicas(FORGET_AFTER_DAYS))
    })
    this.#tableReady = true
  }
}
