import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

/** Replicas are often started together (a deploy, a host reboot): on a fresh database all must come up. */
describe('replicas starting together', () => {
  let db: TestDatabase
  const started: Array<Awaited<ReturnType<typeof startSidecar>>> = []

  before(async () => { db = await createTestDatabase() })
  after(async () => { for (const s of started) await s.stop(); await db.drop() })

  it('all start on a fresh database (pg-boss queue creation deadlocked between replicas)', async () => {
    const results = await Promise.allSettled(Array.from({ length: 4 }, async () => await startSidecar(db.url)))
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value)
    assert.deepEqual(results.map(r => r.status === 'rejected' ? String(r.reason) : 'started'), ['started', 'started', 'started', 'started'])
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.queue')
    assert.ok(rows[0]!.n >= 8, `queues created: ${rows[0]!.n}`)
  })
})
