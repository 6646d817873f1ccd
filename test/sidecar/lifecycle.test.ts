import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { SHIPMENT_RANK, SHIPMENT_STATUSES, type ShipmentStatus, advance, finalStatus } from '../../sidecar/src/shipping/lifecycle.ts'

const status = fc.constantFrom(...SHIPMENT_STATUSES)
const stream = fc.array(fc.record({ status }), { maxLength: 30 })

describe('shipment lifecycle', () => {
  it('ends in the same status for any permutation and duplication of an event stream', () => {
    const streamAndReplay = stream.chain(events => fc.tuple(
      fc.constant(events),
      // a permutation of the stream with some of its events delivered again
      fc.tuple(fc.shuffledSubarray(events, { minLength: events.length }), fc.subarray(events)).map(([p, d]) => [...p, ...d])
    ))
    fc.assert(fc.property(streamAndReplay, ([events, replayed]) => {
      assert.equal(finalStatus(replayed), finalStatus(events))
    }), { numRuns: 500 })
  })

  it('never moves backwards: every step keeps or raises the rank', () => {
    fc.assert(fc.property(stream, events => {
      let current: ShipmentStatus = 'pending'
      for (const e of events) {
        const next = advance(current, e.status)
        assert.ok(SHIPMENT_RANK[next] >= SHIPMENT_RANK[current])
        current = next
      }
    }))
  })

  it('keeps delivered final and lets a parcel move on from an exception', () => {
    assert.equal(finalStatus([{ status: 'delivered' }, { status: 'in_transit' }, { status: 'exception' }]), 'delivered')
    assert.equal(finalStatus([{ status: 'in_transit' }, { status: 'exception' }]), 'exception')
    assert.equal(finalStatus([{ status: 'exception' }, { status: 'out_for_delivery' }]), 'out_for_delivery')
    assert.equal(finalStatus([]), 'pending')
  })

  it('uses the same rank table as the Odoo addon (hub/lifecycle.py), which applies tracking', () => {
    const python = readFileSync(new URL('../../odoo_addon/logistics_hub/hub/lifecycle.py', import.meta.url), 'utf8')
    const literal = /SHIPMENT_RANK = \{([^}]*)\}/.exec(python)?.[1]
    assert.ok(literal, 'SHIPMENT_RANK literal found')
    const table = Object.fromEntries([...literal.matchAll(/"(\w+)":\s*(\d+)/g)].map(m => [m[1], Number(m[2])]))
    assert.deepEqual(table, SHIPMENT_RANK)
  })
})
