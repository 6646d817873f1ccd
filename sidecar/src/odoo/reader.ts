/** An Odoo search domain: leaves `[field, operator, value]` and prefix operators, top-level terms implicitly ANDed. */
export type DomainLeaf = [string, string, unknown]
/** Odoo's prefix operators: a term built with them is complete, so domains still concatenate (implicit AND). */
export type DomainOperator = '&' | '|' | '!'
export type Domain = Array<DomainLeaf | DomainOperator>

/** A record as search_read returns it: many2one as `[id, display_name]` or false, x2many as id lists. */
export type OdooRow = Record<string, unknown> & { id: number }

/** Many2one value `[id, name]` -> id. */
export function refId (value: unknown): number | null {
  return Array.isArray(value) && typeof value[0] === 'number' ? value[0] : null
}

export interface ReadOptions { limit?: number, order?: string, context?: Record<string, unknown> }

/**
 * How the gateway reads Odoo. Two implementations: as the integration user (JSON-RPC execute_kw) and as
 * an Odoo user (their web session, so Odoo's access rights apply). Partner scoping wraps either one
 * (gateway/scope.ts); loaders only ever see the wrapped reader.
 */
export interface OdooReader {
  searchRead: (model: string, domain: Domain, fields: string[], options?: ReadOptions) => Promise<OdooRow[]>
  searchCount: (model: string, domain: Domain) => Promise<number>
}

/** Reads through an OdooKw: anything with Odoo's execute_kw signature. */
export interface OdooKw {
  executeKw: <T = unknown>(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>) => Promise<T>
}

export function kwReader (odoo: OdooKw): OdooReader {
  return {
    searchRead: async (model, domain, fields, { limit, order, context } = {}) =>
      await odoo.executeKw<OdooRow[]>(model, 'search_read', [domain], { fields, ...(limit ? { limit } : {}), ...(order ? { order } : {}), ...(context ? { context } : {}) }),
    searchCount: async (model, domain) => await odoo.executeKw<number>(model, 'search_count', [domain])
  }
}
