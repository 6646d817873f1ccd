/**
 * Typed outcomes of a partner call (after queue_job's RetryableJobError): a retryable failure goes back
 * to the queue with backoff; a permanent one goes straight to the dead-letter queue, because repeating
 * a request the partner rejected as invalid only burns attempts.
 */
export class RetryableError extends Error {
  override name = 'RetryableError'
  constructor (message: string, readonly retryAfterSeconds?: number, options?: ErrorOptions) {
    super(message, options)
  }
}

export class PermanentError extends Error {
  override name = 'PermanentError'
}

/** Odoo could not be reached (network, 5xx): work waits and flows when it returns. */
export class OdooUnavailableError extends RetryableError {
  override name = 'OdooUnavailableError'
}

/** Odoo answered with an application error (access, validation): retrying the same call will not help. */
export class OdooRpcError extends PermanentError {
  override name = 'OdooRpcError'
  constructor (message: string, readonly odooErrorName: string, options?: ErrorOptions) {
    super(message, options)
  }
}

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
