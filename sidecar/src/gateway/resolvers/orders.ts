import type { GatewayContext } from '../context.ts'
import { type OrderFilter, orderDomain } from '../filters.ts'
import { type OrderLineNode, type OrderNode, toInvoice, toOrder, toOrderLine, toPartner, toProduct, toShipment, toSyncState } from '../mappers.ts'
import type { PageArgs } from '../pagination.ts'
import { list, many, odooId, one } from './helpers.ts'

type Ctx = GatewayContext

export const orderResolvers = {
  Query: {
    orders: async (_: unknown, args: PageArgs & { filter?: OrderFilter }, ctx: Ctx) =>
      await list(ctx, { typeName: 'Order', model: 'sale.order', domain: orderDomain(args.filter, ctx.exposure), direction: 'desc', map: toOrder }, args),
    order: async (_: unknown, { id }: { id: string }, ctx: Ctx) => await one(ctx, 'sale.order', 'Order', odooId('Order', id), toOrder)
  },
  Order: {
    status: (o: OrderNode, _: unknown, ctx: Ctx) => ctx.exposure.status('sale.order', 'state', o.status),
    deliveryStatus: (o: OrderNode, _: unknown, ctx: Ctx) => ctx.exposure.status('sale.order', 'delivery_status', o.deliveryStatus),
    customer: async (o: OrderNode, _: unknown, ctx: Ctx) => await one(ctx, 'res.partner', 'Partner', o.customerId, toPartner),
    shippingAddress: async (o: OrderNode, _: unknown, ctx: Ctx) => await one(ctx, 'res.partner', 'Partner', o.shippingAddressId, toPartner),
    lines: async (o: OrderNode, _: unknown, ctx: Ctx) => (await many(ctx, 'sale.order.line', o.lineIds, toOrderLine)).filter(l => l.isProductLine),
    shipments: async (o: OrderNode, _: unknown, ctx: Ctx) => await many(ctx, 'stock.picking', o.pickingIds, toShipment),
    invoices: async (o: OrderNode, _: unknown, ctx: Ctx) => await many(ctx, 'account.move', o.invoiceIds, toInvoice),
    syncStates: async (o: OrderNode, _: unknown, ctx: Ctx) => (await ctx.odoo.syncStates('sale.order').load(o.odooId)).map(toSyncState)
  },
  OrderLine: {
    product: async (l: OrderLineNode, _: unknown, ctx: Ctx) => await one(ctx, 'product.product', 'Product', l.productId, toProduct)
  }
}
