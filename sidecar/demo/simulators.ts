import { createServer } from 'node:net'
import { CarrierSimulator } from '../simulators/carrier/server.ts'
import { CustomsSimulator } from '../simulators/customs/server.ts'
import { TmsSimulator } from '../simulators/tms/server.ts'
import { WmsSimulator } from '../simulators/wms/server.ts'
import { DEMO_CONNECTORS, type SimulatorName, demoSecret } from './partners.ts'
import type { DemoSettings } from './settings.ts'

export interface RunningSimulators {
  /** where each simulator listens (for people and curl) */
  listening: Record<SimulatorName, string>
  /** how the sidecar reaches each one: the connectors' base URLs */
  baseUrls: Record<SimulatorName, string>
  stop: () => Promise<void>
}

/**
 * The partner simulators with the settings the seeded connectors expect: every request from the
 * hub must carry the demo secret (signature or API key), and every callback goes to the sidecar's
 * /hooks/<code> of the connector that answers for that simulator, signed with the same secret.
 */
export async function startDemoSimulators (s: DemoSettings): Promise<RunningSimulators> {
  const codeOf = (sim: SimulatorName) => DEMO_CONNECTORS.find(c => c.simulator === sim)!.code
  const secret = (sim: SimulatorName) => demoSecret(s.HUB_DEMO_SECRET, codeOf(sim))
  // a subgraph connector's key, which also signs the hub's caller claim for it (audience: its code)
  const subgraphKeys = (code: string) => ({ key: demoSecret(s.HUB_DEMO_SECRET, code), claimAudience: code })
  const fleet = subgraphKeys('tms-fleet')
  const broker = subgraphKeys('customs')
  const callback = (sim: SimulatorName) =>
    ({ callbackUrl: `${s.HUB_DEMO_SIDECAR_URL.replace(/\/$/, '')}/hooks/${codeOf(sim)}`, callbackSecret: secret(sim) })
  const sims = {
    wms: new WmsSimulator({ secret: secret('wms'), ...callback('wms'), autoConfirm: true, confirmDelayMs: s.WMS_CONFIRM_DELAY_MS }),
    parcelfast: new CarrierSimulator({ dialect: 'parcelfast', apiKey: secret('parcelfast'), ...callback('parcelfast') }),
    swiftpost: new CarrierSimulator({ dialect: 'swiftpost', apiKey: secret('swiftpost'), ...callback('swiftpost') }),
    tms: new TmsSimulator({ apiKey: secret('tms'), ...callback('tms'), subgraphApiKey: fleet.key, claimSecret: fleet.key, claimAudience: fleet.claimAudience }),
    customs: new CustomsSimulator({ apiKey: broker.key, claimSecret: broker.key, claimAudience: broker.claimAudience })
  }
  const ports: Record<SimulatorName, number> = { wms: s.WMS_PORT, parcelfast: s.PARCELFAST_PORT, swiftpost: s.SWIFTPOST_PORT, tms: s.TMS_PORT, customs: s.CUSTOMS_PORT }
  const started: Array<{ stop: () => Promise<void> }> = []
  const stop = async () => { await Promise.allSettled(started.map(sim => sim.stop())) }
  const listening = {} as Record<SimulatorName, string>
  const baseUrls = {} as Record<SimulatorName, string>
  try {
    for (const name of Object.keys(sims) as SimulatorName[]) {
      const url = await listen(sims[name], ports[name], s.HOST, name)
      started.push(sims[name])
      const port = new URL(url).port // the port actually bound (0 = any free port, in tests)
      listening[name] = `http://${s.HOST}:${port}`
      baseUrls[name] = `http://${s.HUB_DEMO_PARTNER_HOST}:${port}`
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { listening, baseUrls, stop }
}

/**
 * A busy port is the likeliest first-run problem (another demo still running). The simulators' own
 * servers have no error listener while starting (a bind failure would be an uncaught exception), so
 * the port is tried first and the message says which setting moves it.
 */
async function listen (sim: { start: (port: number, host: string) => Promise<string> }, port: number, host: string, name: string): Promise<string> {
  if (port !== 0) {
    const problem = await new Promise<string | null>(resolve => {
      const probe = createServer()
      probe.once('error', err => resolve(err.message))
      probe.listen(port, host, () => probe.close(() => resolve(null)))
    })
    if (problem) throw new Error(`the ${name} simulator cannot listen on ${host}:${port} (${problem}); stop what uses it or set ${name.toUpperCase()}_PORT`)
  }
  return await sim.start(port, host)
}
