import DataLoader from 'dataloader'
import { type Domain, type OdooReader, type OdooRow, type ReadOptions, refId } from './reader.ts'
import { RecordLoader } from './record-loader.ts'

/**
 * Per-request DataLoaders over Odoo: every load of one kind made while a GraphQL level resolves becomes
 * ONE search_read (ids `in` the batch), so a query over 50 orders with lines, products and pickings
 * costs one RPC per model level, never one per row. Built on the caller's scoped reader: a row of
 * another partner is simply absent from the answer and loads as null.
 *
 * FIELDS are what the fixed-shape reads take (children, sync states, stock levels, exceptions) and what
 * a model offers at most; records by id read only what the query selected (gateway/odoo-fields.ts).
 */
export const FIELDS: Record<string, string[]> = {
  'sale.order': ['name', 'client_order_ref', 'state', 'delivery_status', 'date_order', 'commitment_date', 'currency_id',
    'amount_untaxed', 'amount_total', 'partner_id', 'partner_shipping_id', 'order_line', 'picking_ids', 'invoice_ids'],
  'sale.order.line': ['order_id', 'name', 'product_id', 'product_uom_qty', 'qty_delivered', 'qty_invoiced', 'product_uom',
    'price_unit', 'price_subtotal', 'display_type'],
  'product.product': ['default_code', 'name', 'uom_id', 'is_storable', 'qty_available', 'free_qty', 'virtual_available'],
  'res.partner': ['name', 'street', 'city', 'zip', 'country_id'],
  'stock.picking': ['name', 'state', 'origin', 'scheduled_date', 'date_done', 'partner_id', 'sale_id', 'move_ids'],
  'stock.move': ['picking_id', 'product_id', 'product_uom_qty', 'quantity', 'product_uom'],
  'stock.move.line': ['picking_id', 'product_id', 'quantity', 'result_package_id'],
  'account.move': ['name', 'move_type', 'state', 'payment_state', 'invoice_date', 'invoice_date_due', 'currency_id',
    'amount_total', 'amount_residual', 'invoice_origin', 'partner_id'],
  'hub.sync.state': ['res_model', 'res_id', 'connector_id', 'status', 'attempts', 'last_error', 'external_ref', 'correlation_id', 'last_sync_at'],
  'hub.event': ['res_id', 'event_type', 'create_date', 'connector_id'],
  'hub.tracking.event': ['picking_id', 'status', 'reason', 'occurred_at', 'location', 'connector_id'],
  'hub.exception': ['name', 'reason', 'state', 'res_model', 'res_id', 'picking_id', 'description', 'occurrences', 'last_seen']
}

function fieldsOf (model: string): string[] {
  const fields = FIELDS[model]
  if (!fields) throw new Error(`no field list for ${model}`)
  return fields
}

function groupBy (rows: OdooRow[], key: (row: OdooRow) => number | null): Map<number, OdooRow[]> {
  const groups = new Map<number, OdooRow[]>()
  for (const row of rows) {
    const k = key(row)
    if (k === null) continue
    const group = groups.get(k) ?? []
    group.push(row)
    groups.set(k, group)
  }
  return groups
}

export class OdooLoaders {
  #loaders = new Map<string, DataLoader<any, any>>()
  #records = new Map<string, RecordLoader>()

  constructor (readonly reader: OdooReader) {}

  /** Records by id, reading only the fields asked for (RecordLoader). */
  record (model: string): RecordLoader {
    let loader = this.#records.get(model)
    if (!loader) { loader = new RecordLoader(this.reader, model); this.#records.set(model, loader) }
    return loader
  }

  /** Children of many parents in one call, e.g. stock.move.line by picking_id. */
  children (model: string, parentField: string, extra: Domain = [], order = 'id'): DataLoader<number, OdooRow[]> {
    return this.#memo(`children:${model}:${parentField}:${JSON.stringify(extra)}`, () => new DataLoader<number, OdooRow[]>(async ids => {
      const rows = await this.reader.searchRead(model, [[parentField, 'in', [...ids]], ...extra], fieldsOf(model), { order })
      const groups = groupBy(rows, r => refId(r[parentField]) ?? (typeof r[parentField] === 'number' ? r[parentField] as number : null))
      return ids.map(id => groups.get(id) ?? [])
    }))
  }

  /** Sync states of records of one model (hub.sync.state is keyed by res_model/res_id, not a many2one). */
  syncStates (resModel: string): DataLoader<number, OdooRow[]> {
    return this.children('hub.sync.state', 'res_id', [['res_model', '=', resModel]])
  }

  /** Warehouse stages applied to pickings (inbound fulfilment events). */
  warehouseStages (): DataLoader<number, OdooRow[]> {
    return this.children('hub.event', 'res_id', [['res_model', '=', 'stock.picking'], ['direction', '=', 'in'], ['state', '=', 'applied'],
      ['event_type', 'in', ['fulfilment.picked', 'fulfilment.packed', 'fulfilment.shipped']]], 'id')
  }

  /** Carrier and TMS tracking history of pickings (hub.tracking.event). */
  carrierEvents (): DataLoader<number, OdooRow[]> {
    return this.children('hub.tracking.event', 'picking_id', [], 'occurred_at, id')
  }

  /** Products by SKU (default_code). */
  productBySku (): DataLoader<string, OdooRow | null> {
    return this.#memo('product-sku', () => new DataLoader<string, OdooRow | null>(async skus => {
      const rows = await this.reader.searchRead('product.product', [['default_code', 'in', [...skus]]], fieldsOf('product.product'), { order: 'id' })
      const bySku = new Map<string, OdooRow>()
      for (const row of rows) if (typeof row.default_code === 'string' && !bySku.has(row.default_code)) bySku.set(row.default_code, row)
      return skus.map(sku => bySku.get(sku) ?? null)
    }))
  }

  /**
   * A page of a root list, reading `fields` (all of the model's FIELDS by default); the rows also prime
   * the by-id loader (entities and nested refs reuse them).
   */
  async search (model: string, domain: Domain, options: ReadOptions, fields = fieldsOf(model)): Promise<OdooRow[]> {
    const rows = await this.reader.searchRead(model, domain, fields.length ? fields : ['id'], options)
    const loader = this.record(model)
    for (const row of rows) loader.prime(row)
    return rows
  }

  async count (model: string, domain: Domain): Promise<number> {
    return await this.reader.searchCount(model, domain)
  }

  /** Which of `ids` the caller may see (one search per model). */
  async visibleIds (model: string, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set()
    const rows = await this.reader.searchRead(model, [['id', 'in', ids]], ['id'])
    return new Set(rows.map(r => r.id))
  }

  #memo<T extends DataLoader<any, any>> (key: string, make: () => T): T {
    let loader = this.#loaders.get(key)
    if (!loader) { loader = make(); this.#loaders.set(key, loader) }
    return loader as T
  }
}
