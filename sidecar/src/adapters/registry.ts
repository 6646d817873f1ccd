import type { Adapter } from './types.ts'
import { webhookAdapter } from './webhook/index.ts'
import { wmsAdapter } from './wms/index.ts'

const adapters: Record<string, Adapter> = {
  [webhookAdapter.name]: webhookAdapter,
  [wmsAdapter.name]: wmsAdapter
}

export function adapterFor (name: string): Adapter | undefined {
  return adapters[name]
}
