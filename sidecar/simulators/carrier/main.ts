import type { DialectName } from './dialects.ts'
import { CarrierSimulator } from './server.ts'
import { listenHost } from '../listen-host.ts'

// Stand-alone carrier simulator for the demo and docker compose; tests start it in-process instead.
const env = process.env
const sim = new CarrierSimulator({
  dialect: (env.CARRIER_DIALECT ?? 'parcelfast') as DialectName,
  apiKey: env.CARRIER_API_KEY || undefined,
  callbackUrl: env.CARRIER_CALLBACK_URL || undefined,
  callbackSecret: env.CARRIER_CALLBACK_SECRET || undefined,
  // e.g. -604800000 plays a carrier reporting a week late (the hub keeps its date, its drift windows do not)
  clockOffsetMs: Number(env.CARRIER_CLOCK_OFFSET_MS ?? 0)
})
const url = await sim.start(Number(env.CARRIER_PORT ?? 4102), listenHost(env, 'CARRIER'))
console.log(JSON.stringify({ msg: 'carrier simulator listening', dialect: env.CARRIER_DIALECT ?? 'parcelfast', url }))
const stop = () => { void sim.stop().then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
