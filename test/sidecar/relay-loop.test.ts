import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDrainLoop } from '../../sidecar/src/relay/relay-loop.ts'
import { controlledCalls, memoryLogger } from '../support/controlled.ts'

/** A relay step whose every call waits for the test to say how many rows it moved. */
const controlledStep = () => {
  const { fn: step, calls, called } = controlledCalls<[], number>()
  return { step, calls, called }
}

describe('relay drain loop (coalescing signals)', () => {
  it('turns many signals during a run into exactly one more run', async () => {
    const { step, calls, called } = controlledStep()
    let drained = 0
    const loop = createDrainLoop(step, 10, memoryLogger().logger, () => { drained++ })
    loop.signal()
    await called(1)
    for (let i = 0; i < 50; i++) loop.signal()
    calls[0]!.resolve(0)
    await called(2)
    calls[1]!.resolve(0)
    await loop.settled()
    assert.equal(calls.length, 2, 'one run for the first signal, one for all 50 that came during it')
    assert.equal(drained, 2)
  })

  it('runs one step at a time, and a signal after a run is over starts a new one', async () => {
    const { step, calls, called } = controlledStep()
    let inFlight = 0
    let overlapped = false
    const counted = async (): Promise<number> => {
      overlapped ||= inFlight > 0
      inFlight++
      try { return await step() } finally { inFlight-- }
    }
    const loop = createDrainLoop(counted, 10, memoryLogger().logger)
    loop.signal()
    await called(1)
    loop.signal()
    loop.signal()
    calls[0]!.resolve(0)
    await called(2)
    loop.signal() // during the second run: a third one
    calls[1]!.resolve(0)
    await called(3)
    calls[2]!.resolve(0)
    await loop.settled()
    assert.equal(calls.length, 3)
    assert.equal(overlapped, false, 'never two steps at once')
    loop.signal()
    await called(4)
    calls[3]!.resolve(0)
    await loop.settled()
    assert.equal(calls.length, 4)
  })

  it('keeps stepping within a run while a step moves a full batch', async () => {
    const { step, calls, called } = controlledStep()
    let drained = 0
    const loop = createDrainLoop(step, 10, memoryLogger().logger, () => { drained++ })
    loop.signal()
    await called(1)
    calls[0]!.resolve(10)
    await called(2)
    assert.equal(drained, 0, 'not drained while batches come back full')
    calls[1]!.resolve(3)
    await loop.settled()
    assert.equal(calls.length, 2)
    assert.equal(drained, 1)
  })

  it('logs a failed run and runs again at the next signal', async () => {
    const { step, calls, called } = controlledStep()
    const { lines, logger } = memoryLogger()
    let drained = 0
    const loop = createDrainLoop(step, 10, logger, () => { drained++ })
    loop.signal()
    await called(1)
    calls[0]!.reject(new Error('connection terminated'))
    await loop.settled()
    assert.equal(drained, 0, 'a failed run is not a drained outbox')
    assert.equal(lines.length, 1)
    assert.match(String((lines[0]!.err as { message: string }).message), /connection terminated/)
    loop.signal()
    await called(2)
    calls[1]!.resolve(0)
    await loop.settled()
    assert.equal(drained, 1)
  })
})
