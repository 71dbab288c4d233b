/** Errors the handlers throw on purpose; each name says what the operator should do. */

/** The event is not one this function handles; nothing was changed. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(`Invalid event: ${message}; nothing was changed`);
    this.name = 'InvalidEventError';
  }
}

/** A required environment variable is missing or malformed (a deployment bug). */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** A transient condition; the invocation fails so Lambda's async retries (then the DLQ) take over. */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** The KMS key a copy needs is missing or unusable; retrying will not help. */
export class KmsKeyError extends Error {
  constructor(
    public readonly keyId: string,
    public readonly region: string,
    cause: string,
  ) {
    super(`KMS key ${keyId} in ${region} is missing or unusable: ${cause}`);
    this.name = 'KmsKeyError';
  }
}

/**
 * The error code of an AWS SDK v3 exception. RDS (awsQuery) errors carry the shape name in
 * `name` (e.g. SnapshotQuotaExceededFault) and the wire code in `Code` (SnapshotQuotaExceeded).
 */
export function awsErrorCodes(e: unknown): string[] {
  if (typeof e !== 'object' || e === null) return [];
  const { name, Code, code } = e as { name?: unknown; Code?: unknown; code?: unknown };
  return [name, Code, code].filter((v): v is string => typeof v === 'string');
}

/** True when the SDK error matches one of the codes, with or without the "Fault" suffix. */
export function isAwsError(e: unknown, ...codes: string[]): boolean {
  const found = awsErrorCodes(e).map((c) => c.replace(/Fault$/, ''));
  return codes.some((c) => found.includes(c.replace(/Fault$/, '')));
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
