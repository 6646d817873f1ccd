import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Counter } from 'prom-client'
import { basicCredentials, parameters } from './token-endpoint.ts'
import type { CredentialThrottle } from './credential-throttle.ts'

interface Guarded {
  endpoint: string
  /** whose credential is being tried */
  client: (req: FastifyRequest) => string | null
  /** the answers that prove the credential was checked and right (others, like a 400 before any check, prove nothing) */
  accepted: (status: number) => boolean
}

/** The routes that check a credential, by route pattern. */
const GUARDED: Record<string, Guarded> = {
  '/oauth/token': {
    endpoint: 'oauth_token',
    accepted: status => status === 200,
    client: req => {
      const id = basicCredentials(req.headers.authorization)?.id ?? parameters(req.headers['content-type'], req.body)?.client_id
      return id ? `client:${id.slice(0, 100)}` : null
    }
  },
  // one admin token: every attempt at the admin API tries the same credential
  '/admin/connectors/:code/test': { endpoint: 'admin', client: () => 'admin', accepted: status => status === 200 || status === 404 }
}

/**
 * The "source" of an attempt: an IPv4 address, or an IPv6 /64 (one subscriber commonly holds a whole
 * /64, so per-address buckets would give an IPv6 attacker 2^64 of them).
 */
export function sourceKey (ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return mapped[1]!
  if (!ip.includes(':')) return ip
  const [head = '', tail] = ip.replace(/%.*$/, '').toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${groups.slice(0, 4).map(g => g.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

export interface GuardDeps {
  throttle: CredentialThrottle
  throttled: Counter<'endpoint'>
  failures: Counter<'endpoint'>
}

/**
 * Wraps the credential routes in the throttle from the outside, so the routes themselves stay about
 * OAuth and the admin API: before the handler, a throttled caller gets 429 with Retry-After (the
 * credential is not even checked); after it, a 401 counts as a failed attempt and an accepted
 * credential makes the source familiar to that client. The source is the socket address (no proxy headers are trusted).
 */
export function guardCredentialRoutes (app: FastifyInstance, deps: GuardDeps): void {
  app.addHook('preHandler', async (req, reply) => {
    const guarded = GUARDED[req.routeOptions.url ?? '']
    if (!guarded) return
    const source = sourceKey(req.ip)
    const retryAfter = deps.throttle.retryAfter(source, guarded.client(req))
    if (retryAfter <= 0) return
    deps.throttled.inc({ endpoint: guarded.endpoint })
    req.log.warn({ endpoint: guarded.endpoint, source, retry_after: retryAfter }, 'credential attempts throttled')
    const message = `too many failed credential attempts; retry in ${retryAfter} s`
    return await reply.code(429).header('retry-after', String(retryAfter)).header('cache-control', 'no-store')
      // OAuth clients read error_description, the admin API's caller (Odoo) reads message
      .send({ error: 'too_many_requests', error_description: message, message })
  })
  app.addHook('onResponse', async (req, reply) => {
    const guarded = GUARDED[req.routeOptions.url ?? '']
    if (!guarded) return
    if (reply.statusCode === 401) {
      deps.failures.inc({ endpoint: guarded.endpoint })
      deps.throttle.failed(sourceKey(req.ip), guarded.client(req))
    } else if (guarded.accepted(reply.statusCode)) {
      deps.throttle.succeeded(sourceKey(req.ip), guarded.client(req))
    }
  })
}
