import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readBody, sendJson } from '../../sidecar/simulators/http-util.ts'

/**
 * Odoo's JSON-RPC surface as the gateway uses it (search_read / search_count, web sessions), over
 * in-memory records in Odoo's read format: the transport seam for gateway tests that need no real Odoo.
 * Domains support the operators the gateway sends, dotted paths through many2one fields and `child_of`
 * on the res.partner tree. test/e2e runs the same code against real Odoo.
 */
export type Row = Record<string, unknown> & { id: number }

/** many2one fields per model -> target model (for dotted paths and child_of) */
const RELATIONS: Record<string, Record<string, string>> = {
  'sale.order': { partner_id: 'res.partner', partner_shipping_id: 'res.partner' },
  'sale.order.line': { order_id: 'sale.order', product_id: 'product.product' },
  'stock.picking': { partner_id: 'res.partner', sale_id: 'sale.order' },
  'stock.move': { picking_id: 'stock.picking', product_id: 'product.product' },
  'stock.move.line': { picking_id: 'stock.picking', product_id: 'product.product' },
  'account.move': { partner_id: 'res.partner' },
  'hub.tracking.event': { picking_id: 'stock.picking' },
  'res.partner': { parent_id: 'res.partner' }
}

export interface RpcCall { model: string, method: string, via: 'jsonrpc' | 'session', domain: unknown }

export class FakeOdoo {
  readonly tables = new Map<string, Row[]>()
  readonly calls: RpcCall[] = []
  /** session id -> user; `deny` lists models the user has no access right on */
  readonly sessions = new Map<string, { uid: number, partnerId: number, login: string, internal: boolean, deny?: string[] }>()
  /** make the next RPC answer with this Odoo error (name, message) */
  failNext: { name: string, message: string } | null = null
  #server: Server = createServer((req, res) => { void this.#handle(req, res) })

  constructor (readonly db = 'fake') {}

  async start (): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
    return this.url
  }

  get url (): string { return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}` }

  async stop (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  insert (model: string, row: Row): Row {
    const rows = this.tables.get(model) ?? []
    rows.push(row)
    this.tables.set(model, rows)
    return row
  }

  rows (model: string): Row[] { return this.tables.get(model) ?? [] }

  callsTo (model: string): RpcCall[] { return this.calls.filter(c => c.model === model) }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse(await readBody(req) || '{}') as { params?: Record<string, any> }
    const params = body.params ?? {}
    const answer = (result: unknown) => sendJson(res, 200, { jsonrpc: '2.0', id: 1, result })
    const fail = (name: string, message: string) => sendJson(res, 200, { jsonrpc: '2.0', id: 1, error: { code: 200, message: 'Odoo Server Error', data: { name, message } } })
    try {
      if (req.url === '/jsonrpc') {
        if (params.service === 'common' && params.method === 'login') return answer(2)
        if (params.service === 'common' && params.method === 'version') return answer({ server_version: '18.0' })
        const [, , , model, method, args, kwargs] = params.args as [string, number, string, string, string, unknown[], Record<string, unknown>]
        return answer(this.#execute('jsonrpc', model, method, args, kwargs ?? {}))
      }
      const session = /session_id=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
      const user = session ? this.sessions.get(session) : undefined
      if (!user) return fail('odoo.http.SessionExpiredException', 'Session expired')
      if (req.url === '/web/session/get_session_info') {
        return answer({ uid: user.uid, db: this.db, partner_id: user.partnerId, username: user.login, is_internal_user: user.internal })
      }
      if (req.url?.startsWith('/web/dataset/call_kw/')) {
        if (user.deny?.includes(params.model)) return fail('odoo.exceptions.AccessError', `You are not allowed to access '${params.model}' records.`)
        return answer(this.#execute('session', params.model, params.method, params.args, params.kwargs ?? {}))
      }
      sendJson(res, 404, {})
    } catch (err) {
      const e = err as { odooName?: string, message: string }
      fail(e.odooName ?? 'builtins.ValueError', e.message)
    }
  }

  #execute (via: RpcCall['via'], model: string, method: string, args: unknown[], kwargs: Record<string, any>): unknown {
    const domain = args[0] as unknown[]
    this.calls.push({ model, method, via, domain })
    if (this.failNext) {
      const { name, message } = this.failNext
      this.failNext = null
      throw Object.assign(new Error(message), { odooName: name })
    }
    let rows = this.rows(model).filter(r => this.#matches(model, r, domain))
    if (method === 'search_count') return rows.length
    if (method !== 'search_read') throw new Error(`fake Odoo has no ${method}`)
    if (String(kwargs.order ?? 'id').includes('desc')) rows = [...rows].sort((a, b) => b.id - a.id)
    else rows = [...rows].sort((a, b) => a.id - b.id)
    if (kwargs.limit) rows = rows.slice(0, kwargs.limit as number)
    const fields = kwargs.fields as string[] | undefined
    return rows.map(r => fields ? Object.fromEntries([['id', r.id], ...fields.map(f => [f, r[f] ?? false])]) : r)
  }

  /** The value a (possibly dotted) path leads to; many2one hops follow [id, name] into the target table. */
  #value (model: string, row: Row, path: string): { model: string, value: unknown } {
    const [head, ...rest] = path.split('.')
    const value = head === 'id' ? row.id : row[head!]
    if (rest.length === 0) return { model: RELATIONS[model]?.[head!] ?? model, value }
    const target = RELATIONS[model]?.[head!]
    const id = Array.isArray(value) ? value[0] : null
    const next = target && this.rows(target).find(r => r.id === id)
    return next ? this.#value(target, next, rest.join('.')) : { model: target ?? model, value: false }
  }

  #isChildOf (partnerId: unknown, ancestor: number): boolean {
    let current = typeof partnerId === 'number' ? partnerId : Array.isArray(partnerId) ? partnerId[0] as number : null
    for (let i = 0; current != null && i < 50; i++) {
      if (current === ancestor) return true
      const p = this.rows('res.partner').find(r => r.id === current)
      current = Array.isArray(p?.parent_id) ? p.parent_id[0] as number : null
    }
    return false
  }

  #matches (model: string, row: Row, domain: unknown[]): boolean {
    return domain.every(leaf => {
      if (!Array.isArray(leaf)) throw new Error(`fake Odoo supports only implicit AND, got ${JSON.stringify(leaf)}`)
      const [path, op, expected] = leaf as [string, string, any]
      const { value } = this.#value(model, row, path)
      const plain = Array.isArray(value) && value.length === 2 && typeof value[1] === 'string' ? value[0] : value
      switch (op) {
        case '=': return plain === expected || (expected === false && (plain === false || plain == null))
        case '!=': return expected === false ? plain !== false && plain != null : plain !== expected
        case 'in': return Array.isArray(plain) ? plain.some(v => expected.includes(v)) : expected.includes(plain)
        case 'not in': return !expected.includes(plain)
        case '<': return (plain as any) < expected
        case '>': return (plain as any) > expected
        case '<=': return (plain as any) <= expected
        case '>=': return (plain as any) >= expected
        case 'ilike': return typeof plain === 'string' && plain.toLowerCase().includes(String(expected).toLowerCase())
        case 'child_of': return this.#isChildOf(plain, expected as number)
        default: throw new Error(`fake Odoo has no operator ${op}`)
      }
    })
  }
}
