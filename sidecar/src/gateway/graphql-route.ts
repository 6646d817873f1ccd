import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { YogaServerInstance } from 'graphql-yoga'
import type { Logger } from '../observability/logger.ts'
import type { GatewayContext } from './context.ts'
import { runInRequest } from './request-context.ts'

/** A client's X-Correlation-Id is echoed when it looks like one; otherwise we make our own. */
function correlationId (header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  return value && /^[A-Za-z0-9._:-]{8,128}$/.test(value) ? value : randomUUID()
}

/** Fastify's own refusals (body too large, bad framing) in GraphQL shape, like every other answer. */
function routeErrorHandler (err: { statusCode?: number }, req: { log: Logger }, reply: { code: (n: number) => { send: (b: unknown) => unknown } }): void {
  const status = err.statusCode ?? 500
  if (status >= 500) req.log.error({ err }, 'graphql request failed')
  const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL'
  const message = status === 413 ? 'request body too large' : status < 500 ? 'malformed request' : 'internal error; see the sidecar log'
  void reply.code(status).send({ errors: [{ message, extensions: { code } }] })
}

/**
 * /graphql on fastify: the request is handed to yoga as a fetch Request (bodies arrive as raw strings,
 * see server.ts) inside an async context carrying the correlation id, so masked errors and logs of the
 * operation can name it.
 */
export function registerGraphqlRoute (app: FastifyInstance, yoga: YogaServerInstance<{}, GatewayContext>, bodyLimit: number): void {
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: yoga.graphqlEndpoint,
    bodyLimit,
    errorHandler: routeErrorHandler as never,
    handler: async (req, reply) => {
      const id = correlationId(req.headers['x-correlation-id'])
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v)
      const body = req.method === 'POST' && typeof req.body === 'string' ? req.body : undefined
      const response = await runInRequest({ correlationId: id, log: req.log.child({ correlation_id: id }) as Logger },
        async () => await yoga.fetch(new URL(req.url, 'http://gateway.local'), { method: req.method, headers, body }))
      void reply.code(response.status)
      response.headers.forEach((value, key) => { void reply.header(key, value) })
      return await reply.header('x-correlation-id', id).send(Buffer.from(await response.arrayBuffer()))
    }
  })
}
