import { useEnv } from '@odoo/owl'

// Stand-in for @web/core/utils/hooks: services come from env.services, as in the web client.
export function useService (name: string): any {
  const services = useEnv().services as Record<string, unknown> | undefined
  if (!services || !(name in services)) throw new Error(`Service ${name} is not available`)
  return services[name]
}
