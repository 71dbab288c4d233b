/**
 * One opossum circuit breaker per dependency (db-writer, db-reader, cache). A breaker wraps "run this operation",
 * so every call to the dependency goes through the same breaker. A call fails the breaker when it errors with an
 * availability error or takes longer than the latency budget; application errors (bad input, constraint
 * violations) do not count.
 */
import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { BreakerConfig } from './config';

export type BreakerName = 'db-writer' | 'db-reader' | 'cache';
export type Operation = () => Promise<unknown>;

export interface Breaker {
  readonly name: BreakerName;
  /** Runs `op` through the breaker; rejects fast with BreakerOpenError while open. */
  run<T>(op: () => Promise<T>): Promise<T>;
  /** 'closed' | 'half_open' | 'open'. */
  state(): BreakerStateName;
  on(event: 'open' | 'close' | 'halfOpen', listener: () => void): void;
  shutdown(): void;
}

export type BreakerStateName = 'closed' | 'half_open' | 'open';

/** Numeric encoding for the breaker_state gauge. */
export const BREAKER_STATE_VALUE: Record<BreakerStateName, number> = { closed: 0, half_open: 1, open: 2 };

/** Thrown by opossum when the breaker is open (code EOPENBREAKER) or the call exceeded the budget (ETIMEDOUT). */
export function isBreakerOpen(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'EOPENBREAKER';
}
export function isBreakerTimeout(err: unknown): boolean {
  return (
    (err as { code?: unknown } | undefined)?.code === 'ETIMEDOUT' &&
    /Timed out after/.test((err as Error).message ?? '')
  );
}

export interface CreateBreakerOptions extends BreakerConfig {
  readonly name: BreakerName;
  /** Calls slower than this fail (and count); false when the operation enforces its own timeout. */
  readonly timeoutMs: number | false;
  /** Returns true for errors that must NOT count against the dependency (e.g. bad input, unique violation). */
  readonly isApplicationError?: (err: unknown) => boolean;
}

export function createBreaker(options: CreateBreakerOptions): Breaker {
  const cb = new CircuitBreaker<[Operation], unknown>((op: Operation) => op(), {
    name: options.name,
    timeout: options.timeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage,
    resetTimeout: options.resetTimeoutMs,
    volumeThreshold: options.volumeThreshold,
    rollingCountTimeout: options.rollingWindowMs,
    rollingCountBuckets: 10,
    errorFilter: options.isApplicationError,
  });
  return {
    name: options.name,
    run: <T>(op: () => Promise<T>) => cb.fire(op) as Promise<T>,
    state: () => (cb.opened ? 'open' : cb.halfOpen ? 'half_open' : 'closed'),
    on: (event, listener) => {
      (cb as EventEmitter).on(event, listener);
    },
    shutdown: () => cb.shutdown(),
  };
}
