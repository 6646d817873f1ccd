import { type ErrorParser, errorJson } from '../partner-call.ts'

/** The WMS's error body `{ error: { code, message } }` as "CODE: message" (the policy is partner-call.ts). */
export const parseWmsError: ErrorParser = answer => {
  const error = (errorJson(answer) as { error?: { code?: unknown, message?: unknown } } | null)?.error
  if (typeof error?.code !== 'string' || error.code === '') return null
  return `${error.code}: ${typeof error.message === 'string' ? error.message : ''}`.trim()
}
