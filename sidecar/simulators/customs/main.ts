import { CustomsSimulator } from './server.ts'
import { listenHost } from '../listen-host.ts'

// Stand-alone customs broker subgraph for the demo and docker compose; tests start it in-process instead.
const env = process.env
const sim = new CustomsSimulator({
  apiKey: env.CUSTOMS_API_KEY || undefined,
  claimSecret: env.CUSTOMS_CLAIM_SECRET || undefined,
  claimAudience: env.CUSTOMS_CLAIM_AUDIENCE || undefined
})
const url = await sim.start(Number(env.CUSTOMS_PORT ?? 4106), listenHost(env, 'CUSTOMS'))
console.log(JSON.stringify({ msg: 'customs simulator listening', url: `${url}/graphql` }))
const stop = () => { void sim.stop().then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
