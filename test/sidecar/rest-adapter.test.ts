import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_REST_MAPPING } from '../../sidecar/src/adapters/rest/mapping.ts'
import { WebhookReceiver } from '../../sidecar/simulators/webhook-receiver.ts'
import { insertConnector, insertEvent, newSecret, writebackResults } from '../support/fixtures.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

/**
 * Contract of the `rest` adapter (the adapter kit's proof, docs/architecture.md "Adding a partner system"):
 * a partner described by the connector's rest_mapping only, through the real relay, delivery worker and
 * write-back queue, against a partner that verifies the Standard Webhooks signature.
 */
describe('REST partner adapter (mapping only)', () => {
  let db: TestDatabase
  let sidecar: Awaited<ReturnType<typeof startSidecar>>
  const secret = newSecret()
  // The partner answers with its own order number under order.id, when it was sent an orderRef.
  const receiver = new WebhookReceiver(secret, body => body?.orderRef ? { order: { id: `PO-${String(body.orderRef)}` } } : { ok: true })
  let url: string

  before(async () => {
    db = await createTestDatabase()
    url = await receiver.start()
    sidecar = await startSidecar(db.url)
  })
  after(async () => { await sidecar.stop(); await receiver.stop(); await db.drop() })

  const settled = async (uuid: string) => await waitFor(`result of ${uuid}`, async () => {
    const results = (await writebackResults(db.pool)).filter(r => r.event_uuid === uuid)
    return results.some(r => r.status === 'sent' || r.status === 'dead') ? results : null
  }, 30_000)

  it('POSTs the mapped request, signed, to base URL + path and records the reference it maps from the answer', async () => {
    const mapping = JSON.stringify({
      path: '/orders',
      request: "{ 'orderRef': data.order.name, 'event': type, 'lines': $count(data.order.lines) }",
      reference: 'order.id'
    })
    const c = await insertConnector(db.pool, { adapter: 'rest', base_url: url, secret, rest_mapping: mapping })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 10, payload: { order: { id: 10, name: 'S010', lines: [{ id: 1 }, { id: 2 }] } } })
    const results = await settled(e.uuid)
    const got = receiver.accepted.find(a => a.webhook_id === e.uuid)
    assert.ok(got, 'the partner verified the signature and accepted the message')
    assert.deepEqual(got.body, { orderRef: 'S010', event: 'order.confirmed', lines: 2 })
    assert.equal(got.path, '/hook/orders', 'the path is joined to the base URL, keeping its own path')
    assert.deepEqual(results.map(r => [r.status, r.external_ref]), [['sent', 'PO-S010']])
  })

  it('sends the canonical envelope to the base URL itself with the default mapping', async () => {
    const c = await insertConnector(db.pool, { adapter: 'rest', base_url: url, secret, rest_mapping: DEFAULT_REST_MAPPING })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 11, correlation_id: 'corr-11', payload: { order: { id: 11, name: 'S011' } } })
    const results = await settled(e.uuid)
    const got = receiver.accepted.find(a => a.webhook_id === e.uuid)
    assert.ok(got)
    assert.equal(got.path, '/hook')
    assert.equal(got.body.id, e.uuid)
    assert.equal(got.body.correlation_id, 'corr-11')
    assert.deepEqual(got.body.data, { order: { id: 11, name: 'S011' } })
    assert.deepEqual(results.map(r => [r.status, r.external_ref]), [['sent', null]])
  })

  for (const [what, mapping, says] of [
    ['not JSON', '{ path: /orders', /is not JSON/],
    ['without a request expression', '{"path": "/orders"}', /is not valid \(request: /],
    ['whose path is a URL of another host', '{"path": "https://elsewhere.example/x", "request": "$"}', /is not valid \(path: must be a path under the base URL/],
    ['with an unknown key', '{"request": "$", "refrence": "id"}', /is not valid \(\(root\): Unrecognized key: "refrence"/],
    ['with a request expression JSONata cannot read', '{"request": "{ \'a\': "}', /request expression JSONata cannot read/],
    ['whose request expression fails on the event', '{"request": "$number(data.order.name)"}', /request expression failed on order\.confirmed/],
    // without a time limit this runs forever and starves the whole process (timers, hooks, heartbeat)
    ['whose request expression never ends', '{"request": "($f := function($x){ $f($x + 1) }; $f(0))"}', /request expression failed on order\.confirmed \(Evaluation timeout after 1000 milliseconds/]
  ] as const) {
    it(`dead-letters at the first attempt, naming the connector, a mapping ${what}`, async () => {
      const c = await insertConnector(db.pool, { adapter: 'rest', base_url: url, secret, rest_mapping: mapping, max_attempts: 5 })
      const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 12, payload: { order: { id: 12, name: 'S012' } } })
      const results = await settled(e.uuid)
      assert.deepEqual(results.map(r => `${r.status}:${r.attempt}`), ['dead:1'], 'a mapping that cannot work is not retried')
      assert.match(results[0]!.error ?? '', new RegExp(`connector ${c.code}: its REST mapping`))
      assert.match(results[0]!.error ?? '', says)
      assert.equal(receiver.attempts.filter(a => a.webhook_id === e.uuid).length, 0, 'nothing reached the partner')
    })
  }

  it('retries a 2xx whose answer lacks the mapped reference; the partner dedupes the repeat on webhook-id', async () => {
    const mapping = JSON.stringify({ request: "{ 'note': 'no orderRef: the partner answers { ok: true }' }", reference: 'order.id' })
    const c = await insertConnector(db.pool, { adapter: 'rest', base_url: url, secret, rest_mapping: mapping, max_attempts: 2 })
    const e = await insertEvent(db.pool, { connector_id: c.id, res_id: 13 })
    const results = await settled(e.uuid)
    assert.deepEqual(results.map(r => `${r.status}:${r.attempt}`), ['failed:1', 'dead:2'])
    assert.match(results[0]!.error ?? '', /accepted the message but its answer has no reference where the REST mapping looks/)
    assert.equal(receiver.accepted.filter(a => a.webhook_id === e.uuid).length, 1, 'the partner acted once')
  })
})
