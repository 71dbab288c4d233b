import type { EvaluationResult } from '../../lib/checks';
import { evaluateTemplates, RULE_INFO } from '../../lib/checks';
import { synthApp } from '../helpers/app';

describe('the resilience pack over this app (default config)', () => {
  let result: EvaluationResult;
  let regions: string[];
  let primaryRegion: string;
  let drRegion: string;

  beforeAll(() => {
    // GIVEN the whole app synthesized once with the default config
    const synth = synthApp();
    primaryRegion = synth.config.primary.region;
    drRegion = synth.config.dr.region;
    regions = [primaryRegion, drRegion].sort();
    // WHEN the pack evaluates every stack together
    result = evaluateTemplates(
      [synth.primary, synth.secondary, synth.globalMonitoring].map((stack) => ({
        stackName: stack.stackName,
        region: stack.region,
        template: synth.json[stack.stackName],
      })),
    );
  });

  test('THEN there is no finding and no acknowledgement', () => {
    expect(result.findings.map((f) => `${f.ruleId} ${f.stackName}/${f.logicalId}: ${f.message}`)).toEqual([]);
    expect(result.acknowledged).toEqual([]);
  });

  test('THEN every rule checked the app: per-region rules in both regions', () => {
    const passedIn = (id: string): string[] =>
      [
        ...new Set(
          result.results.filter((r) => r.ruleId === id && r.status === 'pass').map((r) => r.region ?? '?'),
        ),
      ].sort();
    const checked = Object.fromEntries(RULE_INFO.map((r) => [r.id, passedIn(r.id)]));
    expect(checked).toEqual({
      ...Object.fromEntries(RULE_INFO.map((r) => [r.id, regions])),
      // the global cluster and the snapshot schedule belong to the writer (primary) region
      'RES-GDB1': [primaryRegion],
      'RES-BACKUP1': [primaryRegion],
      // only the DR cluster is a Global Database secondary
      'RES-DB2': [drRegion],
    });
  });
});
