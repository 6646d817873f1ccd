import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RateLimiter } from '../../sidecar/src/rate-limiter.ts'

/** `reserve` n times at one instant; the waits it answered, in order. */
function reserveMany (limiter: RateLimiter, key: string, perMinute: number, n: number, now: number): number[] {
  return Array.from({ length: n }, () => limiter.reserve(key, perMinute, now))
}

// Every call passes `now`: the arithmetic is checked at chosen instants, never against the clock.
describe('rate limiter (token bucket per key, plus partner pauses)', () => {
  it('lets a burst of the whole budget through, then spaces calls 60/limit seconds apart', () => {
    const limiter = new RateLimiter()
    assert.deepEqual(reserveMany(limiter, 'wms', 60, 60, 0), Array(60).fill(0))
    // the bucket is empty: each further call waits one more refill period (1 s at 60/min)
    assert.deepEqual(reserveMany(limiter, 'wms', 60, 3, 0), [1000, 2000, 3000])
  })

  it('refills with elapsed time, never above the budget', () => {
    const limiter = new RateLimiter()
    reserveMany(limiter, 'wms', 60, 61, 0) // one token in debt
    // 500 ms bring half a token back: -1 + 0.5 - 1 = -1.5 tokens, i.e. 1.5 s to wait
    assert.equal(limiter.reserve('wms', 60, 500), 1500)
    // a long quiet spell refills the bucket to the budget only: a burst of 60 again, not more
    assert.deepEqual(reserveMany(limiter, 'wms', 60, 61, 3_600_000), [...Array(60).fill(0), 1000])
  })

  it('takes the token even when the caller has to wait, so waiting callers queue up behind each other', () => {
    const limiter = new RateLimiter()
    assert.deepEqual(reserveMany(limiter, 'tms', 2, 4, 0), [0, 0, 30_000, 60_000])
  })

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter()
    reserveMany(limiter, 'a', 1, 1, 0)
    assert.equal(limiter.reserve('a', 1, 0), 60_000)
    assert.equal(limiter.reserve('b', 1, 0), 0)
  })

  it('treats a budget of 0 (or less) as unlimited', () => {
    const limiter = new RateLimiter()
    assert.deepEqual(reserveMany(limiter, 'free', 0, 1000, 0).filter(wait => wait !== 0), [])
    assert.equal(limiter.reserve('free', -5, 0), 0)
  })

  it('holds every call to a paused key until the pause ends, budget or not', () => {
    const limiter = new RateLimiter()
    limiter.pause('carrier', 30, 1_000)
    assert.equal(limiter.reserve('carrier', 0, 1_000), 30_000)
    assert.equal(limiter.reserve('carrier', 600, 11_000), 20_000)
    assert.equal(limiter.reserve('carrier', 600, 31_000), 0, 'the pause is over')
    assert.equal(limiter.reserve('other', 600, 1_000), 0, 'other keys are not paused')
  })

  it('keeps the longer of two pauses: a shorter Retry-After does not cut a pause short', () => {
    const limiter = new RateLimiter()
    limiter.pause('carrier', 60, 0)
    limiter.pause('carrier', 5, 0)
    assert.equal(limiter.reserve('carrier', 0, 10_000), 50_000)
    limiter.pause('carrier', 120, 10_000)
    assert.equal(limiter.reserve('carrier', 0, 10_000), 120_000, 'a longer pause extends it')
  })

  it('answers the later of pause end and bucket wait, and spends tokens during a pause', () => {
    const limiter = new RateLimiter()
    limiter.pause('wms', 0.1, 0) // 100 ms
    assert.deepEqual(reserveMany(limiter, 'wms', 60, 60, 0), Array(60).fill(100))
    assert.equal(limiter.reserve('wms', 60, 0), 1000, 'the bucket wait is longer than the pause')
  })
})
