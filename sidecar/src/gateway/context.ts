import DataLoader from 'dataloader'
import type { YogaInitialContext } from 'graphql-yoga'
import type { Pool } from '../db/pool.ts'
import type { Logger } from '../observability/logger.ts'
import { OdooLoaders } from '../odoo/loaders.ts'
import type { OdooReader } from '../odoo/reader.ts'
import { type BackendBudget, budgetedReader } from './backend-budget.ts'
import { type ShipmentBooking, loadBookings } from './bookings.ts'
import type { Caller } from '../auth/caller.ts'
import type { Exposure, ExposurePolicy } from './exposure.ts'
import type { CarrierTracking, LiveTracking } from './live/carrier-tracking.ts'
import { type OrderProcess, loadOrderProcesses } from './order-process.ts'
import type { WarehouseStock } from './live/warehouse-stock.ts'
import { currentRequest } from './request-context.ts'
import { scopedReader } from './scope.ts'

/** Live partner data of one operation, batched per field like the Odoo loaders. */
export interface LiveData {
  warehouseAvailable: DataLoader<string, number | null>
  tracking: DataLoader<number, LiveTracking | null>
  /** carrier bookings of pickings (hub columns, read by SQL; null for Odoo users: hub users only in Odoo) */
  bookings: DataLoader<number, ShipmentBooking | null>
  /** order-to-delivery processes of orders (hub tables, read by SQL; null for Odoo users: hub users only in Odoo) */
  processes: DataLoader<number, OrderProcess | null>
}

export interface GatewayContext extends YogaInitialContext {
  caller: Caller
  odoo: OdooLoaders
  exposure: Exposure
  live: LiveData
  /** carries the request's correlation id */
  log: Logger
}

export interface DataSources {
  pool: Pool
  /** the reader for this caller before scoping (integration user, or the Odoo user's session) */
  readerFor: (caller: Caller) => OdooReader
  /** every Odoo call of a caller waits for its share of this budget (one per gateway) */
  backend: BackendBudget
  exposure: ExposurePolicy
  warehouseStock: WarehouseStock
  carrierTracking: CarrierTracking
  log: Logger
}

/** What the gateway adds to yoga's context besides the caller. */
export type RequestData = Omit<GatewayContext, keyof YogaInitialContext | 'caller'>

/** Everything resolvers read, built per operation so loader caches never cross callers. */
export async function createRequestData (caller: Caller, sources: DataSources): Promise<RequestData> {
  return {
    log: currentRequest()?.log ?? sources.log,
    // budgeted per rate key (one API client, IdP subject or Odoo user), whatever the number of its requests
    odoo: new OdooLoaders(scopedReader(budgetedReader(sources.readerFor(caller), sources.backend, caller.rateKey), caller)),
    exposure: await sources.exposure.forAudience(caller.audience),
    live: {
      warehouseAvailable: new DataLoader(skus => sources.warehouseStock.available(skus)),
      tracking: new DataLoader(ids => sources.carrierTracking.track(ids)),
      bookings: new DataLoader(async ids => {
        if (caller.odooSession) return ids.map(() => null)
        const found = await loadBookings(sources.pool, ids)
        return ids.map(id => found.get(id) ?? null)
      }),
      processes: new DataLoader(async ids => {
        if (caller.odooSession) return ids.map(() => null)
        const found = await loadOrderProcesses(sources.pool, ids)
        return ids.map(id => found.get(id) ?? null)
      })
    }
  }
}
