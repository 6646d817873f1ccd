import { type ASTVisitor, GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql'
import type { Plugin } from 'graphql-yoga'
import { callerOf } from './use-authentication.ts'

export interface IntrospectionOptions {
  enabled: boolean
  /** API client ids (the federation router's credentials) that may read `_service { sdl }` while introspection is off */
  sdlClients?: ReadonlySet<string>
}

/**
 * `_service { sdl }` is the whole schema in another form: while introspection is off it is refused like
 * `__schema`. A named function, because yoga caches validation results per list of rule names.
 */
function NoFederationSdlRule (context: ValidationContext): ASTVisitor {
  return {
    Field (node) {
      if (node.name.value === '_service' && context.getParentType() === context.getSchema().getQueryType()) {
        context.reportError(new GraphQLError('GraphQL introspection has been disabled, but the requested query contained the field "_service".', { nodes: node }))
      }
    }
  }
}

/**
 * Introspection (__schema, __type, and federation's `_service`) is refused unless enabled: partners get the
 * SDL with their onboarding, and a production graph should not describe itself to whoever holds a token.
 * The federation router composes the supergraph from `_service`, so the API clients named in
 * `sdlClients` (HUB_GATEWAY_SDL_CLIENTS) still get it. `__typename` stays available.
 */
export function useIntrospection ({ enabled, sdlClients = new Set() }: IntrospectionOptions): Plugin {
  if (enabled) return {}
  return {
    onValidate ({ addValidationRule, context }) {
      addValidationRule(NoSchemaIntrospectionCustomRule)
      const caller = callerOf((context as { request: Request }).request)
      if (!(caller?.kind === 'client' && sdlClients.has(caller.label))) addValidationRule(NoFederationSdlRule)
    }
  }
}
