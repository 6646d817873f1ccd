import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import pg from 'pg'

/**
 * Each test file gets its own database on the real PostgreSQL started by test/run.mjs
 * (HUB_TEST_PG_URL points at its maintenance database), loaded with the addon's table layout.
 */
export interface TestDatabase { url: string, pool: pg.Pool, drop: () => Promise<void> }

export async function createTestDatabase (): Promise<TestDatabase> {
  const adminUrl = process.env.HUB_TEST_PG_URL
  if (!adminUrl) throw new Error('HUB_TEST_PG_URL is not set: run the tests with `npm test`')
  const name = `hub_t_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = withDatabase(adminUrl, name)
  const pool = new pg.Pool({ connectionString: url, max: 5 })
  pool.on('error', () => {})
  await pool.query(await readFile(new URL('../fixtures/hub_schema.sql', import.meta.url), 'utf8'))
  return {
    url,
    pool,
    drop: async () => {
      await pool.end()
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    }
  }
}

export function withDatabase (url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.href
}
