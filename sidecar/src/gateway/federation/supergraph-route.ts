import type { FastifyInstance } from 'fastify'
import { adminAllowed } from '../../admin/admin-token.ts'
import type { Supergraph } from './supergraph.ts'

/**
 * GET /admin/supergraph (HUB_ADMIN_TOKEN): the composed supergraph for people who operate the hub. It
 * names every subgraph's URL, so partners never get it; they see the public API through introspection,
 * when enabled, as for the hub's own graph. `?refresh=1` recomposes first (after a connector change).
 */
export function registerSupergraphRoute (app: FastifyInstance, supergraph: Supergraph, adminToken: string | undefined): void {
  app.get<{ Querystring: { refresh?: string } }>('/admin/supergraph', async (req, reply) => {
    if (!await adminAllowed(req, reply, adminToken)) return
    const subgraphs = req.query.refresh ? await supergraph.refresh() : undefined
    const served = supergraph.served()
    return await reply.send({
      composed: served !== null,
      subgraphs: served?.subgraphs ?? [],
      composed_at: served?.composedAt.toISOString() ?? null,
      supergraph_sdl: served?.supergraphSdl ?? null,
      public_sdl: served?.publicSdl ?? null,
      ...(subgraphs ? { reports: subgraphs } : {})
    })
  })
}
