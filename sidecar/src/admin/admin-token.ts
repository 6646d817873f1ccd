import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Only `Authorization: Bearer <token>` (RFC 6750): the bare token or another scheme is refused. */
function tokenMatches (header: string | undefined, token: string): boolean {
  const bearer = /^Bearer +(\S+) *$/i.exec(header ?? '')
  if (!bearer) return false
  const given = Buffer.from(bearer[1]!)
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Whether the request carries HUB_ADMIN_TOKEN (which Odoo holds); if not, the refusal is sent. */
export async function adminAllowed (req: FastifyRequest, reply: FastifyReply, adminToken: string | undefined): Promise<boolean> {
  if (!adminToken) {
    await reply.code(503).send({ error: 'admin_disabled', message: 'set HUB_ADMIN_TOKEN to enable the admin API' })
    return false
  }
  if (!tokenMatches(req.headers.authorization, adminToken)) {
    await reply.code(401).header('www-authenticate', 'Bearer realm="logistics-hub-admin"').send({ error: 'unauthorized', message: 'expected Authorization: Bearer <HUB_ADMIN_TOKEN>' })
    return false
  }
  return true
}
