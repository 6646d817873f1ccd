import type { Domain } from '../odoo/reader.ts'
import { badInput } from './errors.ts'

const MAX_PAGE = 100

export interface PageArgs { first?: number | null, after?: string | null }

/**
 * Relay cursors over Odoo ids (keyset pagination: stable while records are added). A cursor only
 * narrows a search that is already partner-scoped, so a forged cursor (another type, another partner's
 * id) can skip ahead but never reach outside the caller's records.
 */
function encodeCursor (typeName: string, id: number): string {
  return Buffer.from(`${typeName}:${id}`).toString('base64url')
}

/** Odoo ids are PostgreSQL `integer`s: a larger number in a domain is an SQL error, not an empty answer. */
const MAX_ODOO_ID = 2_147_483_647

export function isOdooId (n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && n <= MAX_ODOO_ID
}

export function decodeCursor (typeName: string, cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const match = /^([A-Za-z]+):(\d{1,10})$/.exec(text)
  if (!match || match[1] !== typeName || !isOdooId(Number(match[2]))) throw badInput('invalid cursor')
  return Number(match[2])
}

export type Direction = 'desc' | 'asc'

export interface Page { limit: number, cursorDomain: Domain, order: string }

export function pageOf (typeName: string, args: PageArgs, direction: Direction): Page {
  const first = args.first ?? 20
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`)
  const cursorDomain: Domain = args.after ? [['id', direction === 'desc' ? '<' : '>', decodeCursor(typeName, args.after)]] : []
  return { limit: first, cursorDomain, order: `id ${direction}` }
}

export interface Connection<T> {
  edges: Array<{ cursor: string, node: T }>
  nodes: T[]
  pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }
  /** resolved only when asked for (graphql calls function-valued properties) */
  totalCount: () => Promise<number>
}

/** Builds a connection from `limit + 1` fetched items (the extra one only tells whether more exist). */
export function connectionOf<T> (typeName: string, items: Array<{ id: number, node: T }>, page: Page, after: string | null | undefined, count: () => Promise<number>): Connection<T> {
  const shown = items.slice(0, page.limit)
  const edges = shown.map(i => ({ cursor: encodeCursor(typeName, i.id), node: i.node }))
  return {
    edges,
    nodes: edges.map(e => e.node),
    pageInfo: {
      hasNextPage: items.length > page.limit,
      hasPreviousPage: Boolean(after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null
    },
    totalCount: count
  }
}
