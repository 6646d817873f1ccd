import assert from 'node:assert/strict'
import { networkInterfaces } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { request } from 'undici'
import { type TestDatabase, createTestDatabase } from '../support/pg.ts'
import { startSidecar } from '../support/sidecar.ts'

/** An IPv4 address of this machine other than loopback, if it has one. */
function outsideAddress (): string | undefined {
  return Object.values(networkInterfaces()).flat().find(i => i && i.family === 'IPv4' && !i.internal)?.address
}

async function answers (url: string): Promise<number | string> {
  try {
    const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 })
    await res.body.dump()
    return res.statusCode
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err)
  }
}

/**
 * HOST decides which interface the sidecar listens on: outside a container the default keeps it on
 * loopback (a developer's sidecar is not open to the network); compose sets 0.0.0.0.
 */
describe('HOST setting', () => {
  let db: TestDatabase
  const outside = outsideAddress()

  before(async () => { db = await createTestDatabase() })
  after(async () => { await db.drop() })

  it('listens on 127.0.0.1 by default and is not reachable from another interface', async () => {
    const sidecar = await startSidecar(db.url)
    try {
      const address = sidecar.app.server.address()
      assert.ok(address && typeof address === 'object')
      assert.equal(address.address, '127.0.0.1')
      assert.equal(await answers(`${sidecar.url}/healthz`), 200)
      if (outside) assert.equal(await answers(`http://${outside}:${sidecar.port()}/healthz`), 'ECONNREFUSED')
    } finally {
      await sidecar.stop()
    }
  })

  it('listens on every interface with HOST=0.0.0.0', { skip: outside ? false : 'no non-loopback interface' }, async () => {
    const sidecar = await startSidecar(db.url, { HOST: '0.0.0.0' })
    try {
      assert.equal(await answers(`http://${outside!}:${sidecar.port()}/healthz`), 200)
    } finally {
      await sidecar.stop()
    }
  })
})
