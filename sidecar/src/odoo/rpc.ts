import { request } from 'undici'
import { OdooRpcError, OdooUnavailableError, errorMessage } from '../errors.ts'
import { isOdooUnavailable } from './odoo-error-kind.ts'

export interface OdooSettings { url: string, db: string, user: string, password: string, timeoutMs?: number }

interface JsonRpcResponse { result?: unknown, error?: { message: string, data?: { name?: string, message?: string } } }

/**
 * Minimal Odoo 18 JSON-RPC client (`/jsonrpc`, `execute_kw`). It logs in lazily and again after a
 * failure, so an Odoo restart (or a password change) needs no sidecar restart.
 */
export class OdooClient {
  #uid: number | null = null
  constructor (private readonly settings: OdooSettings) {}

  async version (): Promise<unknown> {
    return await this.#call('common', 'version', [])
  }

  async executeKw<T = unknown> (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<T> {
    const uid = await this.#login()
    const { db, password } = this.settings
    try {
      return await this.#call('object', 'execute_kw', [db, uid, password, model, method, args, kwargs]) as T
    } catch (err) {
      if (err instanceof OdooUnavailableError) this.#uid = null
      throw err
    }
  }

  async #login (): Promise<number> {
    if (this.#uid !== null) return this.#uid
    const { db, user, password } = this.settings
    const uid = await this.#call('common', 'login', [db, user, password])
    if (typeof uid !== 'number' || uid <= 0) {
      throw new OdooRpcError(`Odoo login refused for user ${user} on database ${db}`, 'AccessDenied')
    }
    this.#uid = uid
    return uid
  }

  async #call (service: string, method: string, args: unknown[]): Promise<unknown> {
    const timeout = this.settings.timeoutMs ?? 30_000
    let body: JsonRpcResponse
    try {
      const res = await request(new URL('/jsonrpc', this.settings.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: Date.now(), params: { service, method, args } }),
        headersTimeout: timeout,
        bodyTimeout: timeout
      })
      if (res.statusCode >= 500 || res.statusCode === 429) {
        await res.body.dump()
        throw new OdooUnavailableError(`Odoo answered HTTP ${res.statusCode}`)
      }
      body = await res.body.json() as JsonRpcResponse
    } catch (err) {
      if (err instanceof OdooUnavailableError) throw err
      throw new OdooUnavailableError(`Odoo unreachable: ${errorMessage(err)}`, undefined, { cause: err })
    }
    if (body.error) {
      const name = body.error.data?.name ?? 'odoo.error'
      const message = body.error.data?.message ?? body.error.message
      // a database outage or a concurrency failure Odoo gave up on: the same call will work later
      if (isOdooUnavailable(name, message)) throw new OdooUnavailableError(`Odoo unavailable (${name}): ${message}`)
      throw new OdooRpcError(message, name)
    }
    return body.result
  }
}
