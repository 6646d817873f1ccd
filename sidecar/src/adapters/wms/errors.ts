import { PermanentError, RetryableError } from '../../errors.ts'
import { type HttpAnswer, isRetryableStatus, retryAfterSeconds } from '../http-transport.ts'

/** Turns a non-2xx WMS answer (`{ error: { code, message } }`) into a typed error with the WMS's own words. */
export function parseWmsError (answer: HttpAnswer): Error {
  let detail = answer.text.slice(0, 200)
  try {
    const body = JSON.parse(answer.text) as { error?: { code?: string, message?: string } }
    if (body.error?.code) detail = `${body.error.code}: ${body.error.message ?? ''}`.trim()
  } catch { /* not JSON: keep the raw text */ }
  const message = `WMS answered HTTP ${answer.status} (${detail})`
  return isRetryableStatus(answer.status)
    ? new RetryableError(message, retryAfterSeconds(answer.headers['retry-after']))
    : new PermanentError(message)
}
