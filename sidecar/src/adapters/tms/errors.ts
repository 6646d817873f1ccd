import { type ErrorParser, errorJson } from '../partner-call.ts'

/** The TMS's error body `{ message, code? }` as "CODE: message" (the policy is partner-call.ts). */
export const parseTmsError: ErrorParser = answer => {
  const body = errorJson(answer) as { message?: unknown, code?: unknown } | null
  const parts = [body?.code, body?.message].filter((p): p is string => typeof p === 'string' && p !== '')
  return parts.length ? parts.join(': ') : null
}
