import { type OdooRow, refId } from '../odoo/reader.ts'

/**
 * Pure mappers from Odoo rows to the canonical GraphQL model (graphql/*.graphql). Odoo answers `false`
 * for empty values, many2one as `[id, name]` and datetimes as "YYYY-MM-DD HH:MM:SS" in UTC.
 * Relations stay ids here; resolvers load them through the scoped loaders.
 */
const str = (v: unknown): string | null => typeof v === 'string' && v !== '' ? v : null
const num = (v: unknown): number | null => typeof v === 'number' ? v : null
const ids = (v: unknown): number[] => Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []
const refName = (v: unknown): string | null => Array.isArray(v) && typeof v[1] === 'string' ? v[1] : null

/** Odoo datetime (UTC, no zone) -> ISO-8601 with Z; a date stays a date. */
function isoDateTime (v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v) ? `${v.replace(' ', 'T')}Z` : v
}

export interface OrderNode {
  __typename: 'Order', id: string, odooId: number, number: string, clientReference: string | null, status: string | null,
  deliveryStatus: string | null, orderedAt: string | null, commitmentDate: string | null, currency: string | null,
  amountUntaxed: number | null, amountTotal: number | null, customerId: number | null, shippingAddressId: number | null,
  lineIds: number[], pickingIds: number[], invoiceIds: number[]
}

export function toOrder (r: OdooRow): OrderNode {
  return {
    __typename: 'Order', id: String(r.id), odooId: r.id, number: str(r.name) ?? '', clientReference: str(r.client_order_ref),
    status: str(r.state), deliveryStatus: str(r.delivery_status), orderedAt: isoDateTime(r.date_order),
    commitmentDate: isoDateTime(r.commitment_date), currency: refName(r.currency_id), amountUntaxed: num(r.amount_untaxed),
    amountTotal: num(r.amount_total), customerId: refId(r.partner_id), shippingAddressId: refId(r.partner_shipping_id),
    lineIds: ids(r.order_line), pickingIds: ids(r.picking_ids), invoiceIds: ids(r.invoice_ids)
  }
}

export interface OrderLineNode {
  id: string, isProductLine: boolean, description: string | null, productId: number | null, quantity: number,
  quantityDelivered: number | null, quantityInvoiced: number | null, unitOfMeasure: string | null, unitPrice: number | null, subtotal: number | null
}

export function toOrderLine (r: OdooRow): OrderLineNode {
  return {
    id: String(r.id), isProductLine: !str(r.display_type), description: str(r.name), productId: refId(r.product_id),
    quantity: num(r.product_uom_qty) ?? 0, quantityDelivered: num(r.qty_delivered), quantityInvoiced: num(r.qty_invoiced),
    unitOfMeasure: refName(r.product_uom), unitPrice: num(r.price_unit), subtotal: num(r.price_subtotal)
  }
}

export interface ProductNode {
  id: string, sku: string | null, name: string, unitOfMeasure: string | null,
  storable: boolean, onHand: number, available: number, forecast: number
}

export function toProduct (r: OdooRow): ProductNode {
  return {
    id: String(r.id), sku: str(r.default_code), name: str(r.name) ?? '', unitOfMeasure: refName(r.uom_id),
    storable: r.is_storable === true, onHand: num(r.qty_available) ?? 0, available: num(r.free_qty) ?? 0, forecast: num(r.virtual_available) ?? 0
  }
}

export interface StockLevelNode { __typename: 'StockLevel', sku: string, product: ProductNode, onHand: number, available: number, forecast: number }

/** Null for a product without SKU: a stock level is identified (and federated) by its SKU. */
export function toStockLevel (product: ProductNode): StockLevelNode | null {
  if (!product.sku) return null
  return { __typename: 'StockLevel', sku: product.sku, product, onHand: product.onHand, available: product.available, forecast: product.forecast }
}

export interface PartnerNode { id: string, name: string | null, street: string | null, city: string | null, zip: string | null, country: string | null }

export function toPartner (r: OdooRow): PartnerNode {
  return { id: String(r.id), name: str(r.name), street: str(r.street), city: str(r.city), zip: str(r.zip), country: refName(r.country_id) }
}

export interface ShipmentNode {
  __typename: 'Shipment', id: string, odooId: number, number: string, status: string | null, origin: string | null,
  scheduledAt: string | null, shippedAt: string | null, destinationId: number | null, orderId: number | null, moveIds: number[]
}

export function toShipment (r: OdooRow): ShipmentNode {
  return {
    __typename: 'Shipment', id: String(r.id), odooId: r.id, number: str(r.name) ?? '', status: str(r.state), origin: str(r.origin),
    scheduledAt: isoDateTime(r.scheduled_date), shippedAt: isoDateTime(r.date_done), destinationId: refId(r.partner_id),
    orderId: refId(r.sale_id), moveIds: ids(r.move_ids)
  }
}

export interface ShipmentLineNode { id: string, productId: number | null, quantityOrdered: number, quantity: number, unitOfMeasure: string | null }

export function toShipmentLine (r: OdooRow): ShipmentLineNode {
  return { id: String(r.id), productId: refId(r.product_id), quantityOrdered: num(r.product_uom_qty) ?? 0, quantity: num(r.quantity) ?? 0, unitOfMeasure: refName(r.product_uom) }
}

export interface PackageNode { id: string, name: string, items: Array<{ productId: number | null, quantity: number }> }

/** Packages of a picking from its move lines (the package name comes with the many2one, no extra read). */
export function toPackages (moveLines: OdooRow[]): PackageNode[] {
  const packages = new Map<number, PackageNode>()
  for (const line of moveLines) {
    const packageId = refId(line.result_package_id)
    if (packageId === null) continue
    const pkg = packages.get(packageId) ?? { id: String(packageId), name: refName(line.result_package_id) ?? '', items: [] }
    pkg.items.push({ productId: refId(line.product_id), quantity: num(line.quantity) ?? 0 })
    packages.set(packageId, pkg)
  }
  return [...packages.values()]
}

export interface TrackingEventNode { status: string, occurredAt: string | null, source: string | null, reason: string | null, location: string | null }

/** A warehouse stage (inbound `fulfilment.packed` -> `packed`) as a milestone. */
function toWarehouseStage (r: OdooRow): TrackingEventNode {
  const type = str(r.event_type) ?? ''
  return { status: type.slice(type.indexOf('.') + 1), occurredAt: isoDateTime(r.create_date), source: refName(r.connector_id), reason: null, location: null }
}

/** A carrier scan (hub.tracking.event, canonical lifecycle status). */
function toCarrierEvent (r: OdooRow): TrackingEventNode {
  return { status: str(r.status) ?? 'pending', occurredAt: isoDateTime(r.occurred_at), source: refName(r.connector_id), reason: str(r.reason), location: str(r.location) }
}

/** Both kinds of milestones, oldest first (ISO strings of one format sort by time). */
export function trackingHistory (stages: OdooRow[], scans: OdooRow[]): TrackingEventNode[] {
  return [...stages.map(toWarehouseStage), ...scans.map(toCarrierEvent)].sort((a, b) => (a.occurredAt ?? '').localeCompare(b.occurredAt ?? ''))
}

export interface InvoiceNode {
  __typename: 'Invoice', id: string, odooId: number, number: string, kind: string, status: string | null, paymentStatus: string | null,
  invoiceDate: string | null, dueDate: string | null, currency: string | null, amountTotal: number | null, amountDue: number | null,
  origin: string | null, customerId: number | null
}

export function toInvoice (r: OdooRow): InvoiceNode {
  return {
    __typename: 'Invoice', id: String(r.id), odooId: r.id, number: str(r.name) ?? '', kind: r.move_type === 'out_refund' ? 'credit_note' : 'invoice',
    status: str(r.state), paymentStatus: str(r.payment_state), invoiceDate: isoDateTime(r.invoice_date), dueDate: isoDateTime(r.invoice_date_due),
    currency: refName(r.currency_id), amountTotal: num(r.amount_total), amountDue: num(r.amount_residual), origin: str(r.invoice_origin),
    customerId: refId(r.partner_id)
  }
}

export interface ExceptionNode {
  id: string, reference: string, reason: string, status: string | null, record: { model: string, id: number },
  pickingId: number | null, description: string | null, occurrences: number, lastSeenAt: string | null
}

export function toException (r: OdooRow): ExceptionNode {
  return {
    id: String(r.id), reference: str(r.name) ?? '', reason: str(r.reason) ?? 'other', status: str(r.state),
    record: { model: str(r.res_model) ?? '', id: num(r.res_id) ?? 0 }, pickingId: refId(r.picking_id),
    description: str(r.description), occurrences: num(r.occurrences) ?? 1, lastSeenAt: isoDateTime(r.last_seen)
  }
}

export interface SyncStateNode {
  id: string, record: { model: string, id: number }, connector: string, status: string, attempts: number,
  lastError: string | null, externalRef: string | null, correlationId: string | null, lastSyncAt: string | null
}

export function toSyncState (r: OdooRow): SyncStateNode {
  return {
    id: String(r.id), record: { model: str(r.res_model) ?? '', id: num(r.res_id) ?? 0 }, connector: refName(r.connector_id) ?? '',
    status: str(r.status) ?? 'pending', attempts: num(r.attempts) ?? 0, lastError: str(r.last_error), externalRef: str(r.external_ref),
    correlationId: str(r.correlation_id), lastSyncAt: isoDateTime(r.last_sync_at)
  }
}
