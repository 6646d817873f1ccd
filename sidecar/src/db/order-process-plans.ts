import type { Plan } from './pool.ts'

/**
 * The order-to-delivery process of sale orders the gateway already read through the partner-scoped Odoo
 * reader (ids come only from there), for `Order.process`: the process's state and lateness, the name of
 * the last step it reached (done, or passed by a later milestone), and the deadline of its `delivered` step while that step is in progress
 * (the delivery promise). Odoo keeps datetimes as naive UTC: formatted here as ISO 8601 UTC, because
 * node-pg would read a `timestamp` column as local time. The process is rooted at the order itself
 * (res_model/res_id), one live process per order; an order cancelled and confirmed again has a newer one,
 * which comes last (ORDER BY id) and so wins.
 */
export function orderProcesses (orderIds: number[]): Plan {
  return {
    text: `
      SELECT p.res_id AS order_id, p.state, COALESCE(p.is_late, false) AS is_late, reached.name AS reached_step,
             to_char(eta.deadline, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS eta
      FROM hub_process p
      LEFT JOIN LATERAL (
        SELECT s.name FROM hub_process_step s WHERE s.process_id = p.id AND s.state IN ('done', 'passed') ORDER BY s.sequence DESC, s.id DESC LIMIT 1
      ) reached ON true
      LEFT JOIN LATERAL (
        SELECT s.deadline FROM hub_process_step s WHERE s.process_id = p.id AND s.code = 'delivered' AND s.state = 'active' LIMIT 1
      ) eta ON true
      WHERE p.definition_code = 'order_to_delivery' AND p.res_model = 'sale.order' AND p.res_id = ANY($1::int[])
      ORDER BY p.id`,
    values: [orderIds]
  }
}
