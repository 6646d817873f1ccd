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

/**
 * A client of `pool` for a caller's own use, with an error listener for as long as it is out.
 * pg-pool takes its own listener off a client while it is checked out, so a server that goes away
 * meanwhile (PostgreSQL restarting) would emit 'error' to nobody, which ends the process. The query
 * under way rejects anyway; `release()` puts the client back, or drops it when its connection was lost.
 */
async function checkout (pool: pg.Pool): Promise<{ client: pg.PoolClient, release: () => void }> {
  const client = await pool.connect()
  let lost: Error | undefined
  const onError = (err: Error) => { lost = err }
  client.on('error', onError)
  return {
    client,
    release: () => {
      client.removeListener('error', onError)
      client.release(lost)
    }
  }
}

/** Runs fn inside BEGIN/COMMIT on one client; rolls back and rethrows on any error. */
export async function withTransaction<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkout(pool)
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    release()
  }
}

/** Runs fn while holding a PostgreSQL advisory lock named `key`, so replicas doing the same take turns. */
export async function withSessionLock<T> (pool: pg.Pool, key: string, fn: () => Promise<T>): Promise<T> {
  const { client, release } = await checkout(pool)
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key])
    try {
      return await fn()
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {})
    }
  } finally {
    release()
  }
}
