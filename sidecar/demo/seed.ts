import { hashSecret } from '../src/auth/client-secret.ts'
import type { OdooClient } from '../src/odoo/rpc.ts'
import { DEMO_API_CLIENT, DEMO_CONNECTORS, DEMO_CUSTOMER, DEMO_PRODUCT, type SimulatorName, demoSecret } from './partners.ts'
import type { DemoSettings } from './settings.ts'

export interface SeedReport { created: string[], updated: string[], unchanged: string[] }

type Vals = Record<string, string | number | boolean>

// Archived records count: a demo connector someone archived is brought back, not created twice
// (its code is unique in the table, archived or not).
const ALL = { context: { active_test: false } }

/** Many2one reads come back as [id, name]; compare ids. */
const plain = (value: unknown): unknown => Array.isArray(value) ? value[0] : value

/**
 * Finds the one record matching `domain` and makes the given fields equal `vals`, or creates it.
 * Running it again changes nothing, which is what makes `npm run demo` safe to repeat.
 */
async function upsert (odoo: OdooClient, report: SeedReport, label: string, model: string, domain: unknown[], vals: Vals): Promise<{ id: number, created: boolean }> {
  const found = await odoo.executeKw<Array<Record<string, unknown>>>(model, 'search_read', [domain], { fields: Object.keys(vals), limit: 2, ...ALL })
  if (found.length > 1) throw new Error(`${label}: more than one ${model} matches ${JSON.stringify(domain)}; remove the extra one`)
  if (found.length === 0) {
    const id = await odoo.executeKw<number>(model, 'create', [vals])
    report.created.push(label)
    return { id, created: true }
  }
  const record = found[0]!
  const changes = Object.fromEntries(Object.entries(vals).filter(([field, value]) => plain(record[field]) !== value))
  if (Object.keys(changes).length) {
    await odoo.executeKw(model, 'write', [[record.id], changes])
    report.updated.push(`${label} (${Object.keys(changes).join(', ')})`)
  } else {
    report.unchanged.push(label)
  }
  return { id: record.id as number, created: false }
}

async function seedConnectors (odoo: OdooClient, s: DemoSettings, baseUrls: Record<SimulatorName, string>, report: SeedReport): Promise<void> {
  for (const c of DEMO_CONNECTORS) {
    const { id } = await upsert(odoo, report, `connector ${c.code}`, 'hub.connector', [['code', '=', c.code]], {
      code: c.code, name: c.name, kind: c.kind, adapter: c.adapter, base_url: c.simulator ? `${baseUrls[c.simulator]}${c.path ?? ''}` : false, secret: demoSecret(s.HUB_DEMO_SECRET, c.code), active: true
    })
    for (const r of c.routes) {
      await upsert(odoo, report, `route ${c.code} ${r.event_type}`, 'hub.route', [['connector_id', '=', id], ['event_type', '=', r.event_type]], {
        connector_id: id, event_type: r.event_type, carrier_rule: r.carrier_rule, filter_domain: r.filter_domain, active: true
      })
    }
  }
}

/** Settings > Logistics Hub > Sidecar: where Odoo's Test Connection reaches the sidecar, and its token. */
async function seedSidecarSettings (odoo: OdooClient, s: DemoSettings, report: SeedReport): Promise<void> {
  const params = { 'logistics_hub.sidecar_url': s.HUB_DEMO_SIDECAR_URL.replace(/\/$/, ''), 'logistics_hub.sidecar_token': s.HUB_ADMIN_TOKEN }
  for (const [key, value] of Object.entries(params)) {
    const current = await odoo.executeKw<string | false>('ir.config_parameter', 'get_param', [key])
    if (current === value) { report.unchanged.push(`setting ${key}`); continue }
    await odoo.executeKw('ir.config_parameter', 'set_param', [key, value])
    report[current === false ? 'created' : 'updated'].push(`setting ${key}`)
  }
}

/** The walkthrough's customer and product (stock is put in once, when the product is created). */
async function seedWalkthrough (odoo: OdooClient, report: SeedReport): Promise<number> {
  const [countryId] = await odoo.executeKw<number[]>('res.country', 'search', [[['code', '=', DEMO_CUSTOMER.country]]], { limit: 1 })
  const { ref, name, street, city, zip } = DEMO_CUSTOMER
  const customer = await upsert(odoo, report, `customer ${name}`, 'res.partner', [['ref', '=', ref]], {
    ref, name, street, city, zip, is_company: false, active: true, ...(countryId ? { country_id: countryId } : {})
  })
  const product = await upsert(odoo, report, `product ${DEMO_PRODUCT.default_code}`, 'product.product', [['default_code', '=', DEMO_PRODUCT.default_code]], {
    default_code: DEMO_PRODUCT.default_code, name: DEMO_PRODUCT.name, type: 'consu', is_storable: true, weight: DEMO_PRODUCT.weight, sale_ok: true, active: true
  })
  if (product.created) {
    const [warehouse] = await odoo.executeKw<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'search_read', [[]], { fields: ['lot_stock_id'], limit: 1 })
    if (!warehouse) throw new Error('the database has no warehouse: is Inventory installed?')
    const quant = await odoo.executeKw<number>('stock.quant', 'create', [{ product_id: product.id, location_id: warehouse.lot_stock_id[0], inventory_quantity: DEMO_PRODUCT.onHand }], { context: { inventory_mode: true } })
    await odoo.executeKw('stock.quant', 'action_apply_inventory', [[quant]])
  }
  return customer.id
}

/** The GraphQL quick start's client: reads what Demo Customer may read, with a known demo secret. */
async function seedApiClient (odoo: OdooClient, s: DemoSettings, customerId: number, report: SeedReport): Promise<void> {
  await upsert(odoo, report, `API client ${DEMO_API_CLIENT.client_id}`, 'hub.api.client', [['client_id', '=', DEMO_API_CLIENT.client_id]], {
    client_id: DEMO_API_CLIENT.client_id, name: DEMO_API_CLIENT.name, partner_id: customerId, scopes: DEMO_API_CLIENT.scopes,
    audience: 'partner', secret_hash: hashSecret(s.HUB_DEMO_CLIENT_SECRET), revoked: false, expires_at: false, active: true
  })
}

/**
 * Puts the demo into Odoo: the connectors and routes of partners.ts pointing at the running simulators
 * with the demo secret, the sidecar URL and admin token in the settings, the walkthrough's customer and
 * product, and the GraphQL demo client. Idempotent: a second run reports everything unchanged.
 */
export async function seedDemo (odoo: OdooClient, s: DemoSettings, baseUrls: Record<SimulatorName, string>): Promise<SeedReport> {
  const report: SeedReport = { created: [], updated: [], unchanged: [] }
  await seedConnectors(odoo, s, baseUrls, report)
  await seedSidecarSettings(odoo, s, report)
  const customerId = await seedWalkthrough(odoo, report)
  await seedApiClient(odoo, s, customerId, report)
  return report
}
