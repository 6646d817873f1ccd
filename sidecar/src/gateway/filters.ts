import type { Domain } from '../odoo/reader.ts'
import { badInput } from './errors.ts'
import type { Exposure } from './exposure.ts'

/**
 * GraphQL filters -> Odoo domains (pure). Field names come from this file only, never from input;
 * input values travel as domain values. The partner clause is added later by the choke point
 * (scope.ts), so no filter can widen it.
 */
const MAX_TEXT = 200
const MAX_LIST = 100

function text (name: string, value: string | null | undefined): string | null {
  if (value == null) return null
  if (value.length > MAX_TEXT) throw badInput(`${name} is longer than ${MAX_TEXT} characters`)
  // PostgreSQL text cannot hold NUL: Odoo would fail with an SQL error instead of matching nothing
  if (value.includes('\u0000')) throw badInput(`${name} contains a NUL character`)
  return value
}

function list (name: string, value: string[] | null | undefined): string[] | null {
  if (value == null) return null
  if (value.length > MAX_LIST) throw badInput(`${name} has more than ${MAX_LIST} entries`)
  for (const v of value) text(name, v)
  return value
}

function statusLeaf (exposure: Exposure, model: string, field: string, shown: string[] | null | undefined): Domain {
  const statuses = list('status', shown)
  return statuses ? [[field, 'in', exposure.internalStatuses(model, field, statuses)]] : []
}

function range (field: string, after: string | null | undefined, before: string | null | undefined): Domain {
  const d: Domain = []
  if (after) d.push([field, '>=', after])
  if (before) d.push([field, '<', before])
  return d
}

export interface OrderFilter { status?: string[] | null, number?: string | null, clientReference?: string | null, orderedAfter?: string | null, orderedBefore?: string | null }

export function orderDomain (f: OrderFilter | null | undefined, exposure: Exposure): Domain {
  if (!f) return []
  const d: Domain = [...statusLeaf(exposure, 'sale.order', 'state', f.status), ...range('date_order', f.orderedAfter, f.orderedBefore)]
  const number = text('number', f.number)
  if (number) d.push(['name', 'ilike', number])
  const ref = text('clientReference', f.clientReference)
  if (ref) d.push(['client_order_ref', '=', ref])
  return d
}

export interface ShipmentFilter { status?: string[] | null, number?: string | null, origin?: string | null, scheduledAfter?: string | null, scheduledBefore?: string | null }

export function shipmentDomain (f: ShipmentFilter | null | undefined, exposure: Exposure): Domain {
  if (!f) return []
  const d: Domain = [...statusLeaf(exposure, 'stock.picking', 'state', f.status), ...range('scheduled_date', f.scheduledAfter, f.scheduledBefore)]
  const number = text('number', f.number)
  if (number) d.push(['name', 'ilike', number])
  const origin = text('origin', f.origin)
  if (origin) d.push(['origin', '=', origin])
  return d
}

export interface InvoiceFilter { status?: string[] | null, paymentStatus?: string[] | null, number?: string | null, invoicedAfter?: string | null, invoicedBefore?: string | null }

export function invoiceDomain (f: InvoiceFilter | null | undefined, exposure: Exposure): Domain {
  if (!f) return []
  const d: Domain = [
    ...statusLeaf(exposure, 'account.move', 'state', f.status),
    ...statusLeaf(exposure, 'account.move', 'payment_state', f.paymentStatus),
    // invoice_date is a date: compare on the date part of the given instants
    ...range('invoice_date', f.invoicedAfter?.slice(0, 10), f.invoicedBefore?.slice(0, 10))
  ]
  const number = text('number', f.number)
  if (number) d.push(['name', 'ilike', number])
  return d
}

export interface StockLevelFilter { skus?: string[] | null, inStock?: boolean | null }

export function stockDomain (f: StockLevelFilter | null | undefined): Domain {
  const d: Domain = [['is_storable', '=', true], ['default_code', '!=', false]]
  const skus = list('skus', f?.skus)
  if (skus) d.push(['default_code', 'in', skus])
  if (f?.inStock) d.push(['free_qty', '>', 0])
  return d
}

export interface ExceptionFilter { status?: string[] | null, reason?: string[] | null, model?: string | null }

/** Exceptions of the given record models (the caller's scopes decide which); partner filtering follows. */
export function exceptionDomain (f: ExceptionFilter | null | undefined, models: string[], exposure: Exposure): Domain {
  const d: Domain = [['res_model', 'in', models], ...statusLeaf(exposure, 'hub.exception', 'state', f?.status)]
  const reasons = list('reason', f?.reason)
  if (reasons) d.push(['reason', 'in', reasons])
  return d
}
