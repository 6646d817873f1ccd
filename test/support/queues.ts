import PgBoss from 'pg-boss'
import { loadConfig } from '../../sidecar/src/config.ts'
import { JobQueue } from '../../sidecar/src/db/job-queue.ts'
import { createQueues } from '../../sidecar/src/queues.ts'

/** pg-boss on a test database with the sidecar's queues, without its background supervision. */
export async function startQueues (databaseUrl: string): Promise<{ boss: PgBoss, jobs: JobQueue }> {
  const boss = new PgBoss({ connectionString: databaseUrl, supervise: false, schedule: false })
  await boss.start()
  await createQueues(boss, loadConfig({ DATABASE_URL: databaseUrl, ODOO_URL: 'http://x.test', ODOO_DB: 'x', ODOO_USER: 'x', ODOO_PASSWORD: 'x' }))
  return { boss, jobs: new JobQueue(boss) }
}
