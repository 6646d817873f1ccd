import type { GraphQLResolveInfo } from 'graphql'
import { SCOPES } from '../../auth/caller.ts'
import type { GatewayContext } from '../context.ts'
import { toPartner } from '../mappers.ts'
import { one } from './helpers.ts'

type Ctx = GatewayContext

interface ViewerNode { kind: string, partnerId: number | null, scopes: string[], audience: string }

export const viewerResolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, ctx: Ctx): ViewerNode => ({
      kind: ctx.caller.kind,
      partnerId: ctx.caller.partnerId,
      scopes: SCOPES.filter(s => ctx.caller.scopes.has(s)),
      audience: ctx.caller.audience
    })
  },
  Viewer: {
    partner: async (v: ViewerNode, _: unknown, ctx: Ctx, info: GraphQLResolveInfo) => await one(ctx, info, 'res.partner', 'Partner', v.partnerId, toPartner)
  }
}
