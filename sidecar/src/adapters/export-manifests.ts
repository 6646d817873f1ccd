import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadManifests } from './manifest.ts'

/**
 * `npm run build:manifests`: the Odoo addon's copy of every adapter manifest. Odoo's container mounts only
 * odoo_addon/ (docker-compose.yml), so the addon cannot read sidecar/ there; the copy is committed and
 * test/sidecar/adapter-manifest.test.ts fails when it differs from the sources.
 */
export const ODOO_COPY = fileURLToPath(new URL('../../../odoo_addon/logistics_hub/hub/adapter_manifests.json', import.meta.url))

export function manifestCopy (): string {
  return `${JSON.stringify({
    generated: 'by npm run build:manifests from sidecar/src/adapters/*/manifest.json: edit those, not this copy',
    adapters: loadManifests()
  }, null, 2)}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ODOO_COPY, manifestCopy())
  console.log(`wrote ${ODOO_COPY}`)
}
