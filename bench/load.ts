import { Pool } from 'undici'
import { percentile } from './stats.ts'

/**
 * A closed-loop HTTP load generator: `concurrency` callers each send the next request as soon as the
 * previous one is answered, for `seconds`. Returns accepted requests per second and latency percentiles.
 */
export async function load (url: string, seconds: number, concurrency: number, next: () => { path: string, headers: Record<string, string>, body: string }) {
  const origin = new URL(url)
  const client = new Pool(origin.origin, { connections: concurrency, pipelining: 1 })
  const latencies: number[] = []
  let ok = 0
  let failed = 0
  const deadline = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const r = next()
      const t = performance.now()
      const res = await client.request({ method: 'POST', path: r.path, headers: r.headers, body: r.body })
      await res.body.dump()
      latencies.push(performance.now() - t)
      if (res.statusCode < 300) ok++; else failed++
    }
  }))
  await client.close()
  return { perSecond: ok / seconds, failed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}
