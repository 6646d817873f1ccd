import { createHash } from 'node:crypto'
import { request } from 'undici'
import { OdooRpcError, OdooUnavailableError, errorMessage } from '../errors.ts'
import type { OdooKw } from './reader.ts'

export interface OdooSessionInfo { uid: number, db: string, partnerId: number | null, login: string, isInternal: boolean }

interface JsonRpcResponse { result?: unknown, error?: { message: string, data?: { name?: string, message?: string } } }

/**
 * Odoo's web endpoints called with a user's own session cookie, so Odoo applies that user's access
 * rights and record rules (item 6 of the gateway). The session id is a credential: it goes in the Cookie
 * header only and is never logged.
 */
async function callWithSession (baseUrl: string, sessionId: string, path: string, params: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
  let body: JsonRpcResponse
  try {
    const res = await request(new URL(path, baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `session_id=${sessionId}` },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs
    })
    if (res.statusCode >= 500 || res.statusCode === 429) {
      await res.body.dump()
      throw new OdooUnavailableError(`Odoo answered HTTP ${res.statusCode}`)
    }
    if (res.statusCode !== 200) {
      await res.body.dump()
      throw new OdooRpcError(`Odoo answered HTTP ${res.statusCode}`, res.statusCode === 404 ? 'NotFound' : 'SessionExpired')
    }
    body = await res.body.json() as JsonRpcResponse
  } catch (err) {
    if (err instanceof OdooUnavailableError || err instanceof OdooRpcError) throw err
    throw new OdooUnavailableError(`Odoo unreachable: ${errorMessage(err)}`, undefined, { cause: err })
  }
  if (body.error) throw new OdooRpcError(body.error.data?.message ?? body.error.message, body.error.data?.name ?? 'odoo.error')
  return body.result
}

/** execute_kw as the session's user (`/web/dataset/call_kw`). */
export function sessionKw (baseUrl: string, sessionId: string): OdooKw {
  return {
    async executeKw<T> (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<T> {
      return await callWithSession(baseUrl, sessionId, `/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs }) as T
    }
  }
}

/**
 * Resolves session ids to users, caching answers briefly: a page of a portal makes many queries, and a
 * session logged out meanwhile is still refused by Odoo on the reads themselves.
 */
export class OdooSessions {
  #cache = new Map<string, { info: OdooSessionInfo | null, until: number }>()

  constructor (private readonly baseUrl: string, private readonly db: string, private readonly ttlMs = 30_000) {}

  async resolve (sessionId: string, now = Date.now()): Promise<OdooSessionInfo | null> {
    const key = createHash('sha256').update(sessionId).digest('hex')
    const hit = this.#cache.get(key)
    if (hit && hit.until > now) return hit.info
    const info = await this.#ask(sessionId)
    if (this.#cache.size > 10_000) this.#cache.clear()
    this.#cache.set(key, { info, until: now + this.ttlMs })
    return info
  }

  async #ask (sessionId: string): Promise<OdooSessionInfo | null> {
    let result: Record<string, unknown>
    try {
      result = await callWithSession(this.baseUrl, sessionId, '/web/session/get_session_info', {}) as Record<string, unknown>
    } catch (err) {
      if (err instanceof OdooRpcError) return null // expired or unknown session
      throw err
    }
    // a session of another database on the same Odoo must not read this one
    if (typeof result.uid !== 'number' || result.uid <= 0 || result.db !== this.db) return null
    return {
      uid: result.uid,
      db: result.db,
      partnerId: typeof result.partner_id === 'number' ? result.partner_id : null,
      login: typeof result.username === 'string' ? result.username : `uid ${result.uid}`,
      isInternal: result.is_internal_user === true
    }
  }
}
