import { request } from 'undici'
import { signatureHeader } from './signing.ts'
import { RetryableError, errorMessage } from '../errors.ts'
import { notePartnerAnswer } from './partner-answers.ts'

/**
 * The mechanism of partner calls: signing, headers, timeouts, noting each answer. Whether an answer is a
 * success, a retryable or a permanent failure is decided in one place above it, adapters/partner-call.ts.
 */

export interface SignedPost {
  url: string
  body: unknown
  /** Standard Webhooks message id: partners dedupe on it, so it is the event id, stable across retries */
  messageId: string
  /** every secret to sign with (the current one, and the previous one during a rotation's overlap) */
  secrets: string[]
  timeoutSeconds: number
  headers?: Record<string, string>
}

export interface HttpAnswer { status: number, headers: Record<string, string | string[] | undefined>, text: string }

/** POSTs JSON signed per the Standard Webhooks spec; network failures and timeouts are retryable. */
export async function postSigned (post: SignedPost): Promise<HttpAnswer> {
  const payload = JSON.stringify(post.body)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'odoo-logistics-hub',
    'idempotency-key': post.messageId,
    ...post.headers
  }
  if (post.secrets.length) {
    const now = new Date()
    headers['webhook-id'] = post.messageId
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000))
    headers['webhook-signature'] = signatureHeader(post.secrets, post.messageId, now, payload)
  }
  return await send('POST', post.url, headers, payload, post.timeoutSeconds)
}

/** One partner call; only a network failure or timeout throws, as a RetryableError (partner-call.ts words it). */
async function send (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload: string | undefined, timeoutSeconds: number): Promise<HttpAnswer> {
  const timeout = timeoutSeconds * 1000
  try {
    const res = await request(url, { method, headers, body: payload, headersTimeout: timeout, bodyTimeout: timeout })
    const text = await res.body.text()
    notePartnerAnswer(res.statusCode, text)
    return { status: res.statusCode, headers: res.headers, text }
  } catch (err) {
    notePartnerAnswer(null, null)
    throw new RetryableError(`partner unreachable: ${errorMessage(err)}`, undefined, { cause: err })
  }
}

/** A plain JSON API call (carriers, TMS): bearer key, per-connector timeout; network failures are retryable. */
export async function callJson (method: 'GET' | 'POST', url: string, opts: { body?: unknown, bearer?: string | null, timeoutSeconds: number, headers?: Record<string, string> }): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'odoo-logistics-hub', ...opts.headers }
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`
  return await send(method, url, headers, opts.body === undefined ? undefined : JSON.stringify(opts.body), opts.timeoutSeconds)
}

/** Joins a connector's base URL and an API path without losing a base path prefix. */
export function endpoint (baseUrl: string, path: string): string {
  return new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href
}
