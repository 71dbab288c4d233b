import { LatencyBreaker, LatencyBreakerState, percentileOf } from '../src/latency-breaker';

function breaker(extra: { minSamples?: number; probeSamples?: number } = {}) {
  let t = 0;
  const changes: LatencyBreakerState[] = [];
  const b = new LatencyBreaker({
    budgetMs: 100,
    percentile: 0.95,
    windowMs: 10_000,
    minSamples: extra.minSamples ?? 20,
    openMs: 5_000,
    probeSamples: extra.probeSamples ?? 5,
    now: () => t,
    onChange: (s) => changes.push(s),
  });
  return {
    b,
    changes,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('percentileOf', () => {
  test('GIVEN 1..100 THEN p95 is 95 and p50 is 50 (nearest rank)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentileOf(xs, 0.95), percentileOf(xs, 0.5), percentileOf([], 0.95)]).toEqual([95, 50, 0]);
  });
});

describe('LatencyBreaker (fake clock)', () => {
  test('GIVEN fast reads with a few slow outliers (under 5 %) THEN it stays closed', () => {
    const { b } = breaker();
    for (let i = 0; i < 100; i++) b.record(i % 50 === 0 ? 900 : 5); // 2 %
    expect(b.state()).toBe('closed');
  });

  test('GIVEN +200 ms on every read THEN it opens once the window has enough samples, not before', () => {
    const { b, changes } = breaker();
    for (let i = 0; i < 19; i++) b.record(205);
    expect(b.state()).toBe('closed');
    b.record(205);
    expect([b.state(), changes]).toEqual(['open', ['open']]);
  });

  test('GIVEN slow samples older than the window THEN they are forgotten', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 19; i++) b.record(300);
    advance(10_001);
    b.record(300);
    expect(b.state()).toBe('closed');
  });

  test('GIVEN open THEN it ignores samples until openMs, then is half-open; fast probes close it', () => {
    const { b, advance, changes } = breaker();
    for (let i = 0; i < 20; i++) b.record(250);
    for (let i = 0; i < 50; i++) b.record(1); // cache misses while open: no verdict
    advance(4_999);
    expect(b.state()).toBe('open');
    advance(1);
    expect(b.state()).toBe('half_open');
    for (let i = 0; i < 4; i++) b.record(3);
    expect(b.state()).toBe('half_open');
    b.record(3);
    expect([b.state(), changes]).toEqual(['closed', ['open', 'half_open', 'closed']]);
  });

  test('GIVEN half-open and still slow probes THEN it opens again for another openMs', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 20; i++) b.record(250);
    advance(5_000);
    for (let i = 0; i < 5; i++) b.record(250);
    expect(b.state()).toBe('open');
    advance(4_999);
    expect(b.state()).toBe('open');
    advance(1);
    expect(b.state()).toBe('half_open');
  });

  test('GIVEN a budget that is not positive THEN construction throws naming it', () => {
    expect(() => new LatencyBreaker({ budgetMs: 0 })).toThrow(/budgetMs must be > 0, got 0/);
  });
});
