import type { GraphQLResolveInfo } from 'graphql'
import type { GatewayContext } from '../context.ts'
import type { LiveTracking } from '../live/carrier-tracking.ts'
import { partnerUnavailable } from '../errors.ts'
import { type ShipmentFilter, shipmentDomain } from '../filters.ts'
import { type PackageNode, type ShipmentLineNode, type ShipmentNode, toOrder, toPackages, toPartner, toProduct, toShipment, toShipmentLine, toSyncState, type TrackingEventNode, trackingHistory } from '../mappers.ts'
import type { PageArgs } from '../pagination.ts'
import { list, many, odooId, one } from './helpers.ts'

type Ctx = GatewayContext
type Info = GraphQLResolveInfo

export const shipmentResolvers = {
  Query: {
    shipments: async (_: unknown, args: PageArgs & { filter?: ShipmentFilter }, ctx: Ctx, info: Info) =>
      await list(ctx, info, { typeName: 'Shipment', model: 'stock.picking', domain: shipmentDomain(args.filter, ctx.exposure), direction: 'desc', map: toShipment }, args),
    shipment: async (_: unknown, { id }: { id: string }, ctx: Ctx, info: Info) => await one(ctx, info, 'stock.picking', 'Shipment', odooId('Shipment', id), toShipment)
  },
  Shipment: {
    status: (s: ShipmentNode, _: unknown, ctx: Ctx) => ctx.exposure.status('stock.picking', 'state', s.status),
    carrier: async (s: ShipmentNode, _: unknown, ctx: Ctx) => (await ctx.live.bookings.load(s.odooId))?.carrier ?? null,
    trackingNumber: async (s: ShipmentNode, _: unknown, ctx: Ctx) => (await ctx.live.bookings.load(s.odooId))?.trackingNumber ?? null,
    trackingStatus: async (s: ShipmentNode, _: unknown, ctx: Ctx) => ctx.exposure.lifecycle((await ctx.live.bookings.load(s.odooId))?.status ?? null),
    destination: async (s: ShipmentNode, _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'res.partner', 'Partner', s.destinationId, toPartner),
    order: async (s: ShipmentNode, _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'sale.order', 'Order', s.orderId, toOrder),
    lines: async (s: ShipmentNode, _: unknown, ctx: Ctx, info: Info) => await many(ctx, info, 'stock.move', 'ShipmentLine', s.moveIds, toShipmentLine),
    packages: async (s: ShipmentNode, _: unknown, ctx: Ctx) => toPackages(await ctx.odoo.children('stock.move.line', 'picking_id').load(s.odooId)),
    trackingHistory: async (s: ShipmentNode, _: unknown, ctx: Ctx) => {
      const [stages, scans] = await Promise.all([ctx.odoo.warehouseStages().load(s.odooId), ctx.odoo.carrierEvents().load(s.odooId)])
      return trackingHistory(stages, scans)
    },
    liveTracking: async (s: ShipmentNode, _: unknown, ctx: Ctx) => {
      // the booking is read from hub columns Odoo shows to hub users only: Odoo users see tracking in Odoo
      if (ctx.caller.odooSession) return null
      const answer = await ctx.live.tracking.load(s.odooId).catch((err: unknown) => err as Error)
      if (answer instanceof Error) {
        ctx.log.warn({ shipment: s.odooId, err: answer.message }, 'carrier tracking unavailable')
        throw partnerUnavailable('the carrier')
      }
      return answer
    },
    syncStates: async (s: ShipmentNode, _: unknown, ctx: Ctx) => (await ctx.odoo.syncStates('stock.picking').load(s.odooId)).map(toSyncState)
  },
  TrackingEvent: {
    status: (t: TrackingEventNode, _: unknown, ctx: Ctx) => ctx.exposure.lifecycle(t.status)
  },
  LiveTracking: {
    status: (t: LiveTracking, _: unknown, ctx: Ctx) => ctx.exposure.lifecycle(t.status)
  },
  ShipmentLine: {
    product: async (l: ShipmentLineNode, _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'product.product', 'Product', l.productId, toProduct)
  },
  PackageItem: {
    product: async (i: PackageNode['items'][number], _: unknown, ctx: Ctx, info: Info) => await one(ctx, info, 'product.product', 'Product', i.productId, toProduct)
  }
}
