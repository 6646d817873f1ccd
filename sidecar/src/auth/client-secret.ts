import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Client secrets are 32 random bytes generated in Odoo and shown once; Odoo keeps only their SHA-256
 * (lowercase hex). With that much entropy a fast hash is enough (as for API tokens): there is nothing
 * to brute-force. Comparison is constant-time over equal-length digests.
 */
export function hashSecret (secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** A fixed digest to compare against when the client does not exist, so both paths cost the same. */
const NO_CLIENT = hashSecret('no such client')

export function secretMatches (secret: string, storedHash: string | null | undefined): boolean {
  const stored = typeof storedHash === 'string' ? storedHash.toLowerCase() : ''
  const usable = /^[0-9a-f]{64}$/.test(stored)
  const expected = Buffer.from(usable ? stored : NO_CLIENT, 'hex')
  const given = Buffer.from(hashSecret(secret), 'hex')
  return timingSafeEqual(given, expected) && usable
}
