import DataLoader from 'dataloader'
import type { GraphQLResolveInfo } from 'graphql'
import type { OdooRow } from '../../odoo/reader.ts'
import type { Scope } from '../../auth/caller.ts'
import type { GatewayContext } from '../context.ts'
import { badInput, forbidden, notFound } from '../errors.ts'
import { toInvoice, toOrder, toShipment } from '../mappers.ts'
import { odooFieldsFor } from '../odoo-fields.ts'
import { odooId, one } from './helpers.ts'
import { stockLevelBySku } from './inventory.ts'

type Ctx = GatewayContext

const MAX_REPRESENTATIONS = 100

interface EntitySpec { scope: Scope, key: 'id' | 'sku', load: (ctx: Ctx, info: GraphQLResolveInfo, key: string) => Promise<unknown> }

// Partner subgraphs (a TMS, a customs broker) know a shipment by its tracking number, not the hub's id: the
// supergraph's gateway fetches hub fields of shipments they return by that key, all of one level at once.
// One loader per request and field list: two selections of one request may read different fields.
const trackingLoaders = new WeakMap<Ctx, Map<string, DataLoader<string, OdooRow | null>>>()

async function shipmentByTracking (ctx: Ctx, info: GraphQLResolveInfo, trackingNumber: string): Promise<unknown> {
  const fields = [...new Set([...odooFieldsFor(info, 'Shipment'), 'hub_tracking_number'])].sort()
  const loaders = trackingLoaders.get(ctx) ?? new Map<string, DataLoader<string, OdooRow | null>>()
  trackingLoaders.set(ctx, loaders)
  let loader = loaders.get(fields.join(','))
  if (!loader) {
    // the scoped reader adds the caller's partner to the domain: another partner's number finds nothing;
    // a number on several deliveries (a return, a backorder) is the newest one's
    loader = new DataLoader(async numbers => {
      const rows = await ctx.odoo.search('stock.picking', [['hub_tracking_number', 'in', [...numbers]]], { order: 'id desc' }, fields)
      return numbers.map(n => rows.find(r => r.hub_tracking_number === n) ?? null)
    }, { maxBatchSize: MAX_REPRESENTATIONS })
    loaders.set(fields.join(','), loader)
  }
  const row = await loader.load(trackingNumber)
  if (!row) throw notFound('Shipment', trackingNumber)
  return toShipment(row)
}

/** Entities resolve through the same scoped loaders as every other read (so they batch, and isolate). */
const ENTITIES: Record<string, EntitySpec> = {
  Order: { scope: 'orders:read', key: 'id', load: async (ctx, info, id) => await one(ctx, info, 'sale.order', 'Order', odooId('Order', id), toOrder) },
  Shipment: { scope: 'shipments:read', key: 'id', load: async (ctx, info, id) => await one(ctx, info, 'stock.picking', 'Shipment', odooId('Shipment', id), toShipment) },
  Invoice: { scope: 'invoices:read', key: 'id', load: async (ctx, info, id) => await one(ctx, info, 'account.move', 'Invoice', odooId('Invoice', id), toInvoice) },
  StockLevel: {
    scope: 'inventory:read',
    key: 'sku',
    load: async (ctx, _info, sku) => {
      const level = await stockLevelBySku(ctx, sku)
      if (!level) throw notFound('StockLevel', sku)
      return level
    }
  }
}

async function entity (ctx: Ctx, info: GraphQLResolveInfo, representation: unknown): Promise<unknown> {
  const rep = (representation && typeof representation === 'object' ? representation : {}) as Record<string, unknown>
  const spec = typeof rep.__typename === 'string' ? ENTITIES[rep.__typename] : undefined
  if (!spec) throw badInput('representation needs a __typename of Order, Shipment, Invoice or StockLevel')
  if (!ctx.caller.scopes.has(spec.scope)) throw forbidden(spec.scope)
  if (rep.__typename === 'Shipment' && rep.id === undefined && typeof rep.trackingNumber === 'string') {
    return await shipmentByTracking(ctx, info, rep.trackingNumber)
  }
  const key = rep[spec.key]
  if (typeof key !== 'string' && typeof key !== 'number') throw badInput(`representation of ${rep.__typename as string} needs ${spec.key}`)
  return await spec.load(ctx, info, String(key))
}

export function federationResolvers (sdl: string) {
  return {
    Query: {
      _service: () => ({ sdl }),
      // one promise per representation: a failing one becomes null + its own error, the others still resolve
      _entities: (_: unknown, { representations }: { representations: unknown[] }, ctx: Ctx, info: GraphQLResolveInfo) => {
        if (representations.length > MAX_REPRESENTATIONS) throw badInput(`at most ${MAX_REPRESENTATIONS} representations per query`)
        return representations.map(rep => entity(ctx, info, rep))
      }
    },
    _Entity: {
      __resolveType: (node: { __typename?: string }) => node.__typename ?? null
    }
  }
}
