import { carrierAdapterFor } from '../adapters/registry.ts'
import type { Connector } from '../adapters/types.ts'
import { connectorsByIds } from '../db/connector-plans.ts'
import type { Pool } from '../db/pool.ts'
import { deliveredNotInvoiced, staleSyncStates, unscannedShipments } from '../db/reconcile-plans.ts'
import { errorMessage } from '../errors.ts'
import type { InboundStore } from '../inbound/inbound-store.ts'
import type { Logger } from '../observability/logger.ts'
import type { OdooClient } from '../odoo/rpc.ts'
import type { BreakerRegistry } from '../shipping/breakers.ts'

export interface ReconcileDeps { pool: Pool, inbound: InboundStore, odoo: OdooClient, logger: Logger, breakers: BreakerRegistry }

export interface ReconcileSettings { ackMinutes: number, scanHours: number, invoiceHours: number, portalMinutes: number }

export interface DriftItem {
  res_model: string
  res_id: number
  connector_code: string
  reason: 'unacknowledged' | 'no_carrier_scan' | 'not_invoiced' | 'status_lagging'
  description: string
  correlation_id: string | null
  event_uuid: string | null
}

const LIMIT = 500

/**
 * Compares what Odoo believes with what partners did, on a schedule (pg-boss cron, one replica runs it):
 * deliveries a WMS never acknowledged, labels a carrier never scanned, delivered shipments not invoiced
 * and portals lagging behind Odoo. An unscanned label is first checked with the carrier itself: if it has
 * scans we missed (a lost webhook), they are fed in and nothing is reported — the repair is automatic.
 * The rest becomes exceptions in Odoo; those that know the event to re-send get one-click Retry there.
 */
export async function reconcile (deps: ReconcileDeps, settings: ReconcileSettings): Promise<DriftItem[]> {
  const { pool, odoo, logger } = deps
  const drift: DriftItem[] = []
  for (const r of (await pool.query(staleSyncStates('wms', ['sent'], 'stock.picking', settings.ackMinutes, LIMIT))).rows) {
    drift.push({ ...r, reason: 'unacknowledged', description: `sent to ${r.connector_code} over ${settings.ackMinutes} min ago and never confirmed` })
  }
  drift.push(...await unscanned(deps, settings.scanHours))
  for (const r of (await pool.query(deliveredNotInvoiced(settings.invoiceHours, LIMIT))).rows) {
    drift.push({ res_model: 'stock.picking', res_id: r.res_id, connector_code: r.connector_code, reason: 'not_invoiced', description: `delivered over ${settings.invoiceHours} h ago; order ${r.order_name} is not invoiced`, correlation_id: null, event_uuid: null })
  }
  for (const r of (await pool.query(staleSyncStates('portal', ['pending', 'failed'], null, settings.portalMinutes, LIMIT))).rows) {
    drift.push({ ...r, reason: 'status_lagging', description: `${r.connector_code} has not received the latest change for over ${settings.portalMinutes} min (${r.status})` })
  }
  if (drift.length) await odoo.executeKw('hub.exception', 'hub_report_drift', [drift.map(({ res_model, res_id, connector_code, reason, description, correlation_id, event_uuid }) => ({ res_model, res_id, connector_code, reason, description, correlation_id, event_uuid }))])
  logger.info({ drift: drift.length, by_reason: countBy(drift.map(d => d.reason)) }, 'reconciliation finished')
  return drift
}

async function unscanned ({ pool, inbound, logger, breakers }: ReconcileDeps, hours: number): Promise<DriftItem[]> {
  const rows = (await pool.query(unscannedShipments(hours, LIMIT))).rows
  const { rows: connectors } = await pool.query<Connector>(connectorsByIds([...new Set(rows.map(r => r.connector_id as number))]))
  const byId = new Map(connectors.map(c => [c.id, c]))
  const drift: DriftItem[] = []
  for (const r of rows) {
    const connector = byId.get(r.connector_id)
    const carrier = connector && carrierAdapterFor(connector.adapter)
    let recovered = 0
    if (connector && carrier) {
      try {
        const events = await breakers.run(connector.code, () => carrier.track(r.tracking_number, connector))
        const scans = events.filter(e => e.status !== 'label_created' && e.status !== 'pending')
        for (const event of scans) {
          const message = { id: `poll:${event.id}`, type: 'shipment.tracking', correlation_id: null, data: { tracking_number: r.tracking_number, events: [event] } }
          if (await inbound.store(connector.code, message)) recovered++
        }
        if (scans.length) {
          logger.warn({ connector: connector.code, tracking_number: r.tracking_number, recovered }, 'reconciliation recovered carrier scans Odoo had missed')
          continue
        }
      } catch (err) {
        logger.warn({ connector: connector.code, tracking_number: r.tracking_number, err: errorMessage(err) }, 'reconciliation could not ask the carrier')
      }
    }
    drift.push({ res_model: 'stock.picking', res_id: r.res_id, connector_code: r.connector_code, reason: 'no_carrier_scan', description: `label ${r.tracking_number} printed over ${hours} h ago and never scanned`, correlation_id: null, event_uuid: null })
  }
  return drift
}

function countBy (values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, v) => { acc[v] = (acc[v] ?? 0) + 1; return acc }, {})
}
