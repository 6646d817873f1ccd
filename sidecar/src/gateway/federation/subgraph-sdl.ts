import { discard } from './limited-body.ts'
import { type RemoteSubgraph, postToSubgraph, subgraphText } from './subgraph-http.ts'

/** Asks a subgraph for its SDL (`_service { sdl }`) with the connector's credentials; throws a readable reason. */
export async function fetchSubgraphSdl (subgraph: RemoteSubgraph): Promise<string> {
  const answer = await postToSubgraph(subgraph, subgraph.timeoutMs, { query: '{ _service { sdl } }' })
  if (answer.statusCode === 401 || answer.statusCode === 403) {
    discard(answer)
    throw new Error(`it refused the connector's secret (HTTP ${answer.statusCode})`)
  }
  const text = await subgraphText(subgraph, answer)
  let sdl: unknown
  try { sdl = (JSON.parse(text) as { data?: { _service?: { sdl?: unknown } } }).data?._service?.sdl } catch { sdl = undefined }
  if (typeof sdl !== 'string' || !sdl.trim()) throw new Error(`HTTP ${answer.statusCode} without _service { sdl }: is it a federation subgraph?`)
  return sdl
}
