import { type DestinationStream, pino, type Logger } from 'pino'
import { redactUrl } from './redact-url.ts'

export type { Logger }

/**
 * JSON logs; every line of a flow carries `correlation_id` (child loggers). Secrets are redacted by path
 * because payloads and connector rows pass through log calls when something fails.
 */
export function createLogger (level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'logistics-hub-sidecar' },
    redact: {
      paths: ['secret', '*.secret', 'password', '*.password', 'headers.authorization', 'headers["webhook-signature"]',
        'req.headers.authorization', 'req.headers["webhook-signature"]',
        // gateway credentials: client secrets, issued tokens, Odoo web sessions
        'client_secret', '*.client_secret', 'access_token', '*.access_token', 'token', '*.token',
        'headers.cookie', 'req.headers.cookie', 'headers["x-odoo-session"]', 'req.headers["x-odoo-session"]'],
      censor: '[redacted]'
    },
    serializers: {
      // replaces fastify's request serializer (same fields): the URL loses secrets in its query string
      req: (req: { method?: string, url?: string, host?: string, ip?: string, socket?: { remotePort?: number } }) => ({
        method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort
      })
    }
  }, destination as DestinationStream)
}
