/**
 * Whether an error Odoo answered over JSON-RPC means "Odoo cannot work right now" (wait and call
 * again) or "Odoo refuses this call" (repeating it cannot help). Odoo serialises an exception as
 * `<module>.<class>` (odoo/http.py serialize_exception); after its own retries of serialization
 * failures (odoo/service/model.py retrying) it returns the last one. The unavailable ones are
 * psycopg2's errors for a database that is down, restarting, overloaded or busy: SQLSTATE classes 08
 * (connection), 40 (transaction rollback), 53 (insufficient resources), 57 (operator intervention),
 * 55P03/55006 (lock not available, object in use), and Odoo's full connection pool.
 */
const UNAVAILABLE = new Set([
  'psycopg2.OperationalError',
  'psycopg2.InterfaceError',
  'psycopg2.pool.PoolError',
  'psycopg2.extensions.TransactionRollbackError',
  'psycopg2.extensions.QueryCanceledError',
  ...[
    // 08
    'ConnectionException', 'ConnectionDoesNotExist', 'ConnectionFailure', 'SqlclientUnableToEstablishSqlconnection',
    'SqlserverRejectedEstablishmentOfSqlconnection', 'TransactionResolutionUnknown', 'ProtocolViolation',
    // 40
    'TransactionRollback', 'SerializationFailure', 'DeadlockDetected', 'StatementCompletionUnknown',
    // 53
    'InsufficientResources', 'DiskFull', 'OutOfMemory', 'TooManyConnections', 'ConfigurationLimitExceeded',
    // 57
    'OperatorIntervention', 'QueryCanceled', 'AdminShutdown', 'CrashShutdown', 'CannotConnectNow', 'IdleSessionTimeout',
    // 55
    'LockNotAvailable', 'ObjectInUse'
  ].map(name => `psycopg2.errors.${name}`)
])

/** Messages of the same conditions when Odoo wrapped them in another class. */
const UNAVAILABLE_MESSAGE = /connection pool is full|could not serialize access|deadlock detected|could not obtain lock|server closed the connection|connection already closed|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|could not connect to server|connection refused/i

/** psycopg2 reports these as OperationalError too, but waiting will not fix them: a person must. */
const MISCONFIGURED_MESSAGE = /database "[^"]*" does not exist|password authentication failed|role "[^"]*" does not exist/i

export function isOdooUnavailable (errorName: string, message: string): boolean {
  return !MISCONFIGURED_MESSAGE.test(message) && (UNAVAILABLE.has(errorName) || UNAVAILABLE_MESSAGE.test(message))
}

/**
 * Odoo refuses every call of this sidecar until a person fixes its configuration (ODOO_DB, the Odoo
 * user's rights): work must wait for that, never be blamed on an item and parked.
 */
export function isSidecarMisconfigured (errorName: string, message: string): boolean {
  return errorName === 'odoo.exceptions.AccessDenied' || errorName === 'odoo.exceptions.AccessError' || MISCONFIGURED_MESSAGE.test(message)
}
