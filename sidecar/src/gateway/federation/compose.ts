import { composeServices } from '@theguild/federation-composition'
import { type DocumentNode, Kind, parse } from 'graphql'
import { entityKeys, sanitizeRemoteSdl } from './remote-sdl.ts'

/** The hub's own subgraph (Odoo) in every supergraph, under this name. */
export const LOCAL_SUBGRAPH = 'hub'

export interface SubgraphSdl { name: string, url: string, sdl: string }

export interface Composed {
  ok: true
  supergraphSdl: string
  /** the API partners see: the supergraph without federation's join machinery */
  publicSdl: string
  /** `Type.field` -> the remote subgraph that resolves it (fields the hub's own graph resolves are absent) */
  remoteOwners: Map<string, string>
  /** entity type -> its key fields, in every subgraph: what an alias must never stand in for */
  keyFields: Map<string, Set<string>>
  /** per remote subgraph, what of its SDL the partner graph leaves out, and why (remote-sdl.ts) */
  leftOut: Map<string, string[]>
}

export interface CompositionFailure {
  ok: false
  /** per remote subgraph, why it cannot join (a conflict between remotes blames each of them) */
  errors: Map<string, string>
}

/**
 * Composes the hub's subgraph with the remote ones (Federation v2, @theguild/federation-composition:
 * MIT, Node 18+, the composition Hive Gateway uses; Apollo's own is Elastic-licensed). When the whole set
 * fails, each remote is tried alone with the hub's, so the error lands on the connector that causes it.
 */
export function composeSupergraph (local: SubgraphSdl, remotes: SubgraphSdl[]): Composed | CompositionFailure {
  const hub = { name: local.name, url: local.url, typeDefs: parse(local.sdl) }
  const hubEntities = new Set(entityKeys([hub.typeDefs]).keys())
  const parsed: Array<{ name: string, url: string, typeDefs: DocumentNode }> = []
  const leftOut = new Map<string, string[]>()
  const errors = new Map<string, string>()
  for (const remote of remotes) {
    try {
      const sanitized = sanitizeRemoteSdl(parse(remote.sdl), hubEntities)
      parsed.push({ name: remote.name, url: remote.url, typeDefs: sanitized.typeDefs })
      if (sanitized.leftOut.length) leftOut.set(remote.name, sanitized.leftOut)
    } catch (err) {
      errors.set(remote.name, `its SDL does not parse: ${(err as Error).message}`)
    }
  }
  if (errors.size) return { ok: false, errors }
  const composed = composeServices([hub, ...parsed])
  if (!composed.errors) {
    return {
      ok: true, supergraphSdl: composed.supergraphSdl, publicSdl: composed.publicSdl, remoteOwners: remoteOwners(parsed, hub.typeDefs),
      keyFields: entityKeys([hub.typeDefs, ...parsed.map(p => p.typeDefs)]), leftOut
    }
  }
  // blame the remotes that fail beside the hub's graph alone; when none does, they conflict with each other
  for (const remote of parsed) {
    const alone = composeServices([hub, remote])
    if (alone.errors) errors.set(remote.name, alone.errors.map(e => e.message).join('\n'))
  }
  if (!errors.size) {
    const together = composed.errors.map(e => e.message).join('\n')
    for (const remote of parsed) errors.set(remote.name, `conflicts with another subgraph:\n${together}`)
  }
  return { ok: false, errors }
}

/** Fields a remote subgraph defines that the hub's own graph does not (key fields stay the hub's). */
function remoteOwners (remotes: Array<{ name: string, typeDefs: DocumentNode }>, hub: DocumentNode): Map<string, string> {
  const ownFields = fieldsOf(hub)
  const owners = new Map<string, string>()
  for (const remote of remotes) {
    for (const key of fieldsOf(remote.typeDefs)) if (!ownFields.has(key) && !key.startsWith('Query._')) owners.set(key, remote.name)
  }
  return owners
}

function fieldsOf (doc: DocumentNode): Set<string> {
  const keys = new Set<string>()
  for (const def of doc.definitions) {
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) {
      for (const field of def.fields ?? []) keys.add(`${def.name.value}.${field.name.value}`)
    }
  }
  return keys
}
