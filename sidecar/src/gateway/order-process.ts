import type { Pool } from '../db/pool.ts'
import { orderProcesses } from '../db/order-process-plans.ts'

/** `Order.process` (graphql/orders.graphql): where an order's delivery stands, in words fit for its customer. */
export interface OrderProcess { stage: string, eta: string | null, delayed: boolean }

export interface OrderProcessRow { order_id: number, state: string, is_late: boolean, reached_step: string | null, eta: string | null }

/**
 * Customer-safe by construction: the stage is the name a manager gave the last step the process
 * reached, or one of four fixed words. Not the step in progress: steps are named after the milestone
 * that completes them ("Delivered"), so the step in progress would announce what has not happened yet.
 * A failed or compensating process is "On hold", never its failing signal, exception reason or
 * compensation (internal). The ETA is the delivery promise only while the process runs and its delivery
 * step is in progress; `delayed` is the process's SLA verdict until it completes or is cancelled.
 */
export function toOrderProcess (row: OrderProcessRow): OrderProcess {
  const running = row.state === 'running'
  return {
    stage: running ? row.reached_step ?? 'In progress' : STAGE_OF_STATE[row.state] ?? 'On hold',
    eta: running ? row.eta : null,
    delayed: row.is_late && row.state !== 'completed' && row.state !== 'cancelled'
  }
}

const STAGE_OF_STATE: Record<string, string> = { completed: 'Completed', cancelled: 'Cancelled', compensating: 'On hold', failed: 'On hold' }

/**
 * The processes of orders by SQL, like shipment bookings (bookings.ts): Odoo shows hub.process to hub
 * users only. Without the addon's process tables (not installed or upgraded yet) no order has one.
 */
export async function loadOrderProcesses (pool: Pool, orderIds: readonly number[]): Promise<Map<number, OrderProcess>> {
  try {
    const { rows } = await pool.query<OrderProcessRow>(orderProcesses([...orderIds]))
    return new Map(rows.map(r => [r.order_id, toOrderProcess(r)]))
  } catch (err) {
    if (['42703', '42P01'].includes((err as { code?: string }).code ?? '')) return new Map()
    throw err
  }
}
