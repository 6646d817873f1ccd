import type { GraphQLResolveInfo } from 'graphql'
import { FIELDS } from '../../odoo/loaders.ts'
import type { GatewayContext } from '../context.ts'
import { notFound, partnerUnavailable } from '../errors.ts'
import { type StockLevelFilter, stockDomain } from '../filters.ts'
import { type ProductNode, type StockLevelNode, toProduct, toStockLevel } from '../mappers.ts'
import type { PageArgs } from '../pagination.ts'
import { list } from './helpers.ts'

type Ctx = GatewayContext

/** A StockLevel by SKU, or null; used by Query.stockLevel and _entities. */
export async function stockLevelBySku (ctx: Ctx, sku: string): Promise<StockLevelNode | null> {
  const row = await ctx.odoo.productBySku().load(sku)
  const product = row && toProduct(row)
  return product?.storable ? toStockLevel(product) : null
}

export const inventoryResolvers = {
  Query: {
    stockLevels: async (_: unknown, args: PageArgs & { filter?: StockLevelFilter }, ctx: Ctx, info: GraphQLResolveInfo) =>
      await list(ctx, info, { typeName: 'StockLevel', model: 'product.product', domain: stockDomain(args.filter), direction: 'asc', map: r => toStockLevel(toProduct(r))!, fields: FIELDS['product.product'] }, args),
    stockLevel: async (_: unknown, { sku }: { sku: string }, ctx: Ctx) => {
      const level = await stockLevelBySku(ctx, sku)
      if (!level) throw notFound('StockLevel', sku)
      return level
    }
  },
  Product: {
    stockLevel: (p: ProductNode) => p.storable ? toStockLevel(p) : null
  },
  StockLevel: {
    warehouseAvailable: async (s: StockLevelNode, _: unknown, ctx: Ctx) => {
      const answer = await ctx.live.warehouseAvailable.load(s.sku).catch((err: unknown) => err as Error)
      if (answer instanceof Error) {
        ctx.log.warn({ sku: s.sku, err: answer.message }, 'warehouse stock unavailable')
        throw partnerUnavailable('the warehouse system')
      }
      return answer
    }
  }
}
