import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { insertConnector, insertEvent, newSecret, signedHeaders } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

/**
 * Rotating a connector's secret in Odoo (hub.connector.action_regenerate_secret) keeps the previous
 * secret valid until previous_secret_expires: inbound hooks verify against either, outbound messages
 * carry a signature by each, so neither side has an outage while the partner switches.
 */
describe('connector secret rotation with an overlap', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const oldSecret = newSecret()
  const newSecret_ = newSecret()
  const onOld = new WebhookReceiver(oldSecret)
  const onNew = new WebhookReceiver(newSecret_)
  let oldUrl: string
  let newUrl: string

  before(async () => {
    oldUrl = await onOld.start()
    newUrl = await onNew.start()
    db = await createTestDatabase()
    sidecar = await startSidecar(db.url)
  })
  after(async () => { await sidecar.stop(); await onOld.stop(); await onNew.stop(); await db.drop() })

  const rotated = async (expiresInSeconds: number, values: Record<string, unknown> = {}) => await insertConnector(db.pool, {
    secret: newSecret_, previous_secret: oldSecret, ...values,
    previous_secret_expires: new Date(Date.now() + expiresInSeconds * 1000).toISOString().replace('T', ' ').replace('Z', '')
  })

  async function hook (code: string, key: string): Promise<number> {
    const body = JSON.stringify({ type: 'portal.note', data: { note: 'hi' } })
    const res = await request(`${sidecar.url}/hooks/${code}`, { method: 'POST', body, headers: signedHeaders(key, body) })
    await res.body.dump()
    return res.statusCode
  }

  it('accepts inbound messages signed with the old or the new secret during the overlap', async () => {
    const { code } = await rotated(3600)
    assert.equal(await hook(code, newSecret_), 202)
    assert.equal(await hook(code, oldSecret), 202, 'a partner that has not switched yet is still heard')
    assert.equal(await hook(code, newSecret()), 401, 'any other secret is refused')
  })

  it('refuses the old secret once the overlap has ended', async () => {
    const { code } = await rotated(-60)
    assert.equal(await hook(code, newSecret_), 202)
    assert.equal(await hook(code, oldSecret), 401)
  })

  it('signs outbound messages with both secrets during the overlap, and only the new one after', async () => {
    const during = await rotated(3600, { base_url: oldUrl })
    const e1 = await insertEvent(db.pool, { connector_id: during.id, res_id: 1 })
    await waitFor('accepted by a partner still on the old secret', () => onOld.accepted.some(a => a.webhook_id === e1.uuid))
    const both = String(onOld.accepted.find(a => a.webhook_id === e1.uuid)!.headers['webhook-signature'])
    assert.equal(both.split(' ').length, 2, 'one v1 signature per secret')

    const switched = await rotated(3600, { base_url: newUrl })
    const e2 = await insertEvent(db.pool, { connector_id: switched.id, res_id: 1 })
    await waitFor('accepted by a partner on the new secret', () => onNew.accepted.some(a => a.webhook_id === e2.uuid))

    const ended = await rotated(-60, { base_url: oldUrl })
    const e3 = await insertEvent(db.pool, { connector_id: ended.id, res_id: 1 })
    await waitFor('refused by the old-secret partner after the overlap', () => onOld.attempts.some(a => a.webhook_id === e3.uuid && a.status === 401))
    assert.ok(!onOld.accepted.some(a => a.webhook_id === e3.uuid))
  })
})
