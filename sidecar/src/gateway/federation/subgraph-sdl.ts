import { request } from 'undici'
import { readLimited } from './limited-body.ts'
import type { RemoteSubgraph } from './subgraph-executor.ts'

/** Asks a subgraph for its SDL (`_service { sdl }`) with the connector's credentials; throws a readable reason. */
export async function fetchSubgraphSdl (subgraph: RemoteSubgraph): Promise<string> {
  let answer
  try {
    answer = await request(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'odoo-logistics-hub', ...(subgraph.secret ? { authorization: `Bearer ${subgraph.secret}` } : {}) },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(subgraph.timeoutMs)
    })
  } catch (err) {
    const e = err as Error & { code?: string }
    throw new Error(e.name === 'TimeoutError' ? `no answer within ${subgraph.timeoutMs} ms` : `unreachable (${e.code ?? e.message})`)
  }
  const text = await readLimited(answer)
  if (answer.statusCode === 401 || answer.statusCode === 403) throw new Error(`it refused the connector's secret (HTTP ${answer.statusCode})`)
  let sdl: unknown
  try { sdl = (JSON.parse(text) as { data?: { _service?: { sdl?: unknown } } }).data?._service?.sdl } catch { sdl = undefined }
  if (typeof sdl !== 'string' || !sdl.trim()) throw new Error(`HTTP ${answer.statusCode} without _service { sdl }: is it a federation subgraph?`)
  return sdl
}
