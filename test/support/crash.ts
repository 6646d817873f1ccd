import type pg from 'pg'

/**
 * The pool `pool` as a process sees it that dies just before COMMIT: every transaction opened
 * through `connect()` runs all its statements, then rolls back instead of committing and throws.
 * Plain `pool.query` calls (reads, or writes meant to commit on their own) go through untouched, so
 * whatever a test still finds changed afterwards was not part of the transaction.
 */
export function crashingBeforeCommit (pool: pg.Pool): pg.Pool {
  return new Proxy(pool, {
    get (target, prop) {
      if (prop === 'connect') {
        return async () => {
          const client = await target.connect()
          return new Proxy(client, {
            get (c, p) {
              if (p === 'query') {
                return async (text: unknown, values?: unknown[]) => {
                  if (text === 'COMMIT') {
                    await c.query('ROLLBACK')
                    throw new Error('simulated crash before COMMIT')
                  }
                  return await c.query(text as string, values)
                }
              }
              const value = Reflect.get(c, p)
              return typeof value === 'function' ? value.bind(c) : value
            }
          })
        }
      }
      const value = Reflect.get(target, prop)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
