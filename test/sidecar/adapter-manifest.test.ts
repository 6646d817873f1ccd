import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { ODOO_COPY, manifestCopy } from '../../sidecar/src/adapters/export-manifests.ts'
import { type AdapterManifest, SETTINGS, parseManifest } from '../../sidecar/src/adapters/manifest.ts'
import { ADAPTER_MANIFESTS, adapterFor, buildRegistry, carrierAdapterFor } from '../../sidecar/src/adapters/registry.ts'
import { webhookAdapter } from '../../sidecar/src/adapters/webhook/index.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

/**
 * One manifest per adapter, read by the sidecar's registry and (through the committed copy) by Odoo:
 * the two adapter lists are checked equal here, and by the addon's tests/test_adapter_manifests.py.
 */
describe('adapter manifests', () => {
  const names = ADAPTER_MANIFESTS.map(m => m.name)

  it('list every adapter, and the registry serves each one (keys Odoo has stored are unchanged)', () => {
    assert.deepEqual(names, ['graphql_subgraph', 'parcelfast', 'rate_shop', 'rest', 'swiftpost', 'tms', 'webhook', 'wms'])
    for (const name of names) assert.equal(adapterFor(name)?.name, name, name)
    assert.deepEqual(names.filter(n => carrierAdapterFor(n)), ['parcelfast', 'swiftpost'])
  })

  it("Odoo's copy is what the manifests export to (run npm run build:manifests)", async () => {
    assert.equal(await readFile(ODOO_COPY, 'utf8'), manifestCopy())
  })

  it('Odoo offers exactly the adapters of the registry (the addon reader, run by Python)', async () => {
    const reader = new URL('../../odoo_addon/logistics_hub/hub/adapter_manifests.py', import.meta.url).pathname
    // The reader is framework-free: loaded by path, without Odoo, it answers what the selection holds.
    const script = [
      'import importlib.util, json, sys',
      'spec = importlib.util.spec_from_file_location("adapter_manifests", sys.argv[1])',
      'module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)',
      'print(json.dumps({"selection": module.adapter_selection(), "base_url": [n for n, _ in module.adapter_selection() if module.needs_base_url(n)]}))'
    ].join('\n')
    const { stdout } = await promisify(execFile)('/usr/bin/python3.11', ['-c', script, reader])
    const odoo = JSON.parse(stdout) as { selection: Array<[string, string]>, base_url: string[] }
    assert.deepEqual(odoo.selection.map(([key]) => key).sort(), names)
    assert.deepEqual(Object.fromEntries(odoo.selection), Object.fromEntries(ADAPTER_MANIFESTS.map(m => [m.name, m.label])))
    assert.deepEqual(odoo.base_url.sort(), ADAPTER_MANIFESTS.filter(m => m.settings.base_url).map(m => m.name))
  })

  describe('settings are connector columns', () => {
    let db: TestDatabase
    before(async () => { db = await createTestDatabase() })
    after(async () => { await db.drop() })

    it('every setting a manifest may name is a hub_connector column the sidecar reads', async () => {
      const { rows } = await db.pool.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'hub_connector'")
      const columns = new Set(rows.map(r => r.column_name))
      for (const setting of SETTINGS) assert.ok(columns.has(setting), setting)
    })
  })

  describe('the runtime check', () => {
    const valid: AdapterManifest = { name: 'acme', label: 'Acme', kind: 'webhook', capabilities: ['deliver'], settings: { base_url: 'required' }, consumes: ['*'], emits: [] }

    it('accepts a valid manifest', () => {
      assert.deepEqual(parseManifest(valid, 'acme/manifest.json'), valid)
    })

    for (const [bad, field] of [
      [{ ...valid, capabilities: ['deliver', 'teleport'] }, 'capabilities.1'],
      [{ ...valid, kind: 'courier' }, 'kind'],
      [{ ...valid, name: 'Acme Co' }, 'name'],
      [{ ...valid, settings: { api_token: 'required' } }, 'settings: Unrecognized key: "api_token"'],
      [{ ...valid, settings: { base_url: 'yes' } }, 'settings.base_url'],
      [{ ...valid, label: undefined }, 'label'],
      [{ ...valid, colour: 'red' }, '(root): Unrecognized key: "colour"'],
      [{ ...valid, emits: ['shipment.tracking'] }, 'emits: an adapter takes callbacks ("inbound") exactly when it emits message types']
    ] as const) {
      it(`names the bad field: ${field}`, () => {
        assert.throws(() => parseManifest(bad, 'acme/manifest.json'), (err: Error) => {
          assert.match(err.message, /^acme\/manifest\.json: /)
          assert.ok(err.message.includes(`${field}`), err.message)
          return true
        })
      })
    }

    it('refuses a manifest without code, code without a manifest and a capability the code lacks', () => {
      assert.throws(() => buildRegistry([valid], []), /adapter acme has a manifest but no code/)
      assert.throws(() => buildRegistry([], [webhookAdapter]), /adapter webhook has code in adapters\/registry\.ts but no manifest/)
      const webhook = ADAPTER_MANIFESTS.find(m => m.name === 'webhook')!
      assert.throws(() => buildRegistry([{ ...webhook, capabilities: ['deliver', 'inbound'] }], [webhookAdapter]), /adapter webhook: its manifest omits "test-connection", which its code has/)
      assert.throws(() => buildRegistry([{ ...webhook, capabilities: [...webhook.capabilities, 'track'] }], [webhookAdapter]), /adapter webhook: its manifest declares "track", which its code lacks/)
    })
  })
})
