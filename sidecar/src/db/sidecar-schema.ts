import type { Plan } from './pool.ts'

/** The schema the sidecar owns for its own tables; Odoo never touches hub_sidecar.*. */
export const createSidecarSchema: Plan = { text: 'CREATE SCHEMA IF NOT EXISTS hub_sidecar', values: [] }
