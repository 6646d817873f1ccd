import { TmsSimulator } from './server.ts'
import { listenHost } from '../listen-host.ts'

// Stand-alone TMS simulator for the demo and docker compose; tests start it in-process instead.
const env = process.env
const sim = new TmsSimulator({
  apiKey: env.TMS_API_KEY || undefined, callbackUrl: env.TMS_CALLBACK_URL || undefined, callbackSecret: env.TMS_CALLBACK_SECRET || undefined,
  // the fleet subgraph (POST /graphql) verifies the hub's x-hub-caller claim with these when set
  claimSecret: env.TMS_CLAIM_SECRET || undefined, claimAudience: env.TMS_CLAIM_AUDIENCE || undefined
})
const url = await sim.start(Number(env.TMS_PORT ?? 4104), listenHost(env, 'TMS'))
console.log(JSON.stringify({ msg: 'TMS simulator listening', url }))
const stop = () => { void sim.stop().then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
