import { randomUUID } from 'node:crypto'
import { type HttpAnswer, callJson, endpoint, postSigned } from './http-transport.ts'
import { networkProblem } from './partner-call.ts'
import type { Connector, Probe, ProbeResult } from './types.ts'

/**
 * "Test connection" (POST /admin/connectors/:code/test): one authenticated call that changes nothing at
 * the partner, so a wrong secret or API key fails the test instead of the first real delivery. Messages
 * are read by people in Odoo: they say what to check, never a stack trace or a library's wording.
 */
/** How the partner authenticates us: its refusal is then worded after what the person must check. */
export type Credential = 'signature' | 'api_key'

const refusal: Record<Credential, string> = {
  signature: "the partner refused our signature: check that it holds the connector's secret",
  api_key: "the partner refused the API key: check the connector's secret"
}
const acceptance: Record<Credential, string> = { signature: 'signature accepted', api_key: 'API key accepted' }

/** A probe's verdict on one call, timed; never throws. */
export async function probeCall (credential: Credential, timeoutSeconds: number, call: () => Promise<HttpAnswer>): Promise<ProbeResult> {
  const started = performance.now()
  const latency = () => Math.round(performance.now() - started)
  try {
    const answer = await call()
    return { ok: answer.status >= 200 && answer.status < 300, status: answer.status, latency_ms: latency(), message: verdict(credential, answer) }
  } catch (err) {
    return { ok: false, status: null, latency_ms: latency(), message: `unreachable: ${networkProblem(err, timeoutSeconds)}` }
  }
}

function verdict (credential: Credential, { status }: HttpAnswer): string {
  if (status >= 200 && status < 300) return `${acceptance[credential]} (HTTP ${status})`
  if (status === 401 || status === 403) return `${refusal[credential]} (HTTP ${status})`
  if (status === 404 || status === 405) return `reachable, but nothing answers there (HTTP ${status}): check the base URL`
  if (status === 429) return `reachable, but the partner is limiting our calls (HTTP ${status}): try again in a minute`
  if (status >= 500) return `the partner is in trouble (HTTP ${status})`
  return `the partner refused the test call (HTTP ${status})`
}

function noBaseUrl (): ProbeResult {
  return { ok: false, status: null, latency_ms: 0, message: 'the connector has no base URL' }
}

/** A GET the partner answers only with a valid bearer API key (carriers, TMS). */
export function bearerProbe (path: string): Probe {
  return async connector => {
    const base = connector.base_url
    if (!base) return noBaseUrl()
    // inside the call: a malformed base URL is a verdict, not an exception
    return await probeCall('api_key', connector.timeout, async () => await callJson('GET', endpoint(base, path), { bearer: connector.secret, timeoutSeconds: connector.timeout }))
  }
}

/** A Standard Webhooks-signed POST of `body` to `path` (or to the base URL itself when path is null). */
export function signedProbe (path: string | null, body: (connector: Connector, messageId: string) => unknown): Probe {
  return async connector => {
    const base = connector.base_url
    if (!base) return noBaseUrl()
    const messageId = `ping_${randomUUID()}`
    // the current secret alone, not also the previous one deliveries add during a rotation's overlap: the
    // test must fail while the partner lacks the new secret, before the overlap ends and deliveries fail
    const secrets = connector.secret ? [connector.secret] : []
    return await probeCall('signature', connector.timeout, async () => await postSigned({
      url: path === null ? base : endpoint(base, path), body: body(connector, messageId), messageId, secrets, timeoutSeconds: connector.timeout
    }))
  }
}
