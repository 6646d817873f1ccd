import { NoSchemaIntrospectionCustomRule } from 'graphql'
import type { Plugin } from 'graphql-yoga'

/**
 * Introspection (__schema, __type) is refused unless enabled: partners get the SDL with their
 * onboarding, and a production graph should not describe itself to whoever holds a token.
 * `__typename` and federation's `_service` stay available.
 */
export function useIntrospection ({ enabled }: { enabled: boolean }): Plugin {
  if (enabled) return {}
  return { onValidate ({ addValidationRule }) { addValidationRule(NoSchemaIntrospectionCustomRule) } }
}
