/**
 * A breaker that trips on slowness, not on errors: database reads that still answer, but slower than the read
 * budget at the given percentile over a short window, open it. While it is open the service degrades instead of
 * failing: reads are served from the cache, entries past their TTL included (marked stale), and only what has no
 * cached copy goes to the database. After `openMs` it is half-open: reads go to the database again and their
 * latencies are the probes; `probeSamples` of them within budget close it, otherwise it opens again.
 * Pure state with an injectable clock (unit-tested with a fake one).
 */

export type LatencyBreakerState = 'closed' | 'open' | 'half_open';

/** The default sample window: a verdict is the percentile of the reads of this long. */
export const LATENCY_WINDOW_MS = 10_000;

export interface LatencyBreakerOptions {
  /** Latency at `percentile` above which the breaker opens. */
  readonly budgetMs: number;
  /** @default 0.95 */
  readonly percentile?: number;
  /** Samples older than this are forgotten. @default LATENCY_WINDOW_MS (10 s) */
  readonly windowMs?: number;
  /** Fewer samples than this in the window never open it. @default 20 */
  readonly minSamples?: number;
  /** How long it stays open before probing. @default 5000 */
  readonly openMs?: number;
  /** Probes (half-open reads) whose percentile decides between closing and opening again. @default 5 */
  readonly probeSamples?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly onChange?: (state: LatencyBreakerState, percentileMs: number) => void;
}

/** The value at percentile p (0-1) of the samples, nearest-rank. */
export function percentileOf(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

export class LatencyBreaker {
  private readonly samples: { at: number; ms: number }[] = [];
  private probes: number[] = [];
  private current: LatencyBreakerState = 'closed';
  private openedAt = 0;
  private readonly now: () => number;

  constructor(private readonly options: LatencyBreakerOptions) {
    if (!(options.budgetMs > 0)) throw new Error(`budgetMs must be > 0, got ${options.budgetMs}`);
    this.now = options.now ?? Date.now;
  }

  state(): LatencyBreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= (this.options.openMs ?? 5000)) {
      this.probes = [];
      this.transition('half_open', 0);
    }
    return this.current;
  }

  /** Records how long one database read took (successful or not). */
  record(ms: number): void {
    const state = this.state();
    const p = this.options.percentile ?? 0.95;
    if (state === 'open') return; // only cache misses reach the database now: no verdict until probing
    if (state === 'half_open') {
      this.probes.push(ms);
      if (this.probes.length < (this.options.probeSamples ?? 5)) return;
      const observed = percentileOf(this.probes, p);
      if (observed > this.options.budgetMs) this.open(observed);
      else this.transition('closed', observed);
      return;
    }
    const now = this.now();
    this.samples.push({ at: now, ms });
    const horizon = now - (this.options.windowMs ?? LATENCY_WINDOW_MS);
    while (this.samples.length > 0 && this.samples[0].at < horizon) this.samples.shift();
    if (this.samples.length < (this.options.minSamples ?? 20)) return;
    const observed = percentileOf(
      this.samples.map((s) => s.ms),
      p,
    );
    if (observed > this.options.budgetMs) this.open(observed);
  }

  private open(observed: number): void {
    this.samples.length = 0;
    this.openedAt = this.now();
    this.transition('open', observed);
  }

  private transition(state: LatencyBreakerState, observed: number): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onChange?.(state, observed);
  }
}
