import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { isDatabaseUnavailable, retryWhileDatabaseUnavailable } from '../../sidecar/src/db/unavailable.ts'
import { createLogger } from '../../sidecar/src/observability/logger.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

/** A replica starting while PostgreSQL restarts waits it out; a statement PostgreSQL refuses still fails the start. */
describe('start-up steps wait out a database outage', () => {
  let db: TestDatabase
  const logger = createLogger('silent')
  before(async () => { db = await createTestDatabase() })
  after(async () => { await db.drop() })

  /** the error a statement gets when PostgreSQL terminates its session mid-way (as on a shutdown or restart) */
  async function terminatedSessionError (): Promise<unknown> {
    const client = new pg.Client({ connectionString: db.url, application_name: 'about-to-be-terminated' })
    client.on('error', () => {})
    await client.connect()
    const running = client.query('SELECT pg_sleep(30)').then(() => null, (e: unknown) => e)
    let terminated = false
    while (!terminated) {
      const { rows } = await db.pool.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'about-to-be-terminated' AND query LIKE '%pg_sleep%'")
      terminated = rows.some(r => r.ok)
    }
    const err = await running
    await client.end().catch(() => {})
    return err
  }

  it('tells an outage from a refused statement, on errors real PostgreSQL gives', async () => {
    assert.equal(isDatabaseUnavailable(await terminatedSessionError()), true)
    const refused = await db.pool.query('SELEC 1').then(() => null, (e: unknown) => e)
    assert.equal(isDatabaseUnavailable(refused), false)
    const refusedConnection = await new pg.Client({ connectionString: db.url.replace(/:(\d+)\//, ':1/') }).connect().then(() => null, (e: unknown) => e)
    assert.equal(isDatabaseUnavailable(refusedConnection), true)
  })

  it('runs the work again after an outage, and gives up at once on anything else', async () => {
    let attempts = 0
    const result = await retryWhileDatabaseUnavailable(logger, 'test', async () => {
      attempts++
      if (attempts === 1) throw await terminatedSessionError()
      return (await db.pool.query('SELECT 42 AS n')).rows[0].n
    })
    assert.deepEqual([result, attempts], [42, 2])

    let refusals = 0
    await assert.rejects(retryWhileDatabaseUnavailable(logger, 'test', async () => { refusals++; await db.pool.query('SELEC 1') }), /syntax error/)
    assert.equal(refusals, 1)
  })
})
