import type { FakeOdoo } from './fake-odoo.ts'

/**
 * Two customer companies with orders, deliveries, invoices and sync problems, in Odoo's read format.
 * Company A = partner 10 (contact 11, delivery address 12); company B = partner 20 (contact 21).
 */
export const A = 10
export const B = 20

export function seedTwoCompanies (odoo: FakeOdoo): void {
  const p = (id: number, name: string, parent?: [number, string]) => odoo.insert('res.partner', { id, name, parent_id: parent ?? false, street: `${id} Dock Road`, city: 'Antwerp', zip: '2000', country_id: [21, 'Belgium'] })
  p(10, 'Alpha Retail'); p(11, 'Ann Alpha', [10, 'Alpha Retail']); p(12, 'Alpha Warehouse', [10, 'Alpha Retail'])
  p(20, 'Beta Stores'); p(21, 'Bob Beta', [20, 'Beta Stores'])
  const product = (id: number, sku: string | false, name: string, storable: boolean, onHand: number) =>
    odoo.insert('product.product', { id, default_code: sku, name, uom_id: [1, 'Units'], is_storable: storable, qty_available: onHand, free_qty: onHand - 2, virtual_available: onHand + 5 })
  product(100, 'SKU-A', 'Pallet Jack', true, 10)
  product(101, 'SKU-B', 'Shrink Wrap', true, 0)
  product(102, false, 'Installation', false, 0)
  const order = (id: number, name: string, partner: [number, string], shipping: [number, string], lines: number[], pickings: number[], invoices: number[], state = 'sale') =>
    odoo.insert('sale.order', {
      id, name, client_order_ref: `PO-${id}`, state, delivery_status: 'pending', date_order: `2026-11-${String(id % 28 + 1).padStart(2, '0')} 10:00:00`,
      commitment_date: false, currency_id: [1, 'EUR'], amount_untaxed: 100, amount_total: 121, partner_id: partner, partner_shipping_id: shipping,
      order_line: lines, picking_ids: pickings, invoice_ids: invoices
    })
  order(1000, 'S01000', [11, 'Ann Alpha'], [12, 'Alpha Warehouse'], [5000, 5001], [7000], [9000])
  order(1001, 'S01001', [10, 'Alpha Retail'], [10, 'Alpha Retail'], [], [], [], 'draft')
  order(2000, 'S02000', [21, 'Bob Beta'], [21, 'Bob Beta'], [5002], [7001], [9001])
  const line = (id: number, orderId: number, product: [number, string] | false, display: string | false = false) =>
    odoo.insert('sale.order.line', { id, order_id: [orderId, `S0${orderId}`], name: display ? 'Section' : 'line', product_id: product, product_uom_qty: 3, qty_delivered: 0, qty_invoiced: 0, product_uom: [1, 'Units'], price_unit: 10, price_subtotal: 30, display_type: display })
  line(5000, 1000, [100, 'Pallet Jack']); line(5001, 1000, false, 'line_section'); line(5002, 2000, [101, 'Shrink Wrap'])
  const picking = (id: number, name: string, partner: [number, string], sale: [number, string], moves: number[]) =>
    odoo.insert('stock.picking', { id, name, state: 'assigned', origin: sale[1], scheduled_date: '2026-11-25 08:00:00', date_done: false, partner_id: partner, sale_id: sale, move_ids: moves, picking_type_code: 'outgoing' })
  picking(7000, 'WH/OUT/7000', [12, 'Alpha Warehouse'], [1000, 'S01000'], [8000])
  picking(7001, 'WH/OUT/7001', [21, 'Bob Beta'], [2000, 'S02000'], [8001])
  odoo.insert('stock.move', { id: 8000, picking_id: [7000, 'WH/OUT/7000'], product_id: [100, 'Pallet Jack'], product_uom_qty: 3, quantity: 3, product_uom: [1, 'Units'] })
  odoo.insert('stock.move', { id: 8001, picking_id: [7001, 'WH/OUT/7001'], product_id: [101, 'Shrink Wrap'], product_uom_qty: 1, quantity: 1, product_uom: [1, 'Units'] })
  odoo.insert('stock.move.line', { id: 8500, picking_id: [7000, 'WH/OUT/7000'], product_id: [100, 'Pallet Jack'], quantity: 3, result_package_id: [600, 'PACK0001'] })
  const invoice = (id: number, name: string, partner: [number, string], state = 'posted') =>
    odoo.insert('account.move', { id, name, move_type: 'out_invoice', state, payment_state: 'not_paid', invoice_date: '2026-11-26', invoice_date_due: '2026-12-26', currency_id: [1, 'EUR'], amount_total: 121, amount_residual: 121, invoice_origin: 'S0', partner_id: partner })
  invoice(9000, 'INV/9000', [10, 'Alpha Retail']); invoice(9001, 'INV/9001', [20, 'Beta Stores']); invoice(9002, 'INV/9002', [10, 'Alpha Retail'], 'draft')
  odoo.insert('hub.tracking.event', { id: 1, picking_id: [7000, 'WH/OUT/7000'], status: 'label_created', reason: false, occurred_at: '2026-11-26 12:30:00', location: 'Antwerp hub', connector_id: [2, 'ParcelFast'] })
  odoo.insert('hub.tracking.event', { id: 2, picking_id: [7001, 'WH/OUT/7001'], status: 'exception', reason: 'address_invalid', occurred_at: '2026-11-26 12:30:00', location: 'Beta street', connector_id: [2, 'ParcelFast'] })
  odoo.insert('hub.exception', { id: 1, name: 'EXC/1', reason: 'delivery_failed', state: 'open', res_model: 'stock.picking', res_id: 7000, picking_id: [7000, 'WH/OUT/7000'], description: 'Nobody home', occurrences: 2, last_seen: '2026-11-27 09:00:00' })
  odoo.insert('hub.exception', { id: 2, name: 'EXC/2', reason: 'address_invalid', state: 'open', res_model: 'stock.picking', res_id: 7001, picking_id: [7001, 'WH/OUT/7001'], description: 'Beta street unknown', occurrences: 1, last_seen: '2026-11-27 09:00:00' })
  odoo.insert('hub.exception', { id: 3, name: 'EXC/3', reason: 'partner_rejected', state: 'resolved', res_model: 'sale.order', res_id: 1000, picking_id: false, description: 'WMS refused', occurrences: 1, last_seen: '2026-11-20 09:00:00' })
  odoo.insert('hub.sync.state', { id: 1, res_model: 'sale.order', res_id: 1000, connector_id: [1, 'Main WMS'], status: 'failed', attempts: 2, last_error: 'WMS answered HTTP 500', external_ref: false, correlation_id: 'c-1', last_sync_at: '2026-11-26 09:00:00' })
  odoo.insert('hub.sync.state', { id: 2, res_model: 'sale.order', res_id: 2000, connector_id: [1, 'Main WMS'], status: 'dead', attempts: 5, last_error: 'Beta secret problem', external_ref: false, correlation_id: 'c-2', last_sync_at: '2026-11-26 09:00:00' })
  const event = (id: number, pickingId: number, type: string) =>
    odoo.insert('hub.event', { id, res_model: 'stock.picking', res_id: pickingId, direction: 'in', state: 'applied', event_type: type, create_date: `2026-11-26 1${id % 10}:00:00`, connector_id: [1, 'Main WMS'], payload: {} })
  event(1, 7000, 'fulfilment.picked'); event(2, 7000, 'fulfilment.packed'); event(3, 7001, 'fulfilment.picked')
}
