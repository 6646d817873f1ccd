import { type CryptoKey, type JWK, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8 } from 'jose'
import { type Client, type Pool, withTransaction } from '../db/pool.ts'
import { createKeyTable, currentKey, insertKey, lockKeys, publishedKeys, retireOtherKeys } from '../db/jwt-key-plans.ts'
import { createSidecarSchema } from '../db/sidecar-schema.ts'
import type { Logger } from '../observability/logger.ts'

export const ALG = 'ES256'

export interface KeyStoreOptions {
  /** HUB_JWT_PRIVATE_KEY: PKCS#8 PEM; when unset keys are generated and kept in hub_sidecar.jwt_key */
  privateKeyPem?: string
  /** longest token lifetime: how long a retired key stays published */
  tokenTtlSeconds: number
  /** age after which a generated key is replaced at start (0 = never) */
  rotationDays: number
  log: Logger
}

/** How often a replica re-reads the current key (another replica may have rotated it). */
const REFRESH_MS = 60_000
/** A retired key stays published for the token lifetime plus this: replicas that signed with it before
 * noticing the rotation, and clock skew between them and the verifiers. */
const PUBLISH_MARGIN_SECONDS = 300
/** Unknown kids trigger a reload at most this often (a flood of forged kids must not hammer the DB). */
const MISS_RELOAD_MS = 5_000

interface KeyRow { kid: string, private_jwk: JWK | null, public_jwk: JWK, created_at: Date }

function publicPart (jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
}

/**
 * ES256 signing keys with rotation: one current key signs; retired keys stay in the JWKS (and keep
 * verifying) until every token they signed has expired. Shared by replicas through the database.
 */
export class KeyStore {
  #signing: { kid: string, key: CryptoKey, loadedAt: number } | null = null
  #published: { jwks: JWK[], keys: Map<string, CryptoKey>, loadedAt: number } | null = null
  #envKey: { kid: string, key: CryptoKey, publicJwk: JWK } | null = null
  #lastMissReload = 0

  constructor (private readonly pool: Pool, private readonly options: KeyStoreOptions) {}

  /** Creates the table when missing and makes sure a current key exists (generating one if needed). */
  async init (): Promise<void> {
    if (this.options.privateKeyPem) {
      const key = await importPKCS8(this.options.privateKeyPem, ALG, { extractable: true })
      const publicJwk = publicPart(await exportJWK(key))
      this.#envKey = { kid: await calculateJwkThumbprint(publicJwk), key, publicJwk }
    }
    await withTransaction(this.pool, async client => {
      await client.query(lockKeys)
      await client.query(createSidecarSchema)
      await client.query(createKeyTable)
      if (this.#envKey) {
        await client.query(insertKey(this.#envKey.kid, null, this.#envKey.publicJwk))
        await client.query(retireOtherKeys(this.#envKey.kid))
        return
      }
      const { rows: [current] } = await client.query<KeyRow>(currentKey)
      const maxAgeMs = this.options.rotationDays * 86_400_000
      if (!current || !current.private_jwk || (maxAgeMs > 0 && Date.now() - current.created_at.getTime() > maxAgeMs)) {
        const kid = await this.#generate(client)
        this.options.log.info({ kid, replaced: current?.kid ?? null }, 'generated a new token signing key')
      }
    })
    this.#signing = null
    this.#published = null
  }

  /** Replaces the current generated key; tokens signed with the old one stay valid until they expire. */
  async rotate (): Promise<string> {
    if (this.#envKey) throw new Error('the signing key comes from HUB_JWT_PRIVATE_KEY; replace it there to rotate')
    const kid = await withTransaction(this.pool, async client => {
      await client.query(lockKeys)
      return await this.#generate(client)
    })
    this.#signing = null
    this.#published = null
    this.options.log.info({ kid }, 'token signing key rotated')
    return kid
  }

  async signingKey (now = Date.now()): Promise<{ kid: string, key: CryptoKey }> {
    if (this.#envKey) return this.#envKey
    if (!this.#signing || now - this.#signing.loadedAt > REFRESH_MS) {
      const { rows: [row] } = await this.pool.query<KeyRow>(currentKey)
      if (!row?.private_jwk) throw new Error('no current token signing key; was KeyStore.init() run?')
      this.#signing = { kid: row.kid, key: await importJWK(row.private_jwk, ALG) as CryptoKey, loadedAt: now }
    }
    return this.#signing
  }

  /** The public key for a token's kid, or null when it is unknown or no longer published. */
  async verificationKey (kid: string, now = Date.now()): Promise<CryptoKey | null> {
    let published = await this.#publishedKeys(now)
    if (!published.keys.has(kid) && now - this.#lastMissReload > MISS_RELOAD_MS) {
      // a key another replica just created; forged kids cost one reload per interval at most
      this.#lastMissReload = now
      published = await this.#publishedKeys(now, true)
    }
    return published.keys.get(kid) ?? null
  }

  async jwks (now = Date.now()): Promise<{ keys: JWK[] }> {
    return { keys: (await this.#publishedKeys(now)).jwks }
  }

  async #publishedKeys (now: number, force = false) {
    if (force || !this.#published || now - this.#published.loadedAt > REFRESH_MS) {
      const { rows } = await this.pool.query<{ kid: string, public_jwk: JWK }>(publishedKeys(this.options.tokenTtlSeconds + PUBLISH_MARGIN_SECONDS))
      const keys = new Map<string, CryptoKey>()
      for (const r of rows) keys.set(r.kid, await importJWK({ ...r.public_jwk, alg: ALG }, ALG) as CryptoKey)
      this.#published = { jwks: rows.map(r => ({ ...publicPart(r.public_jwk), kid: r.kid, alg: ALG, use: 'sig' })), keys, loadedAt: now }
    }
    return this.#published
  }

  async #generate (client: Client): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true })
    const publicJwk = publicPart(await exportJWK(publicKey))
    const kid = await calculateJwkThumbprint(publicJwk)
    await client.query(insertKey(kid, await exportJWK(privateKey), publicJwk))
    await client.query(retireOtherKeys(kid))
    return kid
  }
}
