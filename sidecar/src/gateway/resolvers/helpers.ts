import type { GraphQLResolveInfo } from 'graphql'
import type { Domain, OdooRow } from '../../odoo/reader.ts'
import type { GatewayContext } from '../context.ts'
import { badInput, notFound } from '../errors.ts'
import { odooFieldsFor } from '../odoo-fields.ts'
import { type Connection, type Direction, type PageArgs, connectionOf, isOdooId, pageOf } from '../pagination.ts'

/** GraphQL ID -> Odoo id; anything but a positive integer is a client error. */
export function odooId (typeName: string, id: string): number {
  if (!/^\d{1,10}$/.test(id) || !isOdooId(Number(id))) throw badInput(`invalid ${typeName} id`)
  return Number(id)
}

/**
 * A single reference (many2one), read with the fields the query selects on it: null when empty,
 * NOT_FOUND when not visible to the caller.
 */
export async function one<T> (ctx: GatewayContext, info: GraphQLResolveInfo, model: string, typeName: string, id: number | null, map: (row: OdooRow) => T): Promise<T | null> {
  if (id === null) return null
  const row = await ctx.odoo.record(model).load(id, odooFieldsFor(info, typeName))
  if (!row) throw notFound(typeName, id)
  return map(row)
}

/**
 * A list of references (x2many), read with the fields the query selects (and `alsoRead`, which the
 * resolver itself needs): records the caller may not see are left out.
 */
export async function many<T> (ctx: GatewayContext, info: GraphQLResolveInfo, model: string, typeName: string, ids: number[], map: (row: OdooRow) => T, alsoRead: string[] = []): Promise<T[]> {
  const rows = await ctx.odoo.record(model).loadMany(ids, [...odooFieldsFor(info, typeName), ...alsoRead])
  return rows.filter((r): r is OdooRow => r !== null).map(map)
}

export interface ListSpec<T> {
  typeName: string, model: string, domain: Domain, direction: Direction, map: (row: OdooRow) => T
  /** what to read; by default the fields the query selects on the nodes */
  fields?: string[]
}

/** A root connection: one search for the page (+1 row to know whether more exist), a count only if asked. */
export async function list<T> (ctx: GatewayContext, info: GraphQLResolveInfo, spec: ListSpec<T>, args: PageArgs): Promise<Connection<T>> {
  const page = pageOf(spec.typeName, args, spec.direction)
  const fields = spec.fields ?? odooFieldsFor(info, spec.typeName)
  const rows = page.limit === 0 ? [] : await ctx.odoo.search(spec.model, [...spec.domain, ...page.cursorDomain], { limit: page.limit + 1, order: page.order }, fields)
  return connectionOf(spec.typeName, rows.map(r => ({ id: r.id, node: spec.map(r) })), page, args.after, async () => await ctx.odoo.count(spec.model, spec.domain))
}
