import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql'

/**
 * Odoo stores datetimes as naive UTC "YYYY-MM-DD HH:MM:SS"; clients speak ISO-8601. Only years 1..9999
 * (Python's datetime, which Odoo uses) pass: year 0 parses in JavaScript but PostgreSQL refuses it, and
 * a client's typo must be BAD_USER_INPUT here, not an Odoo SQL error.
 */
function toOdooDateTime (iso: string): string {
  const ms = Date.parse(iso)
  const bad = (why: string): GraphQLError => new GraphQLError(`invalid DateTime ${JSON.stringify(iso.slice(0, 40))}: ${why}`, { extensions: { code: 'BAD_USER_INPUT' } })
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso) || Number.isNaN(ms)) throw bad('use ISO-8601')
  const text = new Date(ms).toISOString() // an offset can move the instant across a year boundary
  if (!/^\d{4}-/.test(text) || text.startsWith('0000-')) throw bad('the year must be between 0001 and 9999')
  return text.slice(0, 19).replace('T', ' ')
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: value => String(value),
  parseValue: value => toOdooDateTime(String(value)),
  parseLiteral: ast => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string', { extensions: { code: 'BAD_USER_INPUT' } })
    return toOdooDateTime(ast.value)
  }
})

/** Federation `_Any`: an entity representation, passed through as given. */
export const AnyScalar = new GraphQLScalarType({
  name: '_Any',
  serialize: value => value,
  parseValue: value => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables)
})
