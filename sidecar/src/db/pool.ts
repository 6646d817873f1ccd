import pg from 'pg'

export type Pool = pg.Pool
export type Client = pg.PoolClient

/** A query plan: SQL text with its values, built by the pure functions in *-plans.ts. */
export interface Plan { text: string, values: unknown[] }

export function createPool (connectionString: string, max = 10): pg.Pool {
  // jit off: the sidecar's statements are short, index-driven ones, and on a large outbox the planner's
  // cost estimates make PostgreSQL compile them (tens of ms) for work that takes a millisecond
  const pool = new pg.Pool({ connectionString, max, application_name: 'logistics-hub-sidecar', options: '-c jit=off' })
  // An idle client that loses its server (Postgres restart) emits 'error' on the pool; without a
  // listener node would crash the whole process. The next checkout simply gets a fresh connection.
  pool.on('error', () => {})
  return pool
}

/** Runs fn inside BEGIN/COMMIT on one client; rolls back and rethrows on any error. */
export async function withTransaction<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}
