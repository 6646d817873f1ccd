import { setTimeout as sleep } from 'node:timers/promises'

/**
 * PostgreSQL going away or not there yet, as opposed to a statement PostgreSQL refuses: SQLSTATE class
 * 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
 * connections), and the socket errors and pg's own messages for a lost connection when no SQLSTATE came back.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300'])
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'])

export function isDatabaseUnavailable (err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? '')
  if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || SOCKET_ERRORS.has(code)) return true
  return /Connection terminated|connection error and is not queryable|the database system is (shutting down|starting up|in recovery mode)/.test(String((err as Error | null)?.message ?? ''))
}

/** what of a logger the retry needs (pino's, structurally: db/ stays below observability/) */
interface WarnLog { warn: (details: object, message: string) => void }

/**
 * Runs idempotent work until it gets through a database outage (backing off up to 10 s); any other
 * error is thrown at once. For start-up steps: a PostgreSQL restart while a replica starts must not
 * make it exit, but a wrong schema or missing rights must.
 */
export async function retryWhileDatabaseUnavailable<T> (logger: WarnLog, what: string, work: () => Promise<T>): Promise<T> {
  for (let delayMs = 500; ; delayMs = Math.min(delayMs * 2, 10_000)) {
    try {
      return await work()
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err
      logger.warn({ err: (err as Error).message, retry_in_ms: delayMs }, `${what}: database unavailable; retrying`)
      await sleep(delayMs)
    }
  }
}
