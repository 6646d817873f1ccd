import { PermanentError, RetryableError, errorMessage } from '../errors.ts'
import { type HttpAnswer, callJson, endpoint, postSigned } from './http-transport.ts'
import { signingSecrets } from './signing.ts'
import type { Connector } from './types.ts'

/**
 * The one failure policy of every partner call (after Karrio's shared request/error path and
 * queue_job's typed retryable errors). An adapter says what to send and supplies its ErrorParser
 * (what its partner's error body means, Karrio's error.py); the decision "retry or dead-letter?"
 * is taken here and nowhere else:
 * - 2xx is an answer; 408, 425, 429 and 5xx are retryable (the partner may accept the same call
 *   later), with the partner's Retry-After (seconds or HTTP date) as retryAfterSeconds;
 * - every other status (other 4xx, and 3xx: we never follow redirects) is permanent: the partner
 *   refused this request and will refuse it again;
 * - no answer (connection refused or reset, host not found, timeout) is retryable;
 * - a 2xx whose body is required but empty or not JSON is retryable (readJson below);
 * - a missing or malformed setting (no base URL) is permanent: no retry can succeed before a person
 *   fixes the connector in Odoo, and the dead-lettered event is re-sent from there.
 * Every message names the connector, because it reaches Odoo's sync status and the logs as is.
 */

/** A partner's error body in its own words ("CODE: message"), or null when it says nothing usable. */
export type ErrorParser = (answer: HttpAnswer) => string | null

export interface PartnerCall {
  method: 'GET' | 'POST'
  /** API path under the base URL; null calls the base URL itself (a webhook receiver) */
  path: string | null
  body?: unknown
  /**
   * How the partner authenticates us: the connector's secret as bearer API key, or a Standard
   * Webhooks signature with `messageId` (the partner's dedupe key, stable across retries).
   */
  auth: { bearer: true } | { signedAs: string } | 'none'
  headers?: Record<string, string>
  /** seconds; default the connector's timeout */
  timeoutSeconds?: number
  /** statuses besides 2xx that are answers rather than failures (a WMS's 404 for an unknown SKU) */
  answers?: number[]
}

/** How messages name a connector: its name as people see it in Odoo, and its code. */
export function connectorLabel (connector: Connector): string {
  return connector.name && connector.name !== connector.code ? `${connector.name} (${connector.code})` : `connector ${connector.code}`
}

/** The connector's base URL, or the permanent error saying which connector lacks which setting. */
export function requireBaseUrl (connector: Connector): string {
  const base = connector.base_url?.trim()
  if (!base) throw new PermanentError(`${connectorLabel(connector)} has no Base URL: set it on the connector in Odoo`)
  // a URL that cannot be parsed is the same finding as none: retrying cannot make it valid
  let parsed: URL | null = null
  try { parsed = new URL(base) } catch { /* reported below */ }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new PermanentError(`${connectorLabel(connector)} has an invalid Base URL (${base.replace(/\/\/[^/@]*@/, '//***@')}): set an http(s) URL on the connector in Odoo`)
  return base
}

/** One call under the policy: resolves with a 2xx answer (or one listed in `answers`), else throws typed. */
export async function callPartner (connector: Connector, call: PartnerCall, parseError: ErrorParser): Promise<HttpAnswer> {
  const base = requireBaseUrl(connector)
  const url = call.path === null ? base : endpoint(base, call.path)
  const timeoutSeconds = call.timeoutSeconds ?? connector.timeout
  let answer: HttpAnswer
  try {
    answer = typeof call.auth === 'object' && 'signedAs' in call.auth
      ? await postSigned({ url, body: call.body, messageId: call.auth.signedAs, secrets: signingSecrets(connector), timeoutSeconds, headers: call.headers })
      : await callJson(call.method, url, { body: call.body, bearer: call.auth === 'none' ? null : connector.secret, timeoutSeconds, headers: call.headers })
  } catch (err) {
    // the transport throws a RetryableError when nothing came back: worded as the connection test does
    if (err instanceof RetryableError) {
      const problem = networkProblem(err.cause ?? err, timeoutSeconds)
      // an unrecognised cause keeps the library's words: the log is all an operator has to go on
      const detail = problem === 'network error' ? `${problem}: ${errorMessage(err.cause ?? err)}` : problem
      throw new RetryableError(`${connectorLabel(connector)} unreachable: ${detail}`, undefined, { cause: err.cause })
    }
    // anything else failed before sending, e.g. a secret that is not a Standard Webhooks key: a setting
    throw new PermanentError(`${connectorLabel(connector)}: the request could not be prepared (${errorMessage(err)}): check the connector's secret in Odoo`, { cause: err })
  }
  if ((answer.status >= 200 && answer.status < 300) || call.answers?.includes(answer.status)) return answer
  throw statusError(connector, answer, parseError)
}

/** callPartner for a call whose answer we need: its body parsed as JSON (see readJson). */
export async function callPartnerJson (connector: Connector, call: PartnerCall, parseError: ErrorParser): Promise<unknown> {
  return readJson(connector, await callPartner(connector, call, parseError))
}

/**
 * A required body that is empty or not JSON is retryable, not permanent: the partner said 2xx, so it
 * may well have done the work, and we cannot prove what it accepted. Retrying is safe because every
 * call that creates something carries an idempotency key the partner dedupes on (the event id, the
 * WMS request_id, the picking reference), so the retry returns the same result; a proxy or gateway
 * answering 200 with an HTML page is transient too. Dead-lettering would leave a person to guess.
 */
export function readJson (connector: Connector, answer: HttpAnswer): unknown {
  if (answer.text.trim() === '') throw new RetryableError(`${connectorLabel(connector)} answered HTTP ${answer.status} with an empty body`)
  try {
    return JSON.parse(answer.text) as unknown
  } catch {
    throw new RetryableError(`${connectorLabel(connector)} answered HTTP ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`)
  }
}

/** HTTP statuses worth retrying: the partner may accept the same request later. */
export function isRetryableStatus (status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), if present and sane. */
export function retryAfterSeconds (value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (!raw) return undefined
  const seconds = /^\d+$/.test(raw) ? Number(raw) : (Date.parse(raw) - Date.now()) / 1000
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined
}

/** A non-2xx answer as a typed error quoting the partner's own words. */
function statusError (connector: Connector, answer: HttpAnswer, parseError: ErrorParser): Error {
  const detail = safeParse(parseError, answer) ?? (answer.text.slice(0, 200) || 'no body')
  const message = `${connectorLabel(connector)} answered HTTP ${answer.status} (${detail})`
  return isRetryableStatus(answer.status)
    ? new RetryableError(message, retryAfterSeconds(answer.headers['retry-after']))
    : new PermanentError(message)
}

/** An error parser that throws must not turn a classified failure into an unclassified one. */
function safeParse (parseError: ErrorParser, answer: HttpAnswer): string | null {
  try { return parseError(answer) } catch { return null }
}

/** Parses the body of an error answer as JSON, or null (for ErrorParsers). */
export function errorJson (answer: HttpAnswer): unknown {
  try { return JSON.parse(answer.text) as unknown } catch { return null }
}

/**
 * The cause of a failed call in a person's words (deliveries and Test connection say the same);
 * undici's own messages name sockets and internals.
 */
export function networkProblem (err: unknown, timeoutSeconds: number): string {
  const cause = err instanceof RetryableError && err.cause ? err.cause : err
  const code = String((cause as { code?: unknown }).code ?? (cause as { cause?: { code?: unknown } }).cause?.code ?? '')
  if (code === 'ECONNREFUSED') return 'connection refused (is the partner running, and is the base URL right?)'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found: check the base URL'
  if (/TIMEOUT|ETIMEDOUT/.test(code)) return `no answer within ${timeoutSeconds} s`
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'the partner closed the connection'
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'network unreachable'
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return "the partner's TLS certificate was not accepted"
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG' || cause instanceof TypeError) return 'the base URL is not a valid URL'
  return 'network error'
}
