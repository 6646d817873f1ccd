import type { Domain, OdooRow } from '../../odoo/reader.ts'
import type { GatewayContext } from '../context.ts'
import { badInput, notFound } from '../errors.ts'
import { type Connection, type Direction, type PageArgs, connectionOf, pageOf } from '../pagination.ts'

/** GraphQL ID -> Odoo id; anything but a positive integer is a client error. */
export function odooId (typeName: string, id: string): number {
  if (!/^\d{1,10}$/.test(id) || Number(id) <= 0) throw badInput(`invalid ${typeName} id`)
  return Number(id)
}

/** A single reference (many2one): null when empty, NOT_FOUND when not visible to the caller. */
export async function one<T> (ctx: GatewayContext, model: string, typeName: string, id: number | null, map: (row: OdooRow) => T): Promise<T | null> {
  if (id === null) return null
  const row = await ctx.odoo.record(model).load(id)
  if (!row) throw notFound(typeName, id)
  return map(row)
}

/** A list of references (x2many): records the caller may not see are left out. */
export async function many<T> (ctx: GatewayContext, model: string, ids: number[], map: (row: OdooRow) => T): Promise<T[]> {
  const rows = await ctx.odoo.record(model).loadMany(ids)
  const failed = rows.find((r): r is Error => r instanceof Error)
  if (failed) throw failed
  return (rows as Array<OdooRow | null>).filter((r): r is OdooRow => r !== null).map(map)
}

export interface ListSpec<T> { typeName: string, model: string, domain: Domain, direction: Direction, map: (row: OdooRow) => T }

/** A root connection: one search for the page (+1 row to know whether more exist), a count only if asked. */
export async function list<T> (ctx: GatewayContext, spec: ListSpec<T>, args: PageArgs): Promise<Connection<T>> {
  const page = pageOf(spec.typeName, args, spec.direction)
  const rows = page.limit === 0 ? [] : await ctx.odoo.search(spec.model, [...spec.domain, ...page.cursorDomain], { limit: page.limit + 1, order: page.order })
  return connectionOf(spec.typeName, rows.map(r => ({ id: r.id, node: spec.map(r) })), page, args.after, async () => await ctx.odoo.count(spec.model, spec.domain))
}
