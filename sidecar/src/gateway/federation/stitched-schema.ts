import { createDefaultExecutor } from '@graphql-tools/delegate'
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation'
import { type GraphQLSchema, isObjectType } from 'graphql'
import type { Scope } from '../../auth/caller.ts'
import { guardField } from '../schema.ts'
import { type SubgraphCallDeps, remoteExecutor } from './subgraph-executor.ts'
import type { RemoteSubgraph } from './subgraph-http.ts'

/** The hub's own subgraph runs in process: no HTTP hop, and its resolvers get the gateway's context. */
export interface LocalSubgraph { url: string, schema: GraphQLSchema }

/** What `_entities` accepts per call (resolvers/federation.ts): larger levels are split into batches. */
const MAX_BATCH = 100
/**
 * A remote subgraph's root fields (a fleet's vehicles, a broker's declarations) sit in the shipments
 * domain: they need its scope. Remote fields on the hub's types need nothing more than their type's scope,
 * which the hub's own resolvers check before any key reaches a subgraph.
 */
const REMOTE_ROOT_SCOPE: Scope = 'shipments:read'

/**
 * The executable supergraph (@graphql-tools/federation: plans each query over the subgraphs and batches
 * entity fetches per subgraph and level). The hub's subgraph executes in process, each remote one through
 * its executor (subgraph-executor.ts). Remote root fields need REMOTE_ROOT_SCOPE; remote fields the
 * caller's audience must not see (the exposure policy, as for the hub's own fields) resolve to null.
 */
export function stitchedSchema (supergraphSdl: string, local: LocalSubgraph, remotes: RemoteSubgraph[], remoteOwners: Map<string, string>, deps: SubgraphCallDeps): GraphQLSchema {
  const byUrl = new Map(remotes.map(r => [r.url, r]))
  const localExecutor = createDefaultExecutor(local.schema)
  const schema = getStitchedSchemaFromSupergraphSdl({
    supergraphSdl,
    batchDelegateOptions: { maxBatchSize: MAX_BATCH },
    onSubschemaConfig: config => {
      if (config.endpoint === local.url) { config.executor = localExecutor; return }
      const remote = byUrl.get(config.endpoint)
      if (!remote) throw new Error(`the supergraph names a subgraph at ${config.endpoint} that no connector configures`)
      config.executor = remoteExecutor(remote, deps)
    }
  })
  guardRemoteFields(schema, remoteOwners)
  return schema
}

function guardRemoteFields (schema: GraphQLSchema, remoteOwners: Map<string, string>): void {
  const queryType = schema.getQueryType()
  for (const key of remoteOwners.keys()) {
    const [typeName, fieldName] = key.split('.') as [string, string]
    const type = schema.getType(typeName)
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined
    if (field) guardField(typeName, field, type === queryType ? [REMOTE_ROOT_SCOPE] : [])
  }
}
