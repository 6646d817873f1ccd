import { z } from 'zod'

/**
 * Settings of `npm run demo`, read once from the environment. The Odoo variables and HUB_ADMIN_TOKEN
 * have the sidecar's names and defaults matching the README's `npm start` line, so one exported set
 * serves both commands; the defaults fit the project's Odoo harness (127.0.0.1:8069, database hub,
 * admin/admin). Demo values are public: never seed them into an Odoo that talks to real partners.
 */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback)

const schema = z.object({
  ODOO_URL: z.string().url().default('http://127.0.0.1:8069'),
  ODOO_DB: z.string().min(1).default('hub'),
  ODOO_USER: z.string().min(1).default('admin'),
  ODOO_PASSWORD: z.string().min(1).default('admin'),
  /** where the simulators listen (compose: 0.0.0.0) */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** how the simulators and Odoo reach the sidecar: callbacks go to <this>/hooks/<connector code> */
  HUB_DEMO_SIDECAR_URL: z.string().url().default('http://127.0.0.1:4000'),
  /** how the sidecar reaches the simulators: the connectors' base URLs (compose: the service name) */
  HUB_DEMO_PARTNER_HOST: z.string().min(1).default('127.0.0.1'),
  /** Standard Webhooks secret of every demo connector, which is also the carriers' and TMS's API key */
  HUB_DEMO_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'a Standard Webhooks secret: whsec_ + base64')
    .default('whsec_ZGVtby1zZWNyZXQtZm9yLXRoZS13bXMtc2ltdWxhdG9y'),
  /** the sidecar's admin token; written to Odoo's Settings > Logistics Hub so Test Connection works */
  HUB_ADMIN_TOKEN: z.string().min(16).default('demo-admin-token-change-me'),
  /** secret of the demo GraphQL client `hub_demo_client` (README, "GraphQL quick start") */
  HUB_DEMO_CLIENT_SECRET: z.string().min(16).default('demo-client-secret-change-me'),
  WMS_PORT: port(4101),
  PARCELFAST_PORT: port(4102),
  SWIFTPOST_PORT: port(4103),
  TMS_PORT: port(4104),
  CUSTOMS_PORT: port(4106),
  /** the WMS confirms pick, then pack, this long after accepting a delivery */
  WMS_CONFIRM_DELAY_MS: z.coerce.number().int().min(0).default(3000)
})

export type DemoSettings = z.infer<typeof schema>

export function loadDemoSettings (env: NodeJS.ProcessEnv = process.env): DemoSettings {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    throw new Error(`invalid demo settings: ${parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  }
  return parsed.data
}
