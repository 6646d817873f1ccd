import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'
import { waitFor } from '../support/wait.ts'

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

interface Row { replica: string, hostname: string, pid: number, version: string, started_at: Date, beat_at: Date, interval_seconds: number, stopped_at: Date | null }

/**
 * hub_sidecar.heartbeat is how Odoo tells a running sidecar from a stopped one:
 * each replica beats into its own row, marks it stopped on a graceful stop, and re-creates the table
 * when a beat finds it gone.
 */
describe('sidecar heartbeat', () => {
  let db: TestDatabase
  before(async () => { db = await createTestDatabase() })
  after(async () => { await db.drop() })

  const rows = async (): Promise<Row[]> => (await db.pool.query<Row>('SELECT * FROM hub_sidecar.heartbeat ORDER BY started_at, replica')).rows
  const row = async (replica: string): Promise<Row | undefined> => (await rows()).find(r => r.replica === replica)

  it('writes one row per replica as it starts, beats, and marks it stopped on a graceful stop', async () => {
    const first = await startSidecar(db.url, { HUB_HEARTBEAT_SECONDS: '1' })
    const second = await startSidecar(db.url, { HUB_HEARTBEAT_SECONDS: '1' })
    try {
      const started = await row(first.heartbeat.replica)
      assert.ok(started, 'the first beat is written before start() resolves')
      assert.deepEqual({ hostname: started.hostname, pid: started.pid, version: started.version, interval: started.interval_seconds, stopped: started.stopped_at },
        { hostname: hostname(), pid: process.pid, version: packageVersion, interval: 1, stopped: null })
      assert.equal((await rows()).filter(r => r.stopped_at === null).length, 2, 'two replicas, two live rows')
      await waitFor('a later beat', async () => (await row(first.heartbeat.replica))!.beat_at > started.beat_at, 10_000)
    } finally {
      await second.stop()
    }
    const stopped = await row(second.heartbeat.replica)
    assert.ok(stopped?.stopped_at, 'a graceful stop is recorded')
    const beatAtStop = (await row(first.heartbeat.replica))!.beat_at
    await waitFor('the first replica beating on', async () => (await row(first.heartbeat.replica))!.beat_at > beatAtStop, 10_000)
    assert.equal((await row(first.heartbeat.replica))!.stopped_at, null)
    await first.stop()
    assert.ok((await row(first.heartbeat.replica))!.stopped_at)
  })

  it('re-creates its table when a beat finds it gone (a database restored without hub_sidecar)', async () => {
    const sidecar = await startSidecar(db.url, { HUB_HEARTBEAT_SECONDS: '1' })
    try {
      await db.pool.query('DROP TABLE hub_sidecar.heartbeat')
      await waitFor('the row back', async () => {
        try { return await row(sidecar.heartbeat.replica) } catch { return undefined }
      }, 10_000)
    } finally {
      await sidecar.stop()
    }
  })
})
