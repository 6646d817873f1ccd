/**
 * Request URLs as they may appear in logs. Secrets belong in headers or bodies, but a client that puts
 * `client_secret` in a query string must not get it written to every log sink: the whole query of a
 * credential path is dropped, and elsewhere the values of parameters named like secrets are.
 */
const SENSITIVE_PATH = /^\/(?:oauth\/token|admin\/|hooks\/)/
const SECRET_PARAMS = new Set(['client_secret', 'secret', 'token', 'access_token', 'refresh_token', 'password', 'api_key', 'apikey', 'session_id'])
const REDACTED = '[redacted]'

function paramName (raw: string): string {
  try { return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase() } catch { return raw.toLowerCase() }
}

export function redactUrl (url: string | undefined): string | undefined {
  if (typeof url !== 'string') return url
  const q = url.indexOf('?')
  if (q < 0) return url
  const path = url.slice(0, q)
  if (SENSITIVE_PATH.test(path)) return `${path}?${REDACTED}`
  const query = url.slice(q + 1).split('&').map(pair => {
    const eq = pair.indexOf('=')
    const name = eq < 0 ? pair : pair.slice(0, eq)
    return eq >= 0 && SECRET_PARAMS.has(paramName(name)) ? `${name}=${REDACTED}` : pair
  })
  return `${path}?${query.join('&')}`
}
