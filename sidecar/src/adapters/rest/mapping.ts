import jsonata from 'jsonata'
import { z } from 'zod'
import { PermanentError } from '../../errors.ts'
import type { Connector } from '../types.ts'

/**
 * The connector's `rest_mapping` (a JSON document set in Odoo, docs/contract.md): where to POST, what to
 * send (a JSONata expression over the canonical envelope) and where the partner's reference is in its
 * answer (a JSONata expression over the answer, or null when the partner returns none). The default,
 * `{"path": "", "request": "$", "reference": null}`, sends the canonical envelope to the base URL.
 */
const documentSchema = z.object({
  // a URL here would send signed envelopes to a host other than the connector's base URL
  path: z.string().default('').refine(path => !/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(path), 'must be a path under the base URL, not a URL'),
  request: z.string().min(1),
  reference: z.string().min(1).nullable().default(null)
}).strict()

export interface RestMapping {
  path: string
  request: jsonata.Expression
  reference: jsonata.Expression | null
}

/** the same text as hub.connector's field default (odoo_addon/logistics_hub/models/hub_connector.py) */
export const DEFAULT_REST_MAPPING = '{"path": "", "request": "$", "reference": null}'

// Compiled once per mapping text: connectors are few and mappings change rarely, so the cache stays small;
// it is cleared wholesale past a bound so edits made over months do not accumulate.
const compiled = new Map<string, RestMapping>()
/** jsonata's own guardrails, checked at every evaluation step: milliseconds, and nesting depth */
const EVALUATION_LIMITS = { timeout: 1000, stack: 500 }
const MAX_CACHED = 200

/** The connector's mapping, compiled; a mapping that cannot work is a permanent error naming the connector. */
export function restMapping (connector: Pick<Connector, 'code' | 'rest_mapping'>): RestMapping {
  const text = connector.rest_mapping?.trim() || DEFAULT_REST_MAPPING
  const cached = compiled.get(text)
  if (cached) return cached
  const bad = (detail: string, cause?: unknown) =>
    new PermanentError(`connector ${connector.code}: its REST mapping ${detail}: fix it in Odoo (Connectors, REST mapping)`, { cause })
  let raw: unknown
  try { raw = JSON.parse(text) } catch (err) { throw bad('is not JSON', err) }
  const parsed = documentSchema.safeParse(raw)
  if (!parsed.success) throw bad(`is not valid (${parsed.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')})`)
  const compile = (field: string, expression: string) => {
    // written by a person in Odoo: bounded, so an expression that never ends cannot starve the process
    try { return jsonata(expression, EVALUATION_LIMITS) } catch (err) { throw bad(`has a ${field} expression JSONata cannot read (${(err as Error).message})`, err) }
  }
  const mapping: RestMapping = {
    path: parsed.data.path,
    request: compile('request', parsed.data.request),
    reference: parsed.data.reference === null ? null : compile('reference', parsed.data.reference)
  }
  if (compiled.size >= MAX_CACHED) compiled.clear()
  compiled.set(text, mapping)
  return mapping
}
