/**
 * Pure statistics over the load generator's samples (unit-tested in test/drill/stats.test.ts).
 * Times are milliseconds on one monotonic clock (performance.now()).
 */

/** `read`: GET of one item (the cached path); `list`: GET of the newest items (the database, or its snapshot). */
export type RequestKind = 'read' | 'list' | 'write';

/** What one attempt got back: HTTP status, or 0 and the transport error ("ECONNRESET", "timeout"). */
export interface AttemptOutcome {
  readonly status: number;
  readonly error?: string;
}

/**
 * One logical request as its user saw it: the client's retries included. `status`/`error` are the final
 * (user-visible) outcome, `latencyMs` runs from the first send to that outcome (backoff included).
 */
export interface RequestSample extends AttemptOutcome {
  readonly kind: RequestKind;
  /** When the request was first sent. */
  readonly start: number;
  readonly latencyMs: number;
  /** Attempts made: 1 + the client's retries. @default 1 */
  readonly attempts?: number;
  /** The first attempt when the client retried (what the balancer alone gave). @default the final outcome */
  readonly firstAttempt?: AttemptOutcome & { readonly latencyMs: number };
  /** The answer was a cached copy past its TTL (`X-Cache: stale`). @default false */
  readonly stale?: boolean;
}

const ok2xx = (o: AttemptOutcome): boolean => o.status >= 200 && o.status < 300;

/** User-visible success: the final outcome after the client's retries. */
export function isSuccess(s: RequestSample): boolean {
  return ok2xx(s);
}

/** Success of the first attempt alone: what users would see from a client that never retries. */
export function isFirstAttemptSuccess(s: RequestSample): boolean {
  return ok2xx(s.firstAttempt ?? s);
}

export function wasRetried(s: RequestSample): boolean {
  return (s.attempts ?? 1) > 1;
}

/** "503", "502", or the transport error ("ECONNRESET", "timeout"). */
export function failureLabel(s: AttemptOutcome): string {
  return s.status > 0 ? String(s.status) : (s.error ?? 'error');
}

/** Nearest-rank percentile (p in 0..100); undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (p < 0 || p > 100) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function countFailures(samples: readonly RequestSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (!isSuccess(s)) out[failureLabel(s)] = (out[failureLabel(s)] ?? 0) + 1;
  return out;
}

/**
 * Longest error burst: failures (ordered by send time) belong to one burst while each follows the previous one's
 * send time by at most gapMs; a burst lasts from its first failure's send time to its last failure's completion.
 * Grouping by a gap rather than by strictly consecutive failures makes "1 request in 6 fails for 2 s" one 2 s
 * burst, which is what a user retrying during those 2 s experiences. 0 when nothing failed.
 */
export function longestErrorBurstMs(samples: readonly RequestSample[], gapMs = 500): number {
  const failures = samples.filter((s) => !isSuccess(s)).sort((a, b) => a.start - b.start);
  let longest = 0;
  let burstStart = NaN;
  let burstEnd = NaN;
  let lastStart = NaN;
  for (const f of failures) {
    if (Number.isNaN(burstStart) || f.start - lastStart > gapMs) {
      burstStart = f.start;
      burstEnd = f.start + f.latencyMs;
    } else {
      burstEnd = Math.max(burstEnd, f.start + f.latencyMs);
    }
    lastStart = f.start;
    longest = Math.max(longest, burstEnd - burstStart);
  }
  return Math.round(longest);
}

/**
 * Time from the fault until full success: the send time of the first request after which every request sent
 * succeeded, minus faultAt. 0 when nothing failed after the fault; null when the last request sent still failed
 * (never recovered within the run).
 */
export function timeToRecoverMs(samples: readonly RequestSample[], faultAt: number): number | null {
  const after = samples.filter((s) => s.start >= faultAt).sort((a, b) => a.start - b.start);
  let lastFailure = -1;
  after.forEach((s, i) => {
    if (!isSuccess(s)) lastFailure = i;
  });
  if (lastFailure === -1) return 0;
  if (lastFailure === after.length - 1) return null;
  return Math.round(after[lastFailure + 1].start - faultAt);
}

export function successRatio(
  samples: readonly RequestSample[],
  success: (s: RequestSample) => boolean = isSuccess,
): number | undefined {
  if (samples.length === 0) return undefined;
  return samples.filter(success).length / samples.length;
}

export interface PhaseMarks {
  /** Load started (baseline before the fault). */
  readonly loadStart: number;
  readonly faultAt: number;
  /** The fault was undone / the capacity relaunched. */
  readonly clearedAt: number;
  readonly loadEnd: number;
}

export interface ScenarioFigures {
  /** Logical requests (a request and its retries count once). */
  readonly sent: number;
  /** User-visible successes (after the client's retries). */
  readonly succeeded: number;
  /** User-visible failures by final status. */
  readonly failedByStatus: Record<string, number>;
  /** Logical requests the client retried at least once, and the retries it sent in all. */
  readonly retried: number;
  readonly retriesSent: number;
  /** First attempts that failed, by status: what a client without retries would have seen. */
  readonly firstAttemptFailedByStatus: Record<string, number>;
  readonly failedReads: number;
  readonly failedWrites: number;
  /** Failures by phase: before the fault, while it was in force, after it was cleared (relaunch, repair). */
  readonly failedByPhase: { readonly before: number; readonly during: number; readonly after: number };
  /** Share of requests sent while the fault was in force ([faultAt, clearedAt)) that succeeded for the user. */
  readonly successDuringFault: number | null;
  /** The same share counting first attempts only (the balancer alone: the ALB never retries). */
  readonly firstAttemptSuccessDuringFault: number | null;
  /** Longest burst of user-visible failures. */
  readonly longestErrorBurstMs: number;
  /** Longest burst of failed first attempts (the balancer's error window). */
  readonly firstAttemptLongestErrorBurstMs: number;
  readonly timeToRecoverMs: number | null;
  readonly p99DuringMs: number | null;
  readonly p99AfterMs: number | null;
  /** Reads only (the cached path), while the fault was in force. */
  readonly p99ReadsDuringMs: number | null;
  /** Successful reads (items and lists) sent while the fault was in force, and those answered stale. */
  readonly readsDuringFault: number;
  readonly staleReadsDuringFault: number;
}

const round1 = (v: number | undefined): number | null => (v === undefined ? null : Math.round(v * 10) / 10);
const round5 = (v: number | undefined): number | null =>
  v === undefined ? null : Math.round(v * 100_000) / 100_000;

export function summarize(samples: readonly RequestSample[], marks: PhaseMarks): ScenarioFigures {
  const during = samples.filter((s) => s.start >= marks.faultAt && s.start < marks.clearedAt);
  const after = samples.filter((s) => s.start >= marks.clearedAt);
  const ratio = successRatio(during);
  const firstRatio = successRatio(during, isFirstAttemptSuccess);
  const firstAttempts = samples.map((s): RequestSample =>
    s.firstAttempt
      ? {
          kind: s.kind,
          start: s.start,
          latencyMs: s.firstAttempt.latencyMs,
          status: s.firstAttempt.status,
          ...(s.firstAttempt.error ? { error: s.firstAttempt.error } : {}),
        }
      : s,
  );
  return {
    sent: samples.length,
    succeeded: samples.filter(isSuccess).length,
    failedByStatus: countFailures(samples),
    retried: samples.filter(wasRetried).length,
    retriesSent: samples.reduce((n, s) => n + (s.attempts ?? 1) - 1, 0),
    firstAttemptFailedByStatus: countFailures(firstAttempts),
    failedReads: samples.filter((s) => s.kind !== 'write' && !isSuccess(s)).length,
    failedWrites: samples.filter((s) => s.kind === 'write' && !isSuccess(s)).length,
    failedByPhase: {
      before: samples.filter((s) => s.start < marks.faultAt && !isSuccess(s)).length,
      during: during.filter((s) => !isSuccess(s)).length,
      after: after.filter((s) => !isSuccess(s)).length,
    },
    successDuringFault: round5(ratio),
    firstAttemptSuccessDuringFault: round5(firstRatio),
    longestErrorBurstMs: longestErrorBurstMs(samples),
    firstAttemptLongestErrorBurstMs: longestErrorBurstMs(firstAttempts),
    timeToRecoverMs: timeToRecoverMs(samples, marks.faultAt),
    p99DuringMs: round1(
      percentile(
        during.map((s) => s.latencyMs),
        99,
      ),
    ),
    p99AfterMs: round1(
      percentile(
        after.map((s) => s.latencyMs),
        99,
      ),
    ),
    p99ReadsDuringMs: round1(
      percentile(
        during.filter((s) => s.kind === 'read').map((s) => s.latencyMs),
        99,
      ),
    ),
    readsDuringFault: during.filter((s) => s.kind !== 'write' && isSuccess(s)).length,
    staleReadsDuringFault: during.filter((s) => s.kind !== 'write' && isSuccess(s) && s.stale === true)
      .length,
  };
}
