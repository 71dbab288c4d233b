import { buildReport, DOCUMENTED_CONSTANTS, renderJson, renderMarkdown } from '../../lib/report';
import { auroraWriter, dns, fleet, network, snapshotSchedule, stack } from './fixtures';

describe('renderMarkdown / renderJson', () => {
  // A single region whose region failover (30 × 3 + 6 + 30 + 60 = 186 s) exceeds the 120 s budget.
  const report = buildReport([
    stack(
      'p',
      'us-east-1',
      network(['us-east-1a', 'us-east-1b']),
      fleet({
        azCount: 2,
        minSize: 4,
        interval: 10,
        unhealthyThreshold: 2,
        timeout: 5,
        gracePeriod: 60,
        readinessGrace: 30,
      }),
      dns({ role: 'PRIMARY', interval: 30, threshold: 3 }),
      auroraWriter(),
      snapshotSchedule('rate(1 day)'),
    ),
  ]);
  const md = renderMarkdown(report);

  test('GIVEN a region RTO over budget WHEN rendered THEN the budget row shows the modeled 186 s and FAIL', () => {
    expect(md).toMatch(
      /\| Region failover \(detection \+ grace \+ DNS\) \| 120 s \(2 min\) \| 186 s \(3\.1 min\) \| FAIL \|/,
    );
    expect(md).toContain('Budgets: **FAIL**');
  });

  test('WHEN rendered THEN every constant is printed with its value and source link', () => {
    for (const c of DOCUMENTED_CONSTANTS) {
      const row = md.split('\n').find((l) => l.startsWith(`| \`${c.id}\` |`));
      expect(row).toBeDefined();
      expect(row).toContain(c.unit === 'percent' ? `${c.value} %` : `${c.value} s`);
      expect(row).toContain(c.sourceUrl);
    }
  });

  test('WHEN rendered THEN the availability section is labelled as an SLA-based estimate and each failing check is listed', () => {
    expect(md).toContain('## Composite availability (SLA-based estimate)');
    expect(md).toMatch(/- \*\*RES-NET1\*\* \(error, fail\) `p\/Vpc`/);
  });

  test('WHEN rendered twice THEN the output is identical (no timestamps)', () => {
    expect(renderMarkdown(report)).toBe(md);
  });

  test('WHEN rendered as JSON THEN it parses back with a version and the same budgets', () => {
    const json = JSON.parse(renderJson(report));
    expect(json.version).toBe(1);
    expect(json.budgets).toEqual(JSON.parse(JSON.stringify(report.budgets)));
    expect(json.recovery.region[0].dns.seconds).toBe(186);
  });
});
