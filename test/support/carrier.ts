import { parcelfast } from '../../sidecar/simulators/carrier/dialects.ts'
import type { CarrierSimulator } from '../../sidecar/simulators/carrier/server.ts'

/**
 * A booking straight on a carrier simulator's API in its own dialect, for tests about what follows a
 * booking (tracking, freight bills) rather than the booking itself; returns the tracking number.
 */
export async function bookOnCarrier (sim: CarrierSimulator, apiKey: string, reference: string): Promise<string> {
  const body = sim.dialect === parcelfast
    ? { service_code: 'PF_ECONOMY', reference, ship_to: { postal_code: '2000', country: 'BE' } }
    : { product: 'SP-48', customerRef: reference, consignee: { postcode: '2000', countryIso: 'BE' } }
  const res = await fetch(`${sim.url}${sim.dialect.paths.book}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify(body) })
  const answer = await res.json() as { tracking_number?: string, consignmentNo?: string }
  return (answer.tracking_number ?? answer.consignmentNo)!
}
