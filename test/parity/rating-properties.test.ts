import assert from 'node:assert/strict'
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'

const addon = fileURLToPath(new URL('../../odoo_addon/logistics_hub', import.meta.url))
const PYTHON = existsSync('/usr/bin/python3.11') ? '/usr/bin/python3.11' : 'python3'

/**
 * The addon's rating rules (hub/rating.py, framework-free) as a line-per-request JSON service, so
 * fast-check can drive the real Python code and shrink a failing card to its smallest form.
 */
const SERVICE = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
from hub.rating import Lane, rate, bracket_problems
for line in sys.stdin:
    req = json.loads(line)
    lanes = [Lane(*lane) for lane in req["lanes"]]
    if req["op"] == "problems":
        out = bracket_problems(lanes)
    else:
        out = []
        for weight in req["weights"]:
            r = rate(lanes, req["country"], req["zip"], weight, req["volume"], req["divisor"], req["minimum"],
                     [tuple(x) for x in req["remote"]], req["remote_fee"], req["fuel"], distance_km=req.get("distance"))
            out.append(None if r is None else {"lane": r.lane.name, "billable": r.billable_weight, "dimensional": r.dimensional_weight,
                        "transport": r.transport, "minimum_applied": r.minimum_applied, "remote": r.remote, "fuel": r.fuel})
    print(json.dumps(out), flush=True)
`

type LaneRow = [string, string | null, string, string, number, number, number, number, number, number]
interface Rated { lane: string, billable: number, dimensional: number, transport: number, minimum_applied: boolean, remote: number, fuel: number }

class RatingService {
  #child: ChildProcessWithoutNullStreams
  #answers: Array<(line: string) => void> = []
  constructor () {
    this.#child = spawn(PYTHON, ['-c', SERVICE, addon])
    createInterface({ input: this.#child.stdout }).on('line', line => this.#answers.shift()?.(line))
  }

  async ask<T> (request: Record<string, unknown>): Promise<T> {
    const answer = new Promise<string>(resolve => this.#answers.push(resolve))
    this.#child.stdin.write(`${JSON.stringify(request)}\n`)
    return JSON.parse(await answer) as T
  }

  stop (): void { this.#child.kill() }
}

/**
 * A card bracket_problems must accept: contiguous brackets from 0 kg, each starting no cheaper than the
 * one before ends (the rule that keeps a heavier shipment from costing less), optionally per distance band.
 */
const validCard = fc.record({
  brackets: fc.array(fc.record({ width: fc.constantFrom(0.5, 1, 2.5, 5, 10, 30), perKg: fc.constantFrom(0, 0.1, 0.35, 1.2), step: fc.constantFrom(0, 0.5, 3) }), { minLength: 1, maxLength: 5 }),
  banded: fc.boolean()
}).map(({ brackets, banded }) => {
  const priced: Array<{ from: number, to: number, base: number, perKg: number }> = []
  let bound = 0
  let priceEnd = 0
  for (const b of brackets) {
    const top = bound + b.width
    const base = Math.max(0, priceEnd - b.perKg * bound + b.step)
    priced.push({ from: bound, to: top, base, perKg: b.perKg })
    priceEnd = base + b.perKg * top
    bound = top
  }
  // the farther band costs 10 more at every weight, so its brackets join as the nearer band's do
  const bands: Array<[number, number, number]> = banded ? [[0, 300, 0], [300, 900, 10]] : [[0, 0, 0]]
  return bands.flatMap(([kmFrom, kmTo, extra]) => priced.map((p, i): LaneRow =>
    [`L${kmFrom}-${i}`, 'NL', '', '', p.from, p.to, p.base + extra, p.perKg, kmFrom, kmTo]))
})

const shipment = fc.record({
  weights: fc.array(fc.double({ min: 0, max: 60, noNaN: true }), { minLength: 2, maxLength: 10 }).map(ws => [...ws].sort((a, b) => a - b)),
  volume: fc.constantFrom(0, 20_000, 150_000),
  minimum: fc.constantFrom(0, 4, 25),
  fuel: fc.constantFrom(0, 7.5, 12),
  zip: fc.constantFrom('3011', '9501'),
  distance: fc.constantFrom(null, 120, 450)
})

describe('rating properties (hub/rating.py driven by fast-check)', () => {
  let service: RatingService
  before(() => { service = new RatingService() })
  after(() => { service.stop() })

  it('generated valid cards pass the save-time check; a heavier shipment never costs less; the minimum, dimensional weight and the surcharge order hold', async () => {
    await fc.assert(fc.asyncProperty(validCard, shipment, async (lanes, s) => {
      assert.deepEqual(await service.ask({ op: 'problems', lanes }), [])
      const rated = await service.ask<Array<Rated | null>>({
        op: 'rate', lanes, country: 'NL', zip: s.zip, weights: s.weights, volume: s.volume, divisor: 5000, minimum: s.minimum,
        remote: [['NL', '9000', '9999']], remote_fee: 2, fuel: s.fuel, distance: s.distance
      })
      const banded = lanes.some(l => l[9] > 0)
      const top = lanes.reduce((max, l) => Math.max(max, l[5]), 0)
      let previous = -Infinity
      rated.forEach((r, i) => {
        const weight = s.weights[i]!
        const billable = Math.max(weight, s.volume / 5000)
        if (r === null) {
          // only outside the card: above its heaviest bracket, or banded without a distance / beyond the bands
          assert.ok(billable > top || (banded && (s.distance === null || s.distance > 900)), `rated nothing for ${billable} kg`)
          return
        }
        assert.equal(r.billable, billable, 'billable weight = max(actual, volume / divisor)')
        assert.ok(r.transport >= s.minimum - 1e-9, 'the minimum applies')
        if (r.minimum_applied) assert.equal(r.transport, s.minimum, 'a minimum applied is the price')
        assert.equal(r.remote, s.zip === '9501' ? 2 : 0, 'remote area by postcode')
        assert.ok(Math.abs(r.fuel - (r.transport + r.remote) * s.fuel / 100) < 1e-9, 'fuel is a percentage of transport + remote area')
        const total = r.transport + r.remote + r.fuel
        assert.ok(total >= previous - 1e-9, `${weight} kg costs ${total}, less than a lighter shipment (${previous})`)
        previous = total
      })
    }), { numRuns: 200, seed: 20261202 })
  })

  it('a card with an overlap or a gap between brackets is refused, naming both lines', async () => {
    await fc.assert(fc.asyncProperty(validCard.filter(l => l.length >= 2 && l.every(x => x[9] === 0)), fc.constantFrom(-0.25, 0.25), async (lanes, shift) => {
      // move the second bracket's start: into the first (overlap) or away from it (gap)
      const broken = lanes.map((l, i) => i === 1 ? [l[0], l[1], l[2], l[3], l[4] + shift, l[5], l[6], l[7], l[8], l[9]] as LaneRow : l)
      const problems = await service.ask<string[]>({ op: 'problems', lanes: broken })
      const named = problems.find(p => p.includes(lanes[0]![0]) && p.includes(lanes[1]![0]))
      assert.ok(named && (shift < 0 ? /overlap/.test(named) : /leave a gap/.test(named)), JSON.stringify(problems))
    }), { numRuns: 100, seed: 20261202 })
  })
})

