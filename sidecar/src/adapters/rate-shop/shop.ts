import { PermanentError, RetryableError, errorMessage } from '../../errors.ts'
import type { BreakerRegistry } from '../../shipping/breakers.ts'
import type { Booking, Carrier, CarrierRule, Rate, ShipmentRequest } from '../carrier/types.ts'

export interface ShopResult { booking: Booking, considered: Rate[], failures: string[] }

/** Best rate of each carrier, best carrier first, by the route's rule (ties broken by the other criterion). */
export function rankRates (rates: Rate[], rule: CarrierRule): Rate[] {
  const key = (r: Rate): [number, number] => rule === 'fastest' ? [r.transit_days, r.amount] : [r.amount, r.transit_days]
  const sorted = [...rates].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1] || a.carrier.localeCompare(b.carrier))
  const seen = new Set<string>()
  return sorted.filter(r => !seen.has(r.carrier) && seen.add(r.carrier))
}

/**
 * Rates across every carrier whose circuit is closed, books the best by the rule, and fails over to
 * the next carrier (asking it for a fresh rate first) when a booking fails. All attempts go through
 * the per-carrier circuit breakers. Each carrier's failure is classified by the shared failure policy
 * (adapters/partner-call.ts); this aggregates them. When no carrier could book: a RetryableError if any
 * failure was an outage (the job waits in the queue and tries again), else a PermanentError (e.g. every
 * carrier rejected the address), which becomes an exception a person handles in Odoo. The retryable
 * error carries a Retry-After only when every outage came with one (the earliest of them: when the
 * first carrier said it may accept again); a carrier that gave none is retried on the usual backoff.
 * The message names every carrier connector that failed and why.
 */
export async function rateShopAndBook (req: ShipmentRequest, carriers: Carrier[], rule: CarrierRule, breakers: BreakerRegistry): Promise<ShopResult> {
  const failures: string[] = []
  const waits: Array<number | undefined> = []
  const note = (carrier: string, err: unknown) => {
    failures.push(`${carrier}: ${errorMessage(err)}`)
    if (!(err instanceof PermanentError)) waits.push(err instanceof RetryableError ? err.retryAfterSeconds : undefined)
  }
  const byCode = new Map(carriers.map(c => [c.connector.code, c]))
  const available = carriers.filter(c => {
    if (!breakers.isOpen(c.connector.code)) return true
    note(c.connector.code, new RetryableError('circuit open'))
    return false
  })
  const quotes = await Promise.all(available.map(async c => {
    try { return await breakers.run(c.connector.code, () => c.adapter.rate(req, c.connector)) } catch (err) { note(c.connector.code, err); return [] }
  }))
  const considered = quotes.flat()
  const ranked = rankRates(considered, rule)
  for (const [i, quoted] of ranked.entries()) {
    const carrier = byCode.get(quoted.carrier)!
    try {
      const rate = i === 0 ? quoted : await freshRate(carrier, quoted, req, breakers)
      const booking = await breakers.run(carrier.connector.code, () => carrier.adapter.book(req, rate, carrier.connector))
      return { booking, considered, failures }
    } catch (err) {
      note(carrier.connector.code, err)
    }
  }
  const summary = `no carrier could book ${req.reference}: ${failures.join('; ') || 'no carrier configured'}`
  if (failures.length > 0 && waits.length === 0) throw new PermanentError(summary)
  const retryAfter = waits.length > 0 && waits.every(w => w !== undefined) ? Math.min(...waits as number[]) : undefined
  throw new RetryableError(summary, retryAfter)
}

/** On failover the next carrier's quote may be stale; ask again for the same service. */
async function freshRate (carrier: Carrier, quoted: Rate, req: ShipmentRequest, breakers: BreakerRegistry): Promise<Rate> {
  const rates = await breakers.run(carrier.connector.code, () => carrier.adapter.rate(req, carrier.connector))
  return rates.find(r => r.service === quoted.service) ?? rankRates(rates, 'cheapest')[0] ?? quoted
}
