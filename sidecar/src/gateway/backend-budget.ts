import type { OdooReader } from '../odoo/reader.ts'

export interface BackendBudgetLimits {
  /** Odoo calls one caller may have in flight; its further calls wait in its own queue */
  perCaller: number
  /** Odoo calls the whole gateway may have in flight; keep it at or below what Odoo can serve at once */
  total: number
}

/**
 * Bounds and shares the gateway's Odoo calls between callers, so that one caller's load cannot set
 * another's latency (docs/threat-model.md): each caller has at most `perCaller` calls in flight, all callers together
 * at most `total`, and a free slot goes to the callers with waiting calls in turn (round-robin: the one
 * served longest ago, a caller new to the queue first), never to the caller with the longest queue. A
 * flood therefore queues behind itself, here where the order is fair, instead of inside Odoo's workers
 * where it is first come first served.
 *
 * Why not p-limit / p-queue: neither is installed, and neither shares one global cap fairly between many
 * keyed queues (one p-limit per caller bounds each caller but lets N callers put N x perCaller calls on Odoo).
 * In memory, per process: each sidecar process bounds its own share of Odoo.
 */
export class BackendBudget {
  #running = 0
  #active = new Map<string, number>()
  #waiting = new Map<string, Array<() => void>>()
  /** when each caller last got a slot: the next slot goes to the waiting caller served longest ago */
  #lastServed = new Map<string, number>()
  #tick = 0

  constructor (readonly limits: BackendBudgetLimits) {
    if (limits.perCaller < 1 || limits.total < 1) throw new Error('backend budget limits must be at least 1')
  }

  /** Runs `call` for `caller` once the budget allows it; its result or error is passed through. */
  async run<T> (caller: string, call: () => Promise<T>): Promise<T> {
    await new Promise<void>(resolve => {
      const queue = this.#waiting.get(caller) ?? []
      queue.push(resolve)
      this.#waiting.set(caller, queue)
      this.#dispatch()
    })
    try {
      return await call()
    } finally {
      this.#release(caller)
    }
  }

  inFlight (caller: string): number { return this.#active.get(caller) ?? 0 }
  queued (caller: string): number { return this.#waiting.get(caller)?.length ?? 0 }

  /** Starts waiting calls, one per eligible caller in turn, while global slots are free. */
  #dispatch (): void {
    while (this.#running < this.limits.total) {
      const caller = this.#nextEligible()
      if (caller === null) return
      const queue = this.#waiting.get(caller)!
      const start = queue.shift()!
      if (!queue.length) this.#waiting.delete(caller)
      this.#lastServed.set(caller, ++this.#tick)
      this.#running++
      this.#active.set(caller, this.inFlight(caller) + 1)
      start()
    }
  }

  #nextEligible (): string | null {
    let next: string | null = null
    for (const caller of this.#waiting.keys()) {
      if (this.inFlight(caller) >= this.limits.perCaller) continue
      if (next === null || (this.#lastServed.get(caller) ?? 0) < (this.#lastServed.get(next) ?? 0)) next = caller
    }
    return next
  }

  #release (caller: string): void {
    this.#running--
    const left = this.inFlight(caller) - 1
    if (left > 0) this.#active.set(caller, left)
    else this.#active.delete(caller)
    // an idle caller is forgotten (bounded memory); when it returns it is served like a newcomer
    if (left <= 0 && !this.#waiting.has(caller)) this.#lastServed.delete(caller)
    this.#dispatch()
  }
}

/** A reader whose every Odoo call is counted against `caller`'s share of `budget`. */
export function budgetedReader (reader: OdooReader, budget: BackendBudget, caller: string): OdooReader {
  return {
    searchRead: async (model, domain, fields, options) => await budget.run(caller, async () => await reader.searchRead(model, domain, fields, options)),
    searchCount: async (model, domain) => await budget.run(caller, async () => await reader.searchCount(model, domain))
  }
}
