import {
  countFailures,
  failureLabel,
  longestErrorBurstMs,
  percentile,
  summarize,
  timeToRecoverMs,
  type RequestSample,
} from '../../drill/stats';

const ok = (start: number, latencyMs = 5, kind: RequestSample['kind'] = 'read'): RequestSample => ({
  kind,
  start,
  latencyMs,
  status: 200,
});
const fail = (start: number, status = 503, latencyMs = 5, error?: string): RequestSample => ({
  kind: 'read',
  start,
  latencyMs,
  status,
  ...(error ? { error } : {}),
});

describe('percentile (nearest rank)', () => {
  test('GIVEN 1..100 WHEN p99 and p50 THEN the 99th and 50th values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 100)).toBe(100);
  });

  test('GIVEN fewer than 100 values WHEN p99 THEN the maximum (one slow request is the p99)', () => {
    expect(percentile([1, 2, 3, 400], 99)).toBe(400);
  });

  test('GIVEN no values THEN undefined; GIVEN p outside 0..100 THEN a RangeError naming p', () => {
    expect(percentile([], 99)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(/p must be within 0\.\.100, got 101/);
  });
});

describe('failures', () => {
  test('GIVEN HTTP errors and transport errors WHEN counted THEN grouped by status or error code', () => {
    const samples = [
      ok(0),
      fail(1, 502),
      fail(2, 502),
      fail(3, 0, 5, 'ECONNRESET'),
      fail(4, 0, 5000, 'timeout'),
      fail(5, 503),
    ];
    expect(countFailures(samples)).toEqual({ '502': 2, ECONNRESET: 1, timeout: 1, '503': 1 });
    expect(failureLabel(fail(0, 0))).toBe('error');
  });

  test('GIVEN a 404 THEN it counts as a failure (reads ask only for ids that exist)', () => {
    expect(countFailures([fail(0, 404)])).toEqual({ '404': 1 });
  });
});

describe('longestErrorBurstMs', () => {
  test('GIVEN no failures THEN 0', () => {
    expect(longestErrorBurstMs([ok(0), ok(10)])).toBe(0);
  });

  test('GIVEN interleaved successes (1 in 6 failing) WHEN failures are closer than the gap THEN one burst', () => {
    // Failures at 1000, 1060, ..., 2020 (every 60 ms, each 5 ms long) with successes between them.
    const samples: RequestSample[] = [];
    for (let t = 1000; t <= 2020; t += 10) samples.push((t - 1000) % 60 === 0 ? fail(t) : ok(t));
    expect(longestErrorBurstMs(samples, 500)).toBe(2020 + 5 - 1000);
  });

  test('GIVEN two bursts separated by more than the gap THEN the longer one, ending at completion', () => {
    const samples = [
      fail(0, 503, 10),
      fail(100, 503, 10),
      ok(200),
      fail(2000, 502, 300),
      fail(2400, 502, 400),
      fail(2700, 502, 50),
    ];
    // burst 1: 0..110 = 110; burst 2: 2000..2800 (2400+400) = 800
    expect(longestErrorBurstMs(samples, 500)).toBe(800);
  });

  test('GIVEN failures exactly gap+1 apart THEN separate bursts', () => {
    expect(longestErrorBurstMs([fail(0, 503, 1), fail(501, 503, 1)], 500)).toBe(1);
  });
});

describe('timeToRecoverMs', () => {
  test('GIVEN failures after the fault THEN the send time of the first request after the last failure, from the fault', () => {
    const samples = [fail(500), ok(1000), fail(1200), ok(1300), fail(2500), ok(2600), ok(2700)];
    expect(timeToRecoverMs(samples, 1000)).toBe(1600);
  });

  test('GIVEN failures only before the fault THEN 0', () => {
    expect(timeToRecoverMs([fail(500), ok(1000), ok(1100)], 1000)).toBe(0);
  });

  test('GIVEN the last request still failing THEN null (not recovered)', () => {
    expect(timeToRecoverMs([ok(1000), fail(1100)], 1000)).toBeNull();
  });
});

/** A request whose first attempt failed with `firstStatus` and whose retry ended in `status`. */
const retried = (
  start: number,
  status: number,
  attempts = 2,
  firstStatus = 503,
  kind: RequestSample['kind'] = 'read',
): RequestSample => ({
  kind,
  start,
  latencyMs: 250,
  status,
  attempts,
  firstAttempt: { status: firstStatus, latencyMs: 1, ...(firstStatus === 0 ? { error: 'ECONNRESET' } : {}) },
});

describe('summarize: first attempts vs what users saw after their retries', () => {
  const marks = { loadStart: 0, faultAt: 1000, clearedAt: 2000, loadEnd: 3000 };

  test('GIVEN failed first attempts that a retry turned into successes THEN user-visible success is higher and every retried request is counted', () => {
    const samples: RequestSample[] = [
      ok(1000),
      retried(1100, 200), // 503 then 200 after one retry
      retried(1200, 201, 3, 0, 'write'), // reset, then 503, then 201 after two retries
      ok(1300),
      retried(1400, 503, 3), // 3 attempts, all failed: the user saw the failure
      ok(2500),
    ];
    const f = summarize(samples, marks);
    expect(f.sent).toBe(6); // logical requests, not attempts
    expect(f.retried).toBe(3);
    expect(f.retriesSent).toBe(1 + 2 + 2);
    expect(f.succeeded).toBe(5);
    expect(f.successDuringFault).toBe(0.8); // 4 of 5 during the fault
    expect(f.firstAttemptSuccessDuringFault).toBe(0.4); // 2 of 5
    expect(f.failedByStatus).toEqual({ '503': 1 });
    expect(f.firstAttemptFailedByStatus).toEqual({ '503': 2, ECONNRESET: 1 });
    expect([f.failedReads, f.failedWrites]).toEqual([1, 0]);
  });

  test('GIVEN every failure recovered by a retry THEN no user-visible burst, but the first-attempt burst shows the balancer window', () => {
    const samples = [retried(1000, 200), ok(1050), retried(1300, 200), ok(1400)];
    const f = summarize(samples, marks);
    expect(f.longestErrorBurstMs).toBe(0);
    expect(f.timeToRecoverMs).toBe(0);
    // First attempts failed at 1000 and 1300 (1 ms each): one burst from 1000 to 1301.
    expect(f.firstAttemptLongestErrorBurstMs).toBe(301);
    expect(f.successDuringFault).toBe(1);
  });

  test('GIVEN samples without retry fields (single attempts) THEN first-attempt figures equal the user-visible ones', () => {
    const samples = [ok(1000), fail(1100), ok(1200), ok(1300)];
    const f = summarize(samples, marks);
    expect(f.retried).toBe(0);
    expect(f.retriesSent).toBe(0);
    expect(f.firstAttemptSuccessDuringFault).toBe(f.successDuringFault);
    expect(f.firstAttemptFailedByStatus).toEqual(f.failedByStatus);
  });

  test('GIVEN a retried request THEN its user-visible latency (backoff included) is what p99 uses', () => {
    const f = summarize([retried(1000, 200), ok(1100, 5)], marks);
    expect(f.p99DuringMs).toBe(250);
  });
});

describe('summarize', () => {
  test('GIVEN samples across phases THEN success and p99 are taken from the fault window and after it', () => {
    const samples: RequestSample[] = [
      ok(0, 3), // baseline
      ok(1000, 40), // during
      fail(1100, 503, 2),
      ok(1200, 60, 'write'),
      ok(1300, 10),
      ok(5000, 7), // after
      ok(5100, 9),
    ];
    const f = summarize(samples, { loadStart: 0, faultAt: 1000, clearedAt: 5000, loadEnd: 6000 });
    expect(f.sent).toBe(7);
    expect(f.succeeded).toBe(6);
    expect(f.failedByStatus).toEqual({ '503': 1 });
    expect([f.failedReads, f.failedWrites]).toEqual([1, 0]);
    expect(f.failedByPhase).toEqual({ before: 0, during: 1, after: 0 });
    expect(f.successDuringFault).toBe(0.75);
    expect(f.p99DuringMs).toBe(60);
    expect(f.p99ReadsDuringMs).toBe(40);
    expect(f.p99AfterMs).toBe(9);
    expect(f.timeToRecoverMs).toBe(200);
  });

  test('GIVEN stale answers THEN successful reads and lists during the fault count, stale ones apart; writes and failures do not', () => {
    const samples: RequestSample[] = [
      { ...ok(0, 3), stale: true }, // baseline
      { ...ok(1000, 4), stale: true },
      { ...ok(1100, 5, 'list'), stale: true },
      ok(1200, 250, 'list'),
      ok(1300, 6, 'write'),
      fail(1400, 503, 2),
      { ...ok(5000, 3), stale: true }, // after
    ];
    const f = summarize(samples, { loadStart: 0, faultAt: 1000, clearedAt: 5000, loadEnd: 6000 });
    expect([f.readsDuringFault, f.staleReadsDuringFault]).toEqual([3, 2]);
    expect(f.p99ReadsDuringMs).toBe(4); // item reads only: lists are not the cached path
  });

  test('GIVEN no request during the fault THEN nulls, not NaN', () => {
    const f = summarize([ok(0)], { loadStart: 0, faultAt: 10, clearedAt: 20, loadEnd: 30 });
    expect(f.successDuringFault).toBeNull();
    expect(f.firstAttemptSuccessDuringFault).toBeNull();
    expect(f.p99DuringMs).toBeNull();
  });
});
