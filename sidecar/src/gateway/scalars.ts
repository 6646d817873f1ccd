import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql'

/** Odoo stores datetimes as naive UTC "YYYY-MM-DD HH:MM:SS"; clients speak ISO-8601. */
export function toOdooDateTime (iso: string): string {
  const ms = Date.parse(iso)
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso) || Number.isNaN(ms)) {
    throw new GraphQLError(`invalid DateTime ${JSON.stringify(iso.slice(0, 40))}: use ISO-8601`, { extensions: { code: 'BAD_USER_INPUT' } })
  }
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
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
