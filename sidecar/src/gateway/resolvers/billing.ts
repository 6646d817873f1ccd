import type { GraphQLResolveInfo } from 'graphql'
import type { GatewayContext } from '../context.ts'
import { type InvoiceFilter, invoiceDomain } from '../filters.ts'
import { type InvoiceNode, toInvoice, toPartner, toSyncState } from '../mappers.ts'
import type { PageArgs } from '../pagination.ts'
import { list, odooId, one } from './helpers.ts'

type Ctx = GatewayContext
type Info = GraphQLResolveInfo

export const billingResolvers = {
  Query: {
    invoices: async (_: unknown, args: PageArgs & { filter?: InvoiceFilter }, ctx: Ctx, info: Info) =>
      await list(ctx, info, { typeName: 'Invoice', model: 'account.move', domain: invoiceDomain(args.filter, ctx.exposure), direction: 'desc', map: toInvoice }, args),
    invoice: async (_: unknown, { id }: { id: string }, ctx: Ctx, info: Info) => await one(ctx, info, 'account.move', 'Invoice', odooId('Invoice', id), toInvoice)
  },
  Invoice: {
    status: (i: InvoiceNode, _: unknown, ctx: Ctx) => ctx.exposure.status('account.move', 'state', i.status),
    paymentStatus: (i: InvoiceNode, _: unknown, ctx: Ctx) => ctx.exposure.status('account.move', 'payment_state', i.paymentStatus),
    customer: async (i: InvoiceNode, _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'res.partner', 'Partner', i.customerId, toPartner),
    syncStates: async (i: InvoiceNode, _: unknown, ctx: Ctx) => (await ctx.odoo.syncStates('account.move').load(i.odooId)).map(toSyncState)
  }
}
