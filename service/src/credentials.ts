/**
 * Credentials fetched at run time. A source caches the current value; refresh() re-reads it (Secrets Manager
 * after a rotation), de-duplicating concurrent refreshes and rate-limiting them so a wrong password cannot turn
 * into a Secrets Manager request storm.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface DbCredentials {
  readonly username: string;
  readonly password: string;
}

export interface CredentialSource<T> {
  /** The current value (fetched once, then cached). */
  get(): Promise<T>;
  /** Re-fetches (at most once per minimum interval) and returns the newest value. */
  refresh(): Promise<T>;
}

/** A fixed value (DB_PASSWORD / REDIS_PASSWORD, local runs and tests). */
export function staticSource<T>(value: T): CredentialSource<T> {
  return { get: async () => value, refresh: async () => value };
}

/** Wraps a fetch function with caching, single-flight and a minimum interval between fetches. */
export function cachedSource<T>(
  fetch: () => Promise<T>,
  minRefreshIntervalMs = 5000,
  now: () => number = Date.now,
): CredentialSource<T> {
  let current: T | undefined;
  let fetchedAt = -Infinity;
  let inFlight: Promise<T> | undefined;
  const load = (): Promise<T> => {
    inFlight ??= fetch()
      .then((value) => {
        current = value;
        fetchedAt = now();
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  return {
    get: () => (current !== undefined ? Promise.resolve(current) : load()),
    refresh: () => {
      if (current !== undefined && now() - fetchedAt < minRefreshIntervalMs)
        return inFlight ?? Promise.resolve(current);
      return load();
    },
  };
}

/** Parses an RDS-style secret: JSON with string `username` and `password`. */
export function parseDbSecret(secretString: string | undefined, secretId: string): DbCredentials {
  if (!secretString) throw new Error(`secret ${secretId} has no SecretString`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error(`secret ${secretId} is not JSON; expected {"username": ..., "password": ...}`);
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || username === '')
    throw new Error(`secret ${secretId}: field 'username' must be a non-empty string`);
  if (typeof password !== 'string' || password === '')
    throw new Error(`secret ${secretId}: field 'password' must be a non-empty string`);
  return { username, password };
}

/** Parses a Redis auth token secret: JSON {token} (or {password}) or the plain token string. */
export function parseRedisSecret(secretString: string | undefined, secretId: string): string {
  if (!secretString) throw new Error(`secret ${secretId} has no SecretString`);
  const trimmed = secretString.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    const token = parsed.token ?? parsed.password;
    if (typeof token !== 'string' || token === '')
      throw new Error(`secret ${secretId}: field 'token' must be a non-empty string`);
    return token;
  }
  return trimmed;
}

/** Reads a secret from Secrets Manager (AWSCURRENT) with a timeout. */
export function secretsManagerSource<T>(
  client: Pick<SecretsManagerClient, 'send'>,
  secretId: string,
  parse: (secretString: string | undefined, secretId: string) => T,
  minRefreshIntervalMs = 5000,
): CredentialSource<T> {
  return cachedSource(async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
      abortSignal: AbortSignal.timeout(5000),
    });
    return parse(out.SecretString, secretId);
  }, minRefreshIntervalMs);
}

export function newSecretsManagerClient(region: string): SecretsManagerClient {
  return new SecretsManagerClient({ region, maxAttempts: 3 });
}
