/**
 * Reads the database circuit breakers' states out of the service's Prometheus text (pure; unit-tested).
 * The service exports one `*breaker_state{...="db-writer"|"db-reader"|"db-read-latency"|"cache"}` gauge per breaker,
 * encoded as in service/src/breaker.ts (BREAKER_STATE_VALUE: closed 0, half_open 1, open 2).
 */
import { BREAKER_STATE_VALUE } from '../../service/src/breaker';

export interface DbBreakerStates {
  /** Database breakers seen in the text. */
  readonly seen: readonly string[];
  /** Those currently open. */
  readonly open: readonly string[];
  /** Those open or half-open (probing: not yet back to normal). */
  readonly notClosed: readonly string[];
}

/** The read path's latency breaker (service/src/metrics.ts): open while reads are served from the cache. */
export const READ_LATENCY_BREAKER = 'db-read-latency';

export function dbBreakerStates(text: string): DbBreakerStates {
  const seen: string[] = [];
  const open: string[] = [];
  const notClosed: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*breaker_state)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const breaker = /"(db[^"]*)"/.exec(m[2])?.[1];
    if (!breaker) continue;
    seen.push(breaker);
    if (Number(m[3]) === BREAKER_STATE_VALUE.open) open.push(breaker);
    if (Number(m[3]) !== BREAKER_STATE_VALUE.closed) notClosed.push(breaker);
  }
  return { seen, open, notClosed };
}
