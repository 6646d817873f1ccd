import './support/dom.ts'
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { groups } from './support/web/core/user.ts'
import { type OrmCall, type TestEnv, loadOwlUi, makeEnv, mount, nextTick } from './support/owl-ui.ts'

const WMS: [number, string] = [1, 'Main WMS']
const CARRIER: [number, string] = [2, 'Carrier']

function event (id: number, extra: Record<string, unknown> = {}) {
  return {
    id, uuid: `uuid-${id}`, direction: 'out', event_type: 'picking.ready', event_type_label: 'Delivery ready', state: 'delivered', connector_id: WMS,
    correlation_id: 'corr-1', create_date: `2026-11-23 16:0${id}:00`, relayed_at: false, done_at: `2026-11-23 16:0${id}:02`, ...extra
  }
}

function attempt (id: number, event: [number, string], number: number, extra: Record<string, unknown> = {}) {
  return {
    id, event_id: event, attempt: number, max_attempts: 5, status: 'failed', http_status: 503, duration_ms: 120,
    response_excerpt: '{"error":"upstream down"}', error: 'HTTP 503', attempted_at: `2026-11-23 16:0${number}:00`,
    next_retry_at: '2026-11-23 16:05:10', ...extra
  }
}

/** hub.event / hub.sync.state / hub.event.attempt of picking 7 as the server holds them; replay appends a new event. */
function serverFor (env: TestEnv) {
  const data = {
    events: [
      event(3, { direction: 'in', event_type: 'fulfilment.packed', event_type_label: 'Packed by the warehouse', state: 'applied' }),
      event(2, { connector_id: CARRIER, state: 'dead', event_type: 'picking.done' }),
      event(1)
    ],
    states: [
      { id: 10, connector_id: WMS, status: 'acknowledged', attempts: 1, last_error: false, correlation_id: 'corr-1', last_sync_at: '2026-11-23 16:03:00', external_ref: 'WMS-9', last_event_id: [1, 'picking.ready'] },
      { id: 11, connector_id: CARRIER, status: 'dead', attempts: 5, last_error: 'HTTP 422: address rejected', correlation_id: 'corr-1', last_sync_at: '2026-11-23 16:04:00', external_ref: false, last_event_id: [2, 'picking.done'] }
    ],
    // newest first, as the dialog asks for them
    attempts: [
      attempt(22, [2, 'picking.done'], 2, { status: 'dead', http_status: 422, response_excerpt: '{"error":"address rejected"}', error: 'HTTP 422: address rejected', next_retry_at: false }),
      attempt(21, [2, 'picking.done'], 1, { status: 'failed', http_status: 0, duration_ms: 10000, response_excerpt: false, error: 'partner unreachable: timeout' }),
      attempt(11, [1, 'picking.ready'], 1, { status: 'sent', http_status: 201, duration_ms: 35, response_excerpt: '{"fulfilment_id":"WMS-9"}', next_retry_at: false })
    ] as unknown[]
  }
  env.services.orm.handle = (call: OrmCall) => {
    if (call.method === 'search_read' && call.model === 'hub.event') return data.events
    if (call.method === 'search_read' && call.model === 'hub.sync.state') return data.states
    if (call.method === 'search_read' && call.model === 'hub.event.attempt') return data.attempts
    if (call.method === 'hub_event_preview') return (call.args[0] as number[]).map(id => ({ id, preview: `{\n  "id": "uuid-${id}",\n  "data": { "token": "***" }\n}` }))
    if (call.method === 'action_hub_replay') {
      const [original] = call.args[0] as number[]
      const source = data.events.find(e => e.id === original)!
      data.events.unshift(event(9, { ...source, id: 9, uuid: 'uuid-9', state: 'pending', done_at: false }))
      return { type: 'ir.actions.client', tag: 'display_notification', params: { message: 'sent again' } }
    }
    throw new Error(`unexpected ${call.model}.${call.method}`)
  }
  return data
}

describe('integration timeline dialog', () => {
  let ui: any
  before(async () => { ui = await loadOwlUi() })
  beforeEach(() => { groups.clear() })
  const mounted: Array<{ destroy: () => void }> = []
  after(() => { for (const m of mounted) m.destroy() })

  async function open (props: Record<string, unknown> = {}, manager = false) {
    if (manager) groups.add('logistics_hub.group_hub_manager')
    const env = makeEnv()
    serverFor(env)
    const m = await mount(ui.SyncTimelineDialog, { resModel: 'stock.picking', resId: 7, recordName: 'WH/OUT/00007', close: () => {}, ...props }, env)
    mounted.push(m)
    return m
  }
  const rows = (el: Element) => [...el.querySelectorAll<HTMLElement>('.o_hub_timeline_event')]
  const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim()

  it("reads the record's events and sync states", async () => {
    const { target, env } = await open()
    const reads = env.services.orm.calls.filter(c => c.method === 'search_read')
    const domain = [['res_model', '=', 'stock.picking'], ['res_id', '=', 7]]
    const attemptDomain = [['event_id.res_model', '=', 'stock.picking'], ['event_id.res_id', '=', 7]]
    assert.deepEqual(reads.map(c => [c.model, c.kwargs.domain]), [['hub.event', domain], ['hub.sync.state', domain], ['hub.event.attempt', attemptDomain]])
    assert.deepEqual(reads[2]!.kwargs.fields, ui.ATTEMPT_FIELDS)
    assert.deepEqual(reads[0]!.kwargs.fields, ui.EVENT_FIELDS)
    assert.equal(reads[0]!.kwargs.order, 'id desc')
    assert.equal(text(target.querySelector('.modal-title')), 'Integration timeline: WH/OUT/00007')

    assert.deepEqual(rows(target).map(r => [r.dataset.eventId, r.dataset.direction, r.dataset.state]),
      [['3', 'in', 'applied'], ['2', 'out', 'dead'], ['1', 'out', 'delivered']])
    assert.equal(text(rows(target)[0]!.querySelector('.o_hub_event_type')), 'Packed by the warehouse', 'event types by their names')
    assert.equal(rows(target)[0]!.dataset.eventType, 'fulfilment.packed')
    assert.equal(text(rows(target)[0]!.querySelector('.o_hub_event_state')), 'Applied')
    assert.match(text(rows(target)[1]!), /correlation corr-1/)

    const states = [...target.querySelectorAll<HTMLElement>('.o_hub_timeline_state')]
    assert.deepEqual(states.map(s => s.dataset.status), ['acknowledged', 'dead'])
    assert.match(text(states[0]), /Attempts: 1 · last sync 2026-11-23 16:03 · ref WMS-9/)
    assert.equal(text(states[1]!.querySelector('.o_hub_last_error')), 'HTTP 422: address rejected')
  })

  it('shows the masked message of an event on demand', async () => {
    const { target, env } = await open()
    assert.equal(target.querySelector('.o_hub_payload'), null)
    rows(target)[1]!.querySelector<HTMLElement>('.o_hub_preview_toggle')!.click()
    await nextTick()
    assert.deepEqual(env.services.orm.calls.at(-1), { model: 'hub.event', method: 'hub_event_preview', args: [[2]], kwargs: {} })
    assert.match(text(target.querySelector('.o_hub_payload')), /"token": "\*\*\*"/)
    rows(target)[1]!.querySelector<HTMLElement>('.o_hub_preview_toggle')!.click()
    await nextTick()
    assert.equal(target.querySelector('.o_hub_payload'), null)
  })

  it('offers Replay and Retry to managers only', async () => {
    const user = await open()
    assert.equal(user.target.querySelectorAll('.o_hub_replay, .o_hub_retry').length, 0)
    const manager = await open({}, true)
    assert.equal(manager.target.querySelectorAll('.o_hub_replay').length, 2, 'one per outbound event')
    assert.equal(manager.target.querySelectorAll('.o_hub_retry').length, 1, 'only the dead connector')
  })

  it('replays an outbound event as a new one and shows it', async () => {
    const { target, env } = await open({}, true)
    rows(target)[2]!.querySelector<HTMLElement>('.o_hub_replay')!.click()
    await nextTick()
    await nextTick()
    assert.ok(env.services.orm.calls.some(c => c.method === 'action_hub_replay' && JSON.stringify(c.args) === '[[1]]'))
    assert.deepEqual(env.services.action.done, [{ type: 'ir.actions.client', tag: 'display_notification', params: { message: 'sent again' } }])
    assert.deepEqual(rows(target).map(r => [r.dataset.eventId, r.dataset.state]).slice(0, 1), [['9', 'pending']])
  })

  it("retries a dead connector by replaying its last event", async () => {
    const { target, env } = await open({}, true)
    target.querySelector<HTMLElement>('.o_hub_retry')!.click()
    await nextTick()
    assert.ok(env.services.orm.calls.some(c => c.method === 'action_hub_replay' && JSON.stringify(c.args) === '[[2]]'))
  })

  it('starts on the clicked connector and can show all', async () => {
    const { target } = await open({ connectorId: CARRIER[0] })
    assert.deepEqual(rows(target).map(r => r.dataset.eventId), ['2'])
    const filters = [...target.querySelectorAll<HTMLElement>('.o_hub_filter')]
    assert.deepEqual(filters.map(f => text(f)), ['All', 'Main WMS', 'Carrier'])
    filters[0]!.click()
    await nextTick()
    assert.deepEqual(rows(target).map(r => r.dataset.eventId), ['3', '2', '1'])
  })

  it('reloads when the record changes on the server', async () => {
    const { target, env } = await open()
    const reads = () => env.services.orm.calls.filter(c => c.method === 'search_read').length
    assert.equal(reads(), 3)
    env.services.bus_service.notify('logistics_hub.sync', { model: 'stock.picking', id: 7, badges: [] })
    await nextTick()
    assert.equal(reads(), 6)
    env.services.bus_service.notify('logistics_hub.sync', { model: 'stock.picking', id: 8, badges: [] })
    await nextTick()
    assert.equal(reads(), 6, 'another record changes nothing')
    assert.equal(rows(target).length, 3)
  })

  it('lists each delivery attempt of an outbound event with the partner status, answer and duration', async () => {
    const { target } = await open()
    const attemptsOf = (row: Element) => [...row.querySelectorAll<HTMLElement>('.o_hub_attempt')]
    const [inbound, dead, delivered] = rows(target)
    assert.equal(attemptsOf(inbound!).length, 0, 'inbound events have no delivery attempts')
    assert.deepEqual(attemptsOf(dead!).map(a => [a.dataset.attempt, a.dataset.status]), [['1', 'failed'], ['2', 'dead']], 'first attempt first')
    /** label, outcome, answer, duration and what comes next of an attempt row */
    const parts = (a: Element | undefined) => ['.o_hub_attempt_label', '.badge', '.o_hub_attempt_http', '.o_hub_attempt_duration', '.o_hub_attempt_next']
      .map(selector => text(a!.querySelector(selector)))
    const [first, second] = attemptsOf(dead!)
    assert.deepEqual(parts(first), ['Attempt 1 of 5', 'Failed', 'no answer', '10000 ms', ''], 'only the last attempt says what comes next')
    assert.equal(text(first!.querySelector('.o_hub_attempt_error')), 'partner unreachable: timeout')
    assert.equal(first!.querySelector('.o_hub_attempt_excerpt'), null)
    assert.deepEqual(parts(second), ['Attempt 2 of 5', 'Dead', 'HTTP 422', '120 ms', 'no more retries'])
    assert.equal(text(second!.querySelector('.o_hub_attempt_excerpt')), '{"error":"address rejected"}')
    assert.match(text(second), /2026-11-23 16:02/, 'when it was made')
    const [sent] = attemptsOf(delivered!)
    assert.deepEqual(parts(sent), ['Attempt 1 of 5', 'Sent', 'HTTP 201', '35 ms', ''])
    assert.equal(text(sent!.querySelector('.o_hub_attempt_excerpt')), '{"fulfilment_id":"WMS-9"}')
    assert.equal(sent!.querySelector('.o_hub_attempt_error'), null)
  })

  it('says on a failing connector\'s card which attempt it is and when the next one is due', async () => {
    const env = makeEnv()
    const data = serverFor(env)
    Object.assign(data.states[1]!, { status: 'failed', attempts: 2, last_error: 'HTTP 503' })
    data.attempts[0] = attempt(22, [2, 'picking.done'], 2, { next_retry_at: '2026-11-23 16:05:10' })
    const m = await mount(ui.SyncTimelineDialog, { resModel: 'stock.picking', resId: 7, close: () => {} }, env)
    mounted.push(m)
    const cards = [...m.target.querySelectorAll<HTMLElement>('.o_hub_timeline_state')]
    assert.equal(text(cards[1]!.querySelector('.o_hub_attempt_summary')), 'Attempt 2 of 5, next retry at 2026-11-23 16:05')
    assert.equal(text(cards[0]!.querySelector('.o_hub_attempt_summary')), 'Attempt 1 of 5', 'a delivered connector just counts')
    assert.match(text(rows(m.target)[1]!.querySelector('.o_hub_attempt[data-attempt="2"] .o_hub_attempt_next')), /^next retry at 2026-11-23 16:05$/)
  })
})
