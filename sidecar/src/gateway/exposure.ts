import { hiddenFields, statusExposure } from '../db/exposure-plans.ts'
import type { Pool } from '../db/pool.ts'
import type { Logger } from '../observability/logger.ts'
import type { Audience } from '../auth/caller.ts'

/** What one audience may see: statuses mapped to public ones, fields hidden. */
export interface Exposure {
  /** the status as this audience sees it; null when a customer-facing policy has no public status for it */
  status: (model: string, field: string, internal: string | null) => string | null
  /** statuses named by a filter -> the internal statuses to search for */
  internalStatuses: (model: string, field: string, shown: string[]) => string[]
  /** a canonical shipment status: public by design, unless the policy maps it (stock.picking/hub_shipment_status) */
  lifecycle: (status: string | null) => string | null
  hides: (typeName: string, fieldName: string) => boolean
}

/**
 * What the addon ships hidden from customer-facing callers (data/hub_status_exposure_data.xml), applied
 * when the policy tables do not exist yet (addon not installed or upgraded): no prices or internal error
 * texts leak while the data is missing. Once the tables exist, their rows decide (a manager may widen).
 */
const DEFAULT_CUSTOMER_HIDDEN = ['OrderLine.unitPrice', 'OrderLine.subtotal', 'SyncState.lastError', 'Exception.description'] as const

interface PolicyRows {
  statuses: Map<string, Map<string, string>>
  hidden: Set<string>
}

/** Partners (logistics partners, internal users) see Odoo's statuses unless a policy maps them. */
function exposureOf (rows: PolicyRows, strict: boolean): Exposure {
  return {
    status (model, field, internal) {
      if (internal === null) return null
      const map = rows.statuses.get(`${model}.${field}`)
      return map?.get(internal) ?? (strict ? null : internal)
    },
    internalStatuses (model, field, shown) {
      const map = rows.statuses.get(`${model}.${field}`)
      if (!map) return strict ? [] : shown
      const wanted = new Set(shown)
      const internal = [...map].filter(([, pub]) => wanted.has(pub)).map(([i]) => i)
      return strict ? internal : [...internal, ...shown.filter(s => !map.has(s))]
    },
    lifecycle: status => status === null ? null : rows.statuses.get('stock.picking.hub_shipment_status')?.get(status) ?? status,
    hides: (typeName, fieldName) => rows.hidden.has(`${typeName}.${fieldName}`)
  }
}

/**
 * Reads the policy from Odoo's tables and caches it per audience for a short while, so a change made by
 * a manager in Odoo applies within `ttlMs` without a sidecar restart. Customer-facing callers are strict:
 * an internal status nobody mapped shows as null, never as Odoo's own word.
 */
export class ExposurePolicy {
  #cache = new Map<Audience, { rows: Promise<PolicyRows>, until: number }>()

  constructor (private readonly pool: Pool, private readonly ttlMs: number, private readonly log: Logger) {}

  async forAudience (audience: Audience, now = Date.now()): Promise<Exposure> {
    let hit = this.#cache.get(audience)
    if (!hit || hit.until <= now) {
      hit = { rows: this.#load(audience), until: now + this.ttlMs }
      this.#cache.set(audience, hit)
    }
    return exposureOf(await hit.rows, audience === 'customer')
  }

  async #load (audience: Audience): Promise<PolicyRows> {
    const rows: PolicyRows = { statuses: new Map(), hidden: new Set() }
    try {
      const [statuses, fields] = await Promise.all([
        this.pool.query<{ res_model: string, status_field: string, internal_status: string, public_status: string }>(statusExposure(audience)),
        this.pool.query<{ type_name: string, field_name: string }>(hiddenFields(audience))
      ])
      for (const s of statuses.rows) {
        const key = `${s.res_model}.${s.status_field || 'state'}`
        const map = rows.statuses.get(key) ?? new Map<string, string>()
        map.set(s.internal_status, s.public_status)
        rows.statuses.set(key, map)
      }
      for (const f of fields.rows) rows.hidden.add(`${f.type_name}.${f.field_name}`)
    } catch (err) {
      // without the tables, customer-facing callers still see no internal status (strict mapping)
      if ((err as { code?: string }).code !== '42P01') { this.#cache.delete(audience); throw err }
      this.log.warn({ audience }, 'exposure policy tables missing; customer-facing statuses show as null and default fields are hidden')
      if (audience === 'customer') for (const f of DEFAULT_CUSTOMER_HIDDEN) rows.hidden.add(f)
    }
    return rows
  }
}
