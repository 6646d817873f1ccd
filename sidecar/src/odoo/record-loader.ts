import DataLoader from 'dataloader'
import type { OdooReader, OdooRow } from './reader.ts'

/**
 * Records of one model by id, reading only the fields asked for. Every load made while one GraphQL
 * level resolves becomes ONE search_read of the union of the fields those loads asked for; a record
 * already read with all the fields a later load needs is served from memory, and one read without
 * them is read again for the missing fields only, and a load that a read under way already covers
 * waits for that read. A record the reader does not return (another
 * partner's, or gone) loads as null, and stays null for the rest of the request.
 */
export class RecordLoader {
  readonly #rows = new Map<number, OdooRow | null>()
  /** fields of the next batch; the set object goes with the batch when it is read */
  #wanted = new Set<string>()
  readonly #inFlight = new Map<number, { fields: ReadonlySet<string>, done: Promise<OdooRow | null> }>()
  readonly #batches = new DataLoader<number, OdooRow | null>(async ids => await this.#read(ids), { cache: false })

  constructor (private readonly reader: OdooReader, private readonly model: string) {}

  async load (id: number, fields: readonly string[]): Promise<OdooRow | null> {
    const known = this.#rows.get(id)
    if (known === null) return null
    const missing = known ? fields.filter(f => !(f in known)) : fields
    if (known && missing.length === 0) return known
    // a read already under way for this record with these fields: wait for it instead of reading again
    const inFlight = this.#inFlight.get(id)
    if (inFlight && missing.every(f => inFlight.fields.has(f))) {
      await inFlight.done
      return this.#rows.get(id) ?? null
    }
    for (const f of missing) this.#wanted.add(f)
    const done = this.#batches.load(id)
    this.#inFlight.set(id, { fields: this.#wanted, done })
    try {
      return await done
    } finally {
      if (this.#inFlight.get(id)?.done === done) this.#inFlight.delete(id)
    }
  }

  async loadMany (ids: readonly number[], fields: readonly string[]): Promise<Array<OdooRow | null>> {
    return await Promise.all(ids.map(async id => await this.load(id, fields)))
  }

  /** Rows a search already read (a root list) serve later loads by id. */
  prime (row: OdooRow): void {
    const known = this.#rows.get(row.id)
    this.#rows.set(row.id, known ? Object.assign(known, row) : row)
  }

  async #read (ids: readonly number[]): Promise<Array<OdooRow | null>> {
    // an empty field list would make Odoo return every field: ask for the id alone instead
    const fields = this.#wanted.size ? [...this.#wanted] : ['id']
    this.#wanted = new Set()
    // archived records too: an order keeps pointing at a product that was archived later
    const rows = await this.reader.searchRead(this.model, [['id', 'in', [...new Set(ids)]]], fields, { context: { active_test: false } })
    for (const row of rows) this.prime(row)
    return ids.map(id => {
      if (!this.#rows.has(id)) this.#rows.set(id, null)
      return this.#rows.get(id)!
    })
  }
}
