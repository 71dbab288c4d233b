/** Bounded exponential backoff with full jitter, for throttling and quota errors inside one invocation. */
export interface BackoffOptions {
  /** Total attempts including the first. */
  readonly attempts: number;
  /** First delay ceiling in ms; doubles each attempt. */
  readonly baseMs: number;
  /** Largest delay ceiling in ms. */
  readonly maxMs: number;
  /** Only these errors are retried; others are thrown at once. */
  readonly retryable: (e: unknown) => boolean;
  /** Called before each wait (for logging). */
  readonly onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withBackoff<T>(fn: () => Promise<T>, o: BackoffOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= o.attempts || !o.retryable(e)) throw e;
      const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** (attempt - 1));
      const delay = Math.floor(Math.random() * ceiling);
      o.onRetry?.(e, attempt, delay);
      await sleep(delay);
    }
  }
}
