import type { GraphQLResolveInfo } from 'graphql'
import type { GatewayContext } from '../context.ts'
import { type OrderFilter, orderDomain } from '../filters.ts'
import { type OrderLineNode, type OrderNode, toInvoice, toOrder, toOrderLine, toPartner, toProduct, toShipment, toSyncState } from '../mappers.ts'
import type { PageArgs } from '../pagination.ts'
import { list, many, odooId, one } from './helpers.ts'

type Ctx = GatewayContext
type Info = GraphQLResolveInfo

export const orderResolvers = {
  Query: {
    orders: async (_: unknown, args: PageArgs & { filter?: OrderFilter }, ctx: Ctx, info: Info) =>
      await list(ctx, info, { typeName: 'Order', model: 'sale.order', domain: orderDomain(args.filter, ctx.exposure), direction: 'desc', map: toOrder }, args),
    order: async (_: unknown, { id }: { id: string }, ctx: Ctx, info: Info) => await one(ctx, info, 'sale.order', 'Order', odooId('Order', id), toOrder)
  },
  Order: {
    status: (o: OrderNode, _: unknown, ctx: Ctx) => ctx.exposure.status('sale.order', 'state', o.status),
    deliveryStatus: (o: OrderNode, _: unknown, ctx: Ctx) => ctx.exposure.status('sale.order', 'delivery_status', o.deliveryStatus),
    customer: async (o: OrderNode, _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'res.partner', 'Partner', o.customerId, toPartner),
    shippingAddress: async (o: OrderNode, _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'res.partner', 'Partner', o.shippingAddressId, toPartner),
    // section and note lines are left out, so the line type is always read
    lines: async (o: OrderNode, _: unknown, ctx: Ctx, info: Info) =>
      (await many(ctx, info, 'sale.order.line', 'OrderLine', o.lineIds, toOrderLine, ['display_type'])).filter(l => l.isProductLine),
    shipments: async (o: OrderNode, _: unknown, ctx: Ctx, info: Info) => await many(ctx, info, 'stock.picking', 'Shipment', o.pickingIds, toShipment),
    invoices: async (o: OrderNode, _: unknown, ctx: Ctx, info: Info) => await many(ctx, info, 'account.move', 'Invoice', o.invoiceIds, toInvoice),
    syncStates: async (o: OrderNode, _: unknown, ctx: Ctx) => (await ctx.odoo.syncStates('sale.order').load(o.odooId)).map(toSyncState),
    process: async (o: OrderNode, _: unknown, ctx: Ctx) => await ctx.live.processes.load(o.odooId)
  },
  OrderLine: {
    product: async (l: OrderLineNode, _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'product.product', 'Product', l.productId, toProduct)
  }
}
