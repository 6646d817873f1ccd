import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { z } from 'zod'

/**
 * An adapter's manifest (`adapters/<folder>/manifest.json`): what a partner system is, as data both the
 * sidecar's registry and the Odoo addon read (the addon reads the copy `npm run build:manifests` writes to
 * odoo_addon/logistics_hub/hub/adapter_manifests.json), so adding one is a folder and no hand-kept list.
 * docs/architecture.md, "Adding a partner system", documents the fields.
 */

/** What an adapter really does; compensations (cancel, void) are declared so processes can ask for them. */
export const CAPABILITIES = ['deliver', 'rate', 'book', 'track', 'poll', 'cancel', 'void', 'freight-bills', 'test-connection', 'inbound', 'subgraph'] as const
/** hub.connector `kind` values (Odoo's selection keys) */
export const KINDS = ['carrier', 'wms', 'tms', 'billing', 'portal', 'webhook', 'subgraph'] as const
/** The hub.connector fields an adapter may read as its settings (the connector form shows these). */
export const SETTINGS = ['base_url', 'secret', 'timeout', 'rest_mapping'] as const

export type Capability = typeof CAPABILITIES[number]
export type Setting = typeof SETTINGS[number]

const manifestSchema = z.object({
  /** the key Odoo stores in hub.connector.adapter: never renamed once released */
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lowercase key such as rate_shop'),
  /** as Odoo shows it in the adapter selection */
  label: z.string().min(1),
  kind: z.enum(KINDS),
  capabilities: z.array(z.enum(CAPABILITIES)).min(1),
  /** connector fields it reads: `required` ones must be set for it to work */
  settings: z.partialRecord(z.enum(SETTINGS), z.enum(['required', 'optional'])),
  /** outbound event types it delivers (`*`: any type Odoo sends it, routed or a compensation) */
  consumes: z.array(z.string().min(1)),
  /** inbound message types its callbacks become (`*`: whatever the canonical message says) */
  emits: z.array(z.string().min(1))
}).strict().refine(m => m.capabilities.includes('inbound') === (m.emits.length > 0), {
  path: ['emits'], message: 'an adapter takes callbacks ("inbound") exactly when it emits message types'
})

export type AdapterManifest = z.infer<typeof manifestSchema>

export class ManifestError extends Error {
  override name = 'ManifestError'
}

/** Checks one manifest; the error names the file and the bad field (e.g. `capabilities.1`). */
export function parseManifest (raw: unknown, source: string): AdapterManifest {
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ManifestError(`${source}: ${parsed.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  }
  return parsed.data
}

export const ADAPTERS_DIR = fileURLToPath(new URL('.', import.meta.url))

/**
 * Every `<folder>/manifest.json` under the adapters folder, sorted by name. Discovery by folder is safe
 * here: a manifest is data (nothing runs), and the registry refuses a manifest without code or the reverse.
 */
export function loadManifests (dir: string = ADAPTERS_DIR): AdapterManifest[] {
  const manifests = readdirSync(dir, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && existsSync(join(dir, entry.name, 'manifest.json')))
    .map(entry => {
      const file = join(dir, entry.name, 'manifest.json')
      let raw: unknown
      try { raw = JSON.parse(readFileSync(file, 'utf8')) } catch (err) { throw new ManifestError(`${file}: not JSON (${(err as Error).message})`) }
      return parseManifest(raw, file)
    })
    .sort((a, b) => a.name.localeCompare(b.name))
  const seen = new Set<string>()
  for (const m of manifests) {
    if (seen.has(m.name)) throw new ManifestError(`two manifests are named ${m.name}`)
    seen.add(m.name)
  }
  return manifests
}

export const needsBaseUrl = (m: AdapterManifest): boolean => m.settings.base_url !== undefined

/** Whether the adapter delivers `eventType` (listed in `consumes`, or `*`: any type Odoo sends it). */
export const consumesEvent = (m: AdapterManifest, eventType: string): boolean => m.consumes.includes('*') || m.consumes.includes(eventType)
