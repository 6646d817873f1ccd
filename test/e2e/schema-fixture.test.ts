import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { OdooServer, odooSpec } from '../support/odoo.ts'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'

const spec = odooSpec()

interface Column { table: string, column: string, type: string, notNull: boolean }

/** Columns of ordinary tables in `public`, with the type PostgreSQL prints (varchar, timestamp, jsonb...). */
async function columnsOf (pool: pg.Pool, tables: string[]): Promise<Column[]> {
  const { rows } = await pool.query<Column>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull"
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY 1, a.attnum`, [tables])
  return rows
}

/**
 * Indexes by what they do, not by name: Odoo names a UNIQUE constraint after the model's
 * _sql_constraints entry where the fixture lets PostgreSQL name it, and either is the same index to the
 * planner and to ON CONFLICT. Primary keys are left out (both sides have `id serial PRIMARY KEY`).
 */
async function indexesOf (pool: pg.Pool, tables: string[]): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ name: string, definition: string }>(`
    SELECT i.relname AS name,
           t.relname || CASE WHEN x.indisunique THEN ' UNIQUE' ELSE '' END || ' (' ||
             (SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true), ', ' ORDER BY k) FROM generate_series(1, x.indnkeyatts) k) || ')' ||
             COALESCE(' WHERE ' || pg_get_expr(x.indpred, x.indrelid, true), '') AS definition
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND t.relname = ANY($1) AND NOT x.indisprimary`, [tables])
  return new Map(rows.map(r => [r.definition, r.name]))
}

/**
 * The sidecar suites run on test/fixtures/hub_schema.sql, a hand-written copy of the
 * tables the addon creates. This holds it to the tables real Odoo 18 creates when it installs the addon:
 * every table, column and index the fixture has exists in Odoo with the same type and definition (Odoo
 * is the truth), so a sidecar test cannot pass on a column or an index production does not have.
 */
describe('test/fixtures/hub_schema.sql matches the tables Odoo creates', { skip: spec ? false : 'needs ODOO_SRC (run through npm test)' }, () => {
  let odoo: OdooServer
  let odooDb: pg.Pool
  let fixture: TestDatabase
  let tables: string[]

  before(async () => {
    odoo = new OdooServer(spec!, process.env.HUB_E2E_WORK!)
    await odoo.start() // installs logistics_hub in the shared e2e database when no suite did yet
    odooDb = new pg.Pool({ connectionString: spec!.dbUrl, max: 2 })
    fixture = await createTestDatabase()
    const { rows } = await fixture.pool.query<{ relname: string }>(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1")
    tables = rows.map(r => r.relname)
  })

  after(async () => {
    await fixture?.drop()
    await odooDb?.end()
    await odoo?.stop()
  })

  it('has only tables Odoo has, each column with the type Odoo gives it', async () => {
    assert.ok(tables.includes('hub_event') && tables.includes('hub_connector'), `fixture tables read: ${tables.join(', ')}`)
    const real = new Map((await columnsOf(odooDb, tables)).map(c => [`${c.table}.${c.column}`, c]))
    const realTables = new Set([...real.values()].map(c => c.table))
    const mismatches: string[] = tables.filter(t => !realTables.has(t)).map(t => `${t}: no such table in Odoo`)
    for (const c of await columnsOf(fixture.pool, tables)) {
      if (!realTables.has(c.table)) continue
      const odooColumn = real.get(`${c.table}.${c.column}`)
      if (!odooColumn) mismatches.push(`${c.table}.${c.column}: no such column in Odoo`)
      else if (odooColumn.type !== c.type) mismatches.push(`${c.table}.${c.column}: ${c.type} in the fixture, ${odooColumn.type} in Odoo`)
    }
    assert.deepEqual(mismatches, [])
  })

  it('requires a value where Odoo does (NOT NULL), so sidecar tests cannot hold rows Odoo would refuse', async () => {
    const fixtureColumns = new Map((await columnsOf(fixture.pool, tables)).map(c => [`${c.table}.${c.column}`, c]))
    const mismatches = (await columnsOf(odooDb, tables))
      .filter(c => fixtureColumns.get(`${c.table}.${c.column}`) && fixtureColumns.get(`${c.table}.${c.column}`)!.notNull !== c.notNull)
      .map(c => `${c.table}.${c.column}: ${c.notNull ? 'NOT NULL' : 'nullable'} in Odoo`)
    assert.deepEqual(mismatches, [])
  })

  it('has every index the fixture has (unique keys, partial indexes of the relay claim and inbound dedupe)', async () => {
    const real = await indexesOf(odooDb, tables)
    const expected = await indexesOf(fixture.pool, tables)
    const missing = [...expected].filter(([definition]) => !real.has(definition)).map(([definition, name]) => `${name}: ${definition}`)
    assert.deepEqual(missing, [], `Odoo's indexes on these tables:\n${[...real.keys()].sort().join('\n')}`)
  })
})
