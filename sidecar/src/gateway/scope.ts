import type { Domain, OdooReader } from '../odoo/reader.ts'
import type { Caller } from './caller.ts'
import { fromOdooError } from './errors.ts'

/**
 * THE choke point of partner isolation: every Odoo read of the gateway goes through the reader this
 * module returns, which ANDs the caller's partner clause into the domain. Root lists, loaders by id
 * (nested fields, _entities, cursors) and counts all land here, so an id guessed anywhere simply matches
 * nothing: the answer is the same NOT_FOUND as for an id that does not exist.
 *
 * `owner` is the path from the model to the partner who owns a record. Models without an owner are
 * either catalogue data (products: governed by scopes only) or hub bookkeeping keyed by res_model/res_id
 * (sync states, inbound events, exceptions), read only for records already scoped or filtered by a
 * scoped search of the records they point at (resolvers/exceptions.ts).
 * A model missing from this table cannot be read at all.
 */
interface ModelPolicy {
  owner?: string
  /** what the gateway ever shows of the model, for every caller (e.g. no draft invoices) */
  base?: Domain
  kind: 'owned' | 'catalogue' | 'via-scoped-parent'
}

const OUTGOING: Domain = [['picking_type_code', '=', 'outgoing']]

export const MODEL_POLICY: Record<string, ModelPolicy> = {
  'sale.order': { kind: 'owned', owner: 'partner_id' },
  'sale.order.line': { kind: 'owned', owner: 'order_id.partner_id' },
  'stock.picking': { kind: 'owned', owner: 'partner_id', base: OUTGOING },
  'stock.move': { kind: 'owned', owner: 'picking_id.partner_id', base: [['picking_id.picking_type_code', '=', 'outgoing']] },
  'stock.move.line': { kind: 'owned', owner: 'picking_id.partner_id', base: [['picking_id.picking_type_code', '=', 'outgoing']] },
  'account.move': { kind: 'owned', owner: 'partner_id', base: [['move_type', 'in', ['out_invoice', 'out_refund']], ['state', '!=', 'draft']] },
  // a partner's own company tree: the commercial partner and its contacts and addresses
  'res.partner': { kind: 'owned', owner: 'id' },
  'product.product': { kind: 'catalogue' },
  'hub.tracking.event': { kind: 'owned', owner: 'picking_id.partner_id', base: [['picking_id.picking_type_code', '=', 'outgoing']] },
  'hub.sync.state': { kind: 'via-scoped-parent' },
  'hub.event': { kind: 'via-scoped-parent' },
  'hub.exception': { kind: 'via-scoped-parent' }
}

/** The domain actually sent to Odoo for `caller` reading `model` with `domain`. */
export function scopedDomain (caller: Pick<Caller, 'scopePartnerId'>, model: string, domain: Domain): Domain {
  const policy = MODEL_POLICY[model]
  if (!policy) throw new Error(`the gateway has no read policy for ${model}`)
  const scoped: Domain = [...(policy.base ?? []), ...domain]
  if (policy.kind === 'owned' && caller.scopePartnerId !== null) {
    scoped.unshift([policy.owner!, 'child_of', caller.scopePartnerId])
  }
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
