/** Exponential backoff with full jitter, for idempotent operations only (never for writes). */

export interface RetryOptions {
  /** Total attempts including the first. @default 3 */
  readonly attempts?: number;
  /** First backoff ceiling. @default 25 */
  readonly baseDelayMs?: number;
  /** Backoff ceiling cap. @default 500 */
  readonly maxDelayMs?: number;
  /** Whether a failure is worth retrying. */
  readonly isRetryable: (err: unknown) => boolean;
  /** Injectable for tests. @default Math.random */
  readonly random?: () => number;
  /** Injectable for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The delay before retry number `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export async function retry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 3;
  const base = options.baseDelayMs ?? 25;
  const max = options.maxDelayMs ?? 500;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= attempts || !options.isRetryable(err)) throw err;
      await sleep(backoffDelay(attempt, base, max, random));
    }
  }
}
