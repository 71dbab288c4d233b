import { buildReport, type ResilienceReport } from '../../lib/report';
import { defaultApp, synthApp, type SynthesizedTemplates } from '../helpers/app';

/**
 * The report's numbers come from the synthesized templates, not from config:
 * changing a config value must move the modeled figures.
 * This file compares two syntheses: the default app (synthesized once per run, defaultApp())
 * and its own with a 30 s Route 53 request interval.
 */
function reportOf(synth: SynthesizedTemplates): ResilienceReport {
  return buildReport(synth.stacks);
}

describe('resilience report follows the config through the templates', () => {
  let defaults: ResilienceReport;
  let slowChecks: ResilienceReport;
  beforeAll(() => {
    defaults = reportOf(defaultApp());
    slowChecks = reportOf(synthApp({ overrides: { dns: { healthCheck: { requestIntervalSeconds: 30 } } } }));
  });

  const regionRto = (r: ResilienceReport) => r.recovery.region[0]?.dns.seconds;
  const budget = (r: ResilienceReport, id: string) => r.budgets.find((b) => b.id === id);

  test('GIVEN the default config WHEN reported THEN every invariant passes and the region RTO is within the 120 s budget', () => {
    expect(defaults.invariantsPass).toBe(true);
    expect(defaults.recovery.region).toHaveLength(1);
    expect(budget(defaults, 'BUDGET-REGION-RTO')?.pass).toBe(true);
    expect(budget(defaults, 'BUDGET-AZ-RTO')?.pass).toBe(true);
  });

  test('GIVEN a 30 s health-check interval WHEN reported THEN the modeled region RTO rises by (30 − 10) × failure threshold', () => {
    const detection = (r: ResilienceReport) =>
      r.recovery.region[0].dns.terms.find((t) => t.label.startsWith('Route 53 detection'));
    const threshold = Number(/failure threshold (\d+)/.exec(detection(defaults)?.label ?? '')?.[1]);
    expect(threshold).toBeGreaterThanOrEqual(1);
    expect(regionRto(slowChecks)).toBeGreaterThan(regionRto(defaults) ?? Infinity);
    expect((regionRto(slowChecks) ?? 0) - (regionRto(defaults) ?? 0)).toBe((30 - 10) * threshold);
  });

  test('GIVEN a 30 s health-check interval WHEN reported THEN the region budget shows it (default threshold 2: 156 s > 120 s)', () => {
    expect(budget(slowChecks, 'BUDGET-REGION-RTO')).toMatchObject({ pass: false, budget: 120 });
  });

  test('GIVEN either config WHEN reported THEN what the interval does not touch stays the same', () => {
    expect(slowChecks.recovery.az.map((a) => a.userVisible)).toEqual(
      defaults.recovery.az.map((a) => a.userVisible),
    );
    expect(slowChecks.recovery.rpo).toEqual(defaults.recovery.rpo);
  });
});
