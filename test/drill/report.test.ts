import {
  formatFailures,
  formatMarkdown,
  formatMs,
  formatPercent,
  formatTable,
  gatingFailures,
  standardChecks,
  type ScenarioResult,
} from '../../drill/report';
import type { ScenarioFigures } from '../../drill/stats';

const figures = (over: Partial<ScenarioFigures> = {}): ScenarioFigures => ({
  sent: 3000,
  succeeded: 2990,
  failedByStatus: { '502': 4, '503': 6 },
  retried: 57,
  retriesSent: 70,
  firstAttemptFailedByStatus: { '503': 57 },
  failedReads: 7,
  failedWrites: 3,
  failedByPhase: { before: 0, during: 10, after: 0 },
  successDuringFault: 0.9985,
  firstAttemptSuccessDuringFault: 0.962,
  longestErrorBurstMs: 1840,
  firstAttemptLongestErrorBurstMs: 1153,
  timeToRecoverMs: 2100,
  p99DuringMs: 12.3,
  p99AfterMs: 4.1,
  p99ReadsDuringMs: 9,
  readsDuringFault: 400,
  staleReadsDuringFault: 0,
  ...over,
});

const result = (
  id: string,
  f: ScenarioFigures,
  lost = 0,
  min?: number,
  duplicates = 0,
  crashes = 0,
): ScenarioResult => ({
  id,
  title: `title of ${id}`,
  figures: f,
  ackedWrites: 600,
  ackedWritesLost: lost,
  replayedWrites: 3,
  duplicateWrites: duplicates,
  crashes,
  extra: { markedDownAfterMs: 1500 },
  notes: [],
  checks: standardChecks(f, { lost, duplicates, crashes }, min),
});

describe('standardChecks / gatingFailures', () => {
  test('GIVEN a lost acknowledged write THEN a gating failure naming the scenario', () => {
    const failures = gatingFailures([result('pg-failover', figures(), 2)]);
    expect(failures).toEqual(['pg-failover: no acknowledged write lost (2 lost)']);
  });

  test('GIVEN a write stored twice THEN a gating failure naming the scenario and the count', () => {
    expect(gatingFailures([result('az-kill', figures(), 0, undefined, 1)])).toEqual([
      'az-kill: no write stored twice (1 duplicates)',
    ]);
  });

  test('GIVEN a service process that exited unasked THEN a gating failure naming the scenario', () => {
    expect(gatingFailures([result('pg-freeze', figures(), 0, undefined, 0, 2)])).toEqual([
      'pg-freeze: no service process crashed (2 exits nobody asked for)',
    ]);
  });

  test('GIVEN user-visible success during the fault below the floor THEN a gating failure with both percentages', () => {
    const failures = gatingFailures([
      result('instance-kill', figures({ successDuringFault: 0.9985 }), 0, 0.999),
    ]);
    expect(failures).toEqual([
      'instance-kill: user-visible success during fault ≥ 99.90 % (99.85 %; first attempts 96.20 %, not gating)',
    ]);
  });

  test('GIVEN first attempts far below the floor but user-visible success at it THEN no failure (the ALB never retries; clients do)', () => {
    const f = figures({ successDuringFault: 0.999, firstAttemptSuccessDuringFault: 0.9 });
    expect(gatingFailures([result('az-kill', f, 0, 0.999)])).toEqual([]);
  });

  test('GIVEN perfect first attempts but user-visible success below the floor THEN it fails (the gate is on what users see)', () => {
    const f = figures({ successDuringFault: 0.99, firstAttemptSuccessDuringFault: 1 });
    expect(gatingFailures([result('az-kill', f, 0, 0.999)])).toHaveLength(1);
  });

  test('GIVEN no request sent during the fault THEN the floor is not met (no evidence is not a pass)', () => {
    const [, , , floor] = standardChecks(
      figures({ successDuringFault: null }),
      { lost: 0, duplicates: 0, crashes: 0 },
      0.999,
    );
    expect(floor.passed).toBe(false);
  });
});

describe('formatting', () => {
  test('GIVEN ratios and durations THEN readable units', () => {
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0.99876)).toBe('99.88 %');
    expect(formatPercent(null)).toBe('–');
    expect(formatMs(1234.4)).toBe('1234 ms');
    expect(formatMs(15_300)).toBe('15.3 s');
    expect(formatMs(null, 'not recovered')).toBe('not recovered');
    expect(formatFailures({})).toBe('0');
    expect(formatFailures({ '503': 6, ECONNRESET: 1, '502': 6 })).toBe('6 × 502, 6 × 503, 1 × ECONNRESET');
  });

  test('GIVEN two scenarios WHEN tabled THEN a markdown table with a header, separator and one row each', () => {
    const table = formatTable([
      result('a', figures()),
      {
        ...result('b', figures({ timeToRecoverMs: null, failedByStatus: {} }), 0, undefined, 0, 2),
        extra: { detectedAfterMs: 1234 },
      },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      '| Scenario | Sent | OK | Failed (by status) | Retried | First-attempt success during fault | User-visible success during fault | Longest error burst | Detected after | Full success again after | p99 during | p99 after | Acked writes (lost) | Duplicates | Crashes |',
    );
    expect(lines[1]).toMatch(/^\| --- \|( --- \|){14}$/);
    expect(lines[2]).toBe(
      '| title of a | 3000 | 2990 | 6 × 503, 4 × 502 | 57 | 96.20 % | 99.85 % | 1840 ms | – | 2100 ms | 12 ms | 4 ms | 600 (0) | 0 | 0 |',
    );
    expect(lines[3]).toContain('| 1234 ms | not recovered |');
    expect(lines[3]).toMatch(/\| 2 \|$/);
    // Every row has as many cells as the header.
    const cells = (l: string): number => l.split(' | ').length;
    expect(new Set(lines.map(cells)).size).toBe(1);
  });

  test('GIVEN a pipe in a title THEN it is escaped so the table keeps its columns', () => {
    const r = { ...result('x', figures()), title: 'a | b' };
    expect(formatTable([r]).split('\n')[2]).toContain('a \\| b');
  });

  test('GIVEN a failed report THEN the markdown says FAILED and lists the failing check', () => {
    const md = formatMarkdown({
      generatedAt: '2026-01-01T00:00:00Z',
      mode: 'ci',
      durationSeconds: 100,
      config: { ratePerSec: 150 },
      environment: { node: 'v20' },
      scenarios: [result('instance-kill', figures(), 0, 0.999)],
      passed: false,
    });
    expect(md).toContain('Result: FAILED in 100 s');
    expect(md).toContain(
      'FAIL: user-visible success during fault ≥ 99.90 % (99.85 %; first attempts 96.20 %, not gating)',
    );
    expect(md).toContain('PASS: no write stored twice (0 duplicates)');
    expect(md).toContain(
      'first attempts failed: 57 × 503 (longest burst 1153 ms); 57 requests retried (70 retries sent); 3 writes acknowledged as replays',
    );
    expect(md).toContain('markedDownAfterMs=1500');
    // The reader is told why first attempts are not gated.
    expect(md).toMatch(/ALB \(HAProxy here\) never retries/);
  });
});
