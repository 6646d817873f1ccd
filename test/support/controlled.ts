import { Writable } from 'node:stream'
import { type Logger, createLogger } from '../../sidecar/src/observability/logger.ts'

export interface Deferred<T> { promise: Promise<T>, resolve: (value: T) => void, reject: (err: Error) => void }

/** A promise the test settles by hand: what a loop sees is decided by the test, never by a timer. */
export function deferred<T> (): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (err: Error) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/**
 * An async function whose every call waits for the test: `calls[i]` settles the i-th call (0-based),
 * `called(n)` resolves once n calls have started, `args[i]` is what the i-th call was given.
 */
export function controlledCalls<A extends unknown[], R> () {
  const calls: Array<Deferred<R>> = []
  const args: A[] = []
  const waiters: Array<{ n: number, resolve: () => void }> = []
  return {
    calls,
    args,
    fn: async (...given: A): Promise<R> => {
      const call = deferred<R>()
      calls.push(call)
      args.push(given)
      for (const waiter of waiters.filter(w => w.n <= calls.length)) waiter.resolve()
      return await call.promise
    },
    called: async (n: number): Promise<void> => {
      if (calls.length >= n) return
      await new Promise<void>(resolve => waiters.push({ n, resolve }))
    }
  }
}

/** A real logger whose JSON lines the test can read. */
export function memoryLogger (level = 'error'): { lines: Array<Record<string, unknown>>, logger: Logger } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done() } })
  return { lines, logger: createLogger(level, stream) }
}
