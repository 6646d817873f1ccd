import { createHash } from 'node:crypto'
import type { GraphQLSchema } from 'graphql'
import type { Connector } from '../../adapters/types.ts'
import { activeConnectorsByAdapters } from '../../db/connector-plans.ts'
import type { Pool } from '../../db/pool.ts'
import { errorMessage } from '../../errors.ts'
import type { Logger } from '../../observability/logger.ts'
import type { OdooKw } from '../../odoo/reader.ts'
import { LOCAL_SUBGRAPH, composeSupergraph } from './compose.ts'
import { type LocalSubgraph, stitchedSchema } from './stitched-schema.ts'
import type { SubgraphCallDeps } from './subgraph-executor.ts'
import type { RemoteSubgraph } from './subgraph-http.ts'
import { fetchSubgraphSdl } from './subgraph-sdl.ts'

export const SUBGRAPH_ADAPTER = 'graphql_subgraph'

export type SubgraphStatus = 'composed' | 'failed' | 'unreachable'
export interface SubgraphReport { code: string, status: SubgraphStatus, error: string | null }

interface Served {
  schema: GraphQLSchema
  supergraphSdl: string
  publicSdl: string
  remoteOwners: Map<string, string>
  keyFields: Map<string, Set<string>>
  fingerprint: string
  subgraphs: string[]
  composedAt: Date
}

export interface SupergraphDeps {
  pool: Pool
  /** reports each subgraph's status onto its connector (hub.connector.hub_report_subgraphs) */
  odoo: OdooKw
  log: Logger
  local: LocalSubgraph & { sdl: string }
  calls: SubgraphCallDeps
}

/**
 * The supergraph the gateway serves: the hub's graph composed with every active subgraph connector.
 * `refresh()` (polled, and on demand) reads the connectors and their SDLs, and recomposes when either
 * changed; a composition that fails keeps the last good supergraph, and the error is reported on the
 * connector that causes it (in Odoo) and in metrics. Without subgraph connectors the hub's own schema is
 * served as it is, with no stitching in the way.
 */
export class Supergraph {
  #served: Served | null = null
  /** the last SDL each subgraph answered: an unreachable subgraph stays composed with it */
  #lastSdl = new Map<string, string>()
  /** the SDL each subgraph was last composed with: one that stops composing is kept with it */
  #goodSdl = new Map<string, string>()
  /** the verdict of the last composition, per connector (kept while nothing changes) */
  #verdicts = new Map<string, SubgraphReport>()
  #ownersBySchema = new WeakMap<GraphQLSchema, Served>()
  #reported = new Map<string, string>()
  #refreshing: Promise<SubgraphReport[]> | null = null
  #timer: NodeJS.Timeout | null = null

  constructor (private readonly deps: SupergraphDeps) {}

  /** what partners query now */
  schema (): GraphQLSchema { return this.#served?.schema ?? this.deps.local.schema }
  /** the hub's own graph, as a subgraph of someone else's router joins it */
  hubSchema (): GraphQLSchema { return this.deps.local.schema }
  /**
   * `Type.field` -> remote subgraph, and entity key fields, of the supergraph `schema` belongs to: a request
   * keeps the schema it started with, so a recomposition while it runs never mixes two supergraphs
   */
  remoteOwners (schema: GraphQLSchema): ReadonlyMap<string, string> { return this.#ownersBySchema.get(schema)?.remoteOwners ?? new Map() }
  keyFields (schema: GraphQLSchema): ReadonlyMap<string, ReadonlySet<string>> { return this.#ownersBySchema.get(schema)?.keyFields ?? new Map() }
  /** for admins: the composed supergraph, or null while only the hub's own graph is served */
  served (): Readonly<Omit<Served, 'schema' | 'fingerprint' | 'remoteOwners' | 'keyFields'>> | null { return this.#served }

  start (pollMs: number): void {
    const tick = () => { void this.refresh().catch(err => this.deps.log.error({ err: errorMessage(err) }, 'supergraph refresh failed')) }
    tick()
    this.#timer = setInterval(tick, pollMs)
    this.#timer.unref()
  }

  stop (): void { if (this.#timer) clearInterval(this.#timer) }

  /** Recomposes if the subgraph connectors or their SDLs changed; one refresh at a time. */
  async refresh (): Promise<SubgraphReport[]> {
    this.#refreshing ??= this.#refresh().finally(() => { this.#refreshing = null })
    return await this.#refreshing
  }

  async #refresh (): Promise<SubgraphReport[]> {
    const { rows } = await this.deps.pool.query<Connector>(activeConnectorsByAdapters([SUBGRAPH_ADAPTER]))
    const refused = new Map<string, SubgraphReport>()
    const remotes: RemoteSubgraph[] = []
    for (const remote of rows.filter(c => c.base_url).map(toRemote)) {
      // the executable supergraph tells subgraphs apart by URL
      const twin = remotes.find(r => r.url === remote.url)
      if (twin) refused.set(remote.code, { code: remote.code, status: 'failed', error: `the same URL as connector ${twin.code}: one subgraph, one connector` })
      else remotes.push(remote)
    }
    const unreachable = new Map<string, SubgraphReport>()
    const sdls = await Promise.all(remotes.map(async remote => {
      try {
        const sdl = await fetchSubgraphSdl(remote)
        this.#lastSdl.set(remote.code, sdl)
        return sdl
      } catch (err) {
        unreachable.set(remote.code, { code: remote.code, status: 'unreachable', error: `its SDL could not be fetched: ${errorMessage(err)}` })
        return this.#lastSdl.get(remote.code) ?? null
      }
    }))
    const present = remotes.flatMap((remote, i) => sdls[i] ? [{ remote, sdl: sdls[i] }] : [])
    // connector settings count: a new secret, URL or timeout is a new executor
    const fingerprint = createHash('sha256').update(JSON.stringify(present.map(({ remote, sdl }) => [remote.code, remote.name, remote.url, remote.timeoutMs, hash(remote.secret ?? ''), sdl]))).digest('hex')
    if (!present.length) {
      // no subgraph connector, or none has ever answered: nothing to compose with
      if (this.#served) this.deps.log.info('no subgraph to compose: serving the hub graph alone')
      this.#served = null
      this.#verdicts.clear()
    } else if (this.#served?.fingerprint === fingerprint) {
      this.deps.calls.metrics.composition('unchanged')
    } else {
      this.#compose(present, fingerprint)
    }
    const reports = [
      ...remotes.map(remote => unreachable.get(remote.code) ?? this.#verdicts.get(remote.code) ?? { code: remote.code, status: 'unreachable' as const, error: 'it has not answered yet' }),
      ...refused.values()
    ]
    for (const r of reports) this.deps.calls.metrics.setComposed(r.code, r.status === 'composed')
    await this.#report(reports)
    return reports
  }

  /**
   * Composes the current connectors. When that fails, each subgraph to blame is kept with the SDL it was
   * last composed with (left out when it never composed), so the others' changes, an archived connector
   * and a rotated secret still take effect; only when even that fails is the served supergraph kept whole.
   */
  #compose (present: Array<{ remote: RemoteSubgraph, sdl: string }>, fingerprint: string): void {
    const verdicts = new Map<string, SubgraphReport>()
    let used = present
    let composed = this.#composeOf(used)
    if (!composed.ok) {
      this.deps.calls.metrics.composition('failed')
      const blamed = composed.errors
      this.deps.log.warn({ errors: Object.fromEntries(blamed) }, 'supergraph composition failed: subgraphs to blame keep the SDL they last composed with')
      for (const [code, error] of blamed) {
        const kept = this.#goodSdl.has(code) ? 'its last SDL that composed is still served' : 'it is not in the supergraph'
        verdicts.set(code, { code, status: 'failed', error: `${error}\n(${kept})` })
      }
      used = present.flatMap(p => !blamed.has(p.remote.code) ? [p] : this.#goodSdl.has(p.remote.code) ? [{ remote: p.remote, sdl: this.#goodSdl.get(p.remote.code)! }] : [])
      composed = this.#composeOf(used)
      if (!composed.ok) {
        for (const p of present) if (!verdicts.has(p.remote.code)) verdicts.set(p.remote.code, { code: p.remote.code, status: 'failed', error: 'waiting: the supergraph cannot be recomposed while another subgraph fails to compose' })
        this.#verdicts = verdicts
        return
      }
    }
    let schema: GraphQLSchema
    try {
      schema = stitchedSchema(composed.supergraphSdl, this.deps.local, used.map(p => p.remote), composed.remoteOwners, this.deps.calls)
    } catch (err) {
      this.deps.calls.metrics.composition('failed')
      this.deps.log.error({ err: errorMessage(err) }, 'supergraph composed but not executable: the last good one is still served')
      for (const p of present) verdicts.set(p.remote.code, { code: p.remote.code, status: 'failed', error: `the composed supergraph cannot be executed: ${errorMessage(err)}` })
      this.#verdicts = verdicts
      return
    }
    for (const p of used) {
      this.#goodSdl.set(p.remote.code, p.sdl)
      const leftOut = composed.leftOut.get(p.remote.code)
      if (!verdicts.has(p.remote.code)) verdicts.set(p.remote.code, { code: p.remote.code, status: 'composed', error: leftOut ? `composed without: ${leftOut.join('; ')}` : null })
    }
    this.#served = {
      schema, supergraphSdl: composed.supergraphSdl, publicSdl: composed.publicSdl, remoteOwners: composed.remoteOwners, keyFields: composed.keyFields,
      fingerprint, subgraphs: used.map(p => p.remote.code), composedAt: new Date()
    }
    this.#ownersBySchema.set(schema, this.#served)
    this.#verdicts = verdicts
    this.deps.calls.metrics.composition('changed')
    this.deps.log.info({ subgraphs: this.#served.subgraphs }, 'supergraph composed')
  }

  #composeOf (used: Array<{ remote: RemoteSubgraph, sdl: string }>) {
    const local = { name: LOCAL_SUBGRAPH, url: this.deps.local.url, sdl: this.deps.local.sdl }
    return composeSupergraph(local, used.map(({ remote, sdl }) => ({ name: remote.code, url: remote.url, sdl })))
  }

  /** Tells Odoo what changed since the last report (every poll would otherwise write the connectors). */
  async #report (reports: SubgraphReport[]): Promise<void> {
    const changed = reports.filter(r => this.#reported.get(r.code) !== `${r.status}|${r.error ?? ''}`)
    if (!changed.length) return
    try {
      await this.deps.odoo.executeKw('hub.connector', 'hub_report_subgraphs', [changed])
      for (const r of changed) this.#reported.set(r.code, `${r.status}|${r.error ?? ''}`)
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'could not report subgraph status to Odoo; trying again at the next refresh')
    }
  }
}

function toRemote (c: Connector): RemoteSubgraph {
  return { code: c.code, name: c.name, url: c.base_url!, secret: c.secret, timeoutMs: Math.max(1, c.timeout) * 1000 }
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex')
