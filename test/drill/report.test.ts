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
  failedReads: 7,
  failedWrites: 3,
  failedByPhase: { before: 0, during: 10, after: 0 },
  successDuringFault: 0.9985,
  longestErrorBurstMs: 1840,
  timeToRecoverMs: 2100,
  p99DuringMs: 12.3,
  p99AfterMs: 4.1,
  p99ReadsDuringMs: 9,
  ...over,
});

const result = (id: string, f: ScenarioFigures, lost = 0, min?: number): ScenarioResult => ({
  id,
  title: `title of ${id}`,
  figures: f,
  ackedWrites: 600,
  ackedWritesLost: lost,
  extra: { markedDownAfterMs: 1500 },
  notes: [],
  checks: standardChecks(f, lost, min),
});

describe('standardChecks / gatingFailures', () => {
  test('GIVEN a lost acknowledged write THEN a gating failure naming the scenario', () => {
    const failures = gatingFailures([result('pg-failover', figures(), 2)]);
    expect(failures).toEqual(['pg-failover: no acknowledged write lost (2 lost)']);
  });

  test('GIVEN success during the fault below the floor THEN a gating failure with the measured percentage', () => {
    const failures = gatingFailures([
      result('instance-kill', figures({ successDuringFault: 0.9985 }), 0, 0.999),
    ]);
    expect(failures).toEqual(['instance-kill: success during fault ≥ 99.90 % (99.85 %)']);
  });

  test('GIVEN success exactly at the floor and nothing lost THEN no failure', () => {
    expect(gatingFailures([result('az-kill', figures({ successDuringFault: 0.999 }), 0, 0.999)])).toEqual([]);
  });

  test('GIVEN no request sent during the fault THEN the floor is not met (no evidence is not a pass)', () => {
    const [, floor] = standardChecks(figures({ successDuringFault: null }), 0, 0.999);
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
      result('b', figures({ timeToRecoverMs: null, failedByStatus: {} })),
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| Scenario \| Sent \| OK \| Failed \(by status\) \|/);
    expect(lines[1]).toMatch(/^\| --- \|( --- \|){9}$/);
    expect(lines[2]).toBe(
      '| title of a | 3000 | 2990 | 6 × 503, 4 × 502 | 99.85 % | 1840 ms | 2100 ms | 12 ms | 4 ms | 600 (0) |',
    );
    expect(lines[3]).toContain('| not recovered |');
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
    expect(md).toContain('FAIL: success during fault ≥ 99.90 % (99.85 %)');
    expect(md).toContain('markedDownAfterMs=1500');
  });
});
