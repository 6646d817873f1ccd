import { WmsSimulator } from './server.ts'
import { listenHost } from '../listen-host.ts'

// Stand-alone WMS simulator for the demo and docker compose; tests start it in-process instead.
const env = process.env
const sim = new WmsSimulator({
  secret: env.WMS_SECRET || undefined,
  callbackUrl: env.WMS_CALLBACK_URL || undefined,
  callbackSecret: env.WMS_CALLBACK_SECRET || undefined,
  autoConfirm: env.WMS_AUTO_CONFIRM !== 'false',
  confirmDelayMs: Number(env.WMS_CONFIRM_DELAY_MS ?? 2000)
})
const url = await sim.start(Number(env.WMS_PORT ?? 4101), listenHost(env, 'WMS'))
console.log(JSON.stringify({ msg: 'WMS simulator listening', url, callback_url: env.WMS_CALLBACK_URL ?? null }))
const stop = () => { void sim.stop().then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
