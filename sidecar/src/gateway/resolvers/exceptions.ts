import type { GraphQLResolveInfo } from 'graphql'
import type { OdooRow } from '../../odoo/reader.ts'
import type { Scope } from '../../auth/caller.ts'
import type { GatewayContext } from '../context.ts'
import { badInput } from '../errors.ts'
import { type ExceptionFilter, exceptionDomain } from '../filters.ts'
import { type ExceptionNode, toException, toShipment } from '../mappers.ts'
import { connectionOf, decodeCursor, pageOf, type PageArgs } from '../pagination.ts'
import { one } from './helpers.ts'

type Ctx = GatewayContext

/** Which scope lets a caller see exceptions of which records. */
const MODEL_SCOPES: Record<string, Scope> = { 'sale.order': 'orders:read', 'stock.picking': 'shipments:read', 'account.move': 'invoices:read' }
/** exceptions considered per query, newest first; far above what a healthy hub has open at once */
const WINDOW = 5000

/**
 * hub.exception rows have no partner of their own: they point at a record by (res_model, res_id). They
 * are read newest first, then kept only when the record they point at passes the caller's partner scope
 * (one scoped search per model), so the list shows nothing of anyone else.
 */
async function ownedExceptions (ctx: Ctx, filter: ExceptionFilter | null | undefined): Promise<OdooRow[]> {
  const models = Object.entries(MODEL_SCOPES).filter(([m, s]) => ctx.caller.scopes.has(s) && (!filter?.model || filter.model === m)).map(([m]) => m)
  if (models.length === 0) return []
  const rows = await ctx.odoo.search('hub.exception', exceptionDomain(filter, models, ctx.exposure), { order: 'id desc', limit: WINDOW })
  if (rows.length === WINDOW) ctx.log.warn({ window: WINDOW }, 'more exceptions than the exceptions query considers')
  const visible = new Map(await Promise.all(models.map(async m =>
    [m, await ctx.odoo.visibleIds(m, rows.filter(r => r.res_model === m).map(r => r.res_id as number))] as const)))
  return rows.filter(r => visible.get(r.res_model as string)?.has(r.res_id as number))
}

export const exceptionResolvers = {
  Query: {
    exceptions: async (_: unknown, args: PageArgs & { filter?: ExceptionFilter }, ctx: Ctx) => {
      if (args.filter?.model && !(args.filter.model in MODEL_SCOPES)) throw badInput('model must be sale.order, stock.picking or account.move')
      const page = pageOf('Exception', args, 'desc')
      const afterId = args.after ? decodeCursor('Exception', args.after) : null
      const owned = await ownedExceptions(ctx, args.filter)
      const rest = owned.filter(r => afterId === null || r.id < afterId)
      const items = rest.slice(0, page.limit + 1).map(r => ({ id: r.id, node: toException(r) }))
      return connectionOf('Exception', items, page, args.after, async () => owned.length)
    }
  },
  Exception: {
    status: (e: ExceptionNode, _: unknown, ctx: Ctx) => ctx.exposure.status('hub.exception', 'state', e.status),
    shipment: async (e: ExceptionNode, _: unknown, ctx: Ctx, info: GraphQLResolveInfo) => await one(ctx, info, 'stock.picking', 'Shipment', e.pickingId, toShipment)
  }
}
