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
  // pg-pool takes its own error listener off a client while it is checked out: a server that goes
  // away mid-transaction (PostgreSQL restarting) would then emit 'error' to nobody, which ends the
  // process. The failed query rejects anyway; this only keeps the event from being unhandled.
  let lost: unknown = null
  const onError = (err: unknown) => { lost = err }
  client.on('error', onError)
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.removeListener('error', onError)
    // a client whose connection was lost must not go back into the pool
    client.release(lost instanceof Error ? lost : undefined)
  }
}

/** Runs fn while holding a PostgreSQL advisory lock named `key`, so replicas doing the same take turns. */
export async function withSessionLock<T> (pool: pg.Pool, key: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect()
  const onError = () => {}
  client.on('error', onError)
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key])
    try {
      return await fn()
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {})
    }
  } finally {
    client.removeListener('error', onError)
    client.release()
  }
}
