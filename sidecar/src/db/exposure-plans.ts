import type { Plan } from './pool.ts'

/**
 * The exposure policy is data kept in Odoo (docs/contract.md, "Gateway"): which public status a
 * customer-facing caller sees for an internal status, and which fields are hidden from an audience.
 */
export function statusExposure (audience: string): Plan {
  return {
    text: `SELECT res_model, status_field, internal_status, public_status FROM hub_status_exposure
           WHERE audience = $1 AND COALESCE(active, true)`,
    values: [audience]
  }
}

export function hiddenFields (audience: string): Plan {
  return {
    text: 'SELECT type_name, field_name FROM hub_field_exposure WHERE audience = $1 AND COALESCE(active, true)',
    values: [audience]
  }
}
