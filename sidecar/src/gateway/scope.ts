import type { Domain, OdooReader } from '../odoo/reader.ts'
import type { Caller } from '../auth/caller.ts'
import { fromOdooError } from './errors.ts'

/**
 * THE choke point of partner isolation: every Odoo read of the gateway goes through the reader this
 * module returns, which ANDs the caller's partner clause into the domain. Root lists, loaders by id
 * (nested fields, _entities, cursors) and counts all land here, so an id guessed anywhere simply matches
 * nothing: the answer is the same NOT_FOUND as for an id that does not exist.
 *
 * `owner` says which partner owns a record: always the ORDERING customer's company (docs/architecture.md,
 * "Who owns a record"), never a delivery or invoice address, which may belong to another company (a
 * drop-ship to another company's dock, an invoice addressed to another company's contact). Models without
 * an owner are either catalogue data (products: governed by scopes only) or hub bookkeeping keyed by
 * res_model/res_id (sync states, inbound events, exceptions), read only for records already scoped or
 * filtered by a scoped search of the records they point at (resolvers/exceptions.ts).
 * A model missing from this table cannot be read at all.
 */
interface ModelPolicy {
  /** the domain that keeps the records of commercial partner `partner` */
  owner?: (partner: number) => Domain
  /** what the gateway ever shows of the model, for every caller (e.g. no draft invoices) */
  base?: Domain
  kind: 'owned' | 'catalogue' | 'via-scoped-parent'
}

const OUTGOING: Domain = [['picking_type_code', '=', 'outgoing']]

/** `path` (a partner field) inside the company tree of `partner`. */
const under = (path: string) => (partner: number): Domain => [[path, 'child_of', partner]]

/**
 * A delivery belongs to the customer of its sale order; one made without a sale order (by hand in
 * Odoo) has no orderer, so it belongs to its addressee. `prefix` reaches the picking from a related model.
 */
const shipmentOwner = (prefix: string) => (partner: number): Domain => [
  '|',
  '&', [`${prefix}sale_id`, '!=', false], [`${prefix}sale_id.partner_id`, 'child_of', partner],
  '&', [`${prefix}sale_id`, '=', false], [`${prefix}partner_id`, 'child_of', partner]
]

/**
 * An invoice belongs to the customer of the sale orders its lines invoice, and only when every such
 * order is that customer's (Odoo groups orders by invoice address, so one invoice can bill the orders of
 * two customers: then neither sees it through the gateway). An invoice without sale lines has no orderer:
 * it belongs to the company it is addressed to.
 */
const SALE_ORDER_PARTNER = 'invoice_line_ids.sale_line_ids.order_id.partner_id'
const invoiceOwner = (partner: number): Domain => [
  '|',
  '&', [SALE_ORDER_PARTNER, 'child_of', partner], '!', [`${SALE_ORDER_PARTNER}.commercial_partner_id`, '!=', partner],
  '&', '!', ['invoice_line_ids.sale_line_ids', '!=', false], ['partner_id', 'child_of', partner]
]

const MODEL_POLICY: Record<string, ModelPolicy> = {
  'sale.order': { kind: 'owned', owner: under('partner_id') },
  'sale.order.line': { kind: 'owned', owner: under('order_id.partner_id') },
  'stock.picking': { kind: 'owned', owner: shipmentOwner(''), base: OUTGOING },
  'stock.move': { kind: 'owned', owner: shipmentOwner('picking_id.'), base: [['picking_id.picking_type_code', '=', 'outgoing']] },
  'stock.move.line': { kind: 'owned', owner: shipmentOwner('picking_id.'), base: [['picking_id.picking_type_code', '=', 'outgoing']] },
  'account.move': { kind: 'owned', owner: invoiceOwner, base: [['move_type', 'in', ['out_invoice', 'out_refund']], ['state', '!=', 'draft']] },
  // a partner's own company tree: the commercial partner and its contacts and addresses
  'res.partner': { kind: 'owned', owner: under('id') },
  'product.product': { kind: 'catalogue' },
  'hub.tracking.event': { kind: 'owned', owner: shipmentOwner('picking_id.'), base: [['picking_id.picking_type_code', '=', 'outgoing']] },
  'hub.sync.state': { kind: 'via-scoped-parent' },
  'hub.event': { kind: 'via-scoped-parent' },
  'hub.exception': { kind: 'via-scoped-parent' }
}

/** The domain actually sent to Odoo for `caller` reading `model` with `domain`. */
function scopedDomain (caller: Pick<Caller, 'scopePartnerId'>, model: string, domain: Domain): Domain {
  const policy = MODEL_POLICY[model]
  if (!policy) throw new Error(`the gateway has no read policy for ${model}`)
  const scoped: Domain = [...(policy.base ?? []), ...domain]
  // Odoo ANDs the leaves of a domain implicitly, so a prefix-notation owner clause is one more term
  if (policy.kind === 'owned' && caller.scopePartnerId !== null) scoped.unshift(...policy.owner!(caller.scopePartnerId))
  return scoped
}

/** Wraps a reader so that nothing can be read around the partner clause; Odoo errors are translated here. */
export function scopedReader (reader: OdooReader, caller: Pick<Caller, 'scopePartnerId'>): OdooReader {
  return {
    async searchRead (model, domain, fields, options) {
      const scoped = scopedDomain(caller, model, domain)
      try { return await reader.searchRead(model, scoped, fields, options) } catch (err) { throw fromOdooError(err) }
    },
    async searchCount (model, domain) {
      const scoped = scopedDomain(caller, model, domain)
      try { return await reader.searchCount(model, scoped) } catch (err) { throw fromOdooError(err) }
    }
  }
}
