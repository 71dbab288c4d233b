/** Errors the HTTP layer maps to status codes. */

export type UnavailableReason =
  'unreachable' | 'read_only' | 'resource_exhausted' | 'circuit_open' | 'timeout' | 'draining';

/** A dependency cannot serve the request right now: answered 503 with Retry-After. */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    readonly retryAfterSeconds = 5,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * A write was sent and no answer came back (connection lost or the client-side query timeout fired): it may have
 * committed or not. Answered 504 without Retry-After: only a retry with the same Idempotency-Key is safe.
 */
export class OutcomeUnknownError extends Error {
  readonly reason = 'outcome_unknown';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutcomeUnknownError';
  }
}

/** PostgreSQL SQLSTATEs and Node socket errors that mean "the server is not reachable / not serving". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / shutting down)
  '53300', // too_many_connections
]);

/** True for errors where the statement surely or possibly did not run because the server was unavailable. */
export function isConnectionError(err: unknown): boolean {
  if (isAuthError(err)) return false; // e.g. RDS Proxy's refusal with an 08xxx code: a secret re-read fixes it
  // Duck-typed, not `instanceof Error`: socket errors may come from another realm (vm contexts, test runners).
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return (
    typeof message === 'string' &&
    /timeout|terminated|Connection ended|not queryable|connect ECONN/i.test(message)
  );
}

export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Class 53 insufficient_resources (53100 disk_full, 53200 out_of_memory, 53400 configuration_limit_exceeded):
 * the server refused the statement for want of a resource; nothing was written. 53300 too_many_connections is a
 * login refusal and counts as a connection error instead.
 */
export function isResourceExhausted(err: unknown): boolean {
  const code = pgCode(err);
  return code !== undefined && code.startsWith('53') && !isConnectionError(err);
}

/** 25006 read_only_sql_transaction: the "writer" is a standby (DR region, or an old writer after failover). */
export const READ_ONLY_SQLSTATE = '25006';
/**
 * RDS Proxy checks the client's password against its own copy of the secret and refuses with its own wording
 * (RDS Proxy troubleshooting guide, PostgreSQL): "The password that was provided for the role <role> is wrong."
 * and "This RDS proxy has no credentials for the role <role>. ...". AWS documents no SQLSTATE for them, so the
 * message decides, whatever code comes with it.
 */
const RDS_PROXY_AUTH_MESSAGE =
  /The password that was provided for the role .* is wrong|RDS proxy has no credentials for the role/i;

/**
 * The login was refused for its credentials, so re-reading the secret (after a rotation) can fix it: PostgreSQL's
 * 28P01 invalid_password / 28000 invalid_authorization_specification, or RDS Proxy's refusal in any code.
 */
export function isAuthError(err: unknown): boolean {
  const code = pgCode(err);
  if (code === '28P01' || code === '28000') return true;
  const message = (err as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && RDS_PROXY_AUTH_MESSAGE.test(message);
}
