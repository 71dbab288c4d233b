import type { EvaluationResult } from '../../lib/checks';
import { evaluateTemplates } from '../../lib/checks';
import { synthApp } from '../helpers/app';

describe('the resilience pack over this app (default config)', () => {
  let result: EvaluationResult;
  let regions: string[];

  beforeAll(() => {
    // GIVEN the whole app synthesized once with the default config
    const synth = synthApp();
    regions = [synth.config.primary.region, synth.config.dr.region].sort();
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

  test('THEN the network, load balancer, fleet and DNS rules each checked both regions', () => {
    for (const id of [
      'RES-NET1',
      'RES-NET2',
      'RES-NET3',
      'RES-ALB1',
      'RES-ALB2',
      'RES-ALB3',
      'RES-ASG1',
      'RES-ASG2',
      'RES-ASG3',
      'RES-DNS1',
      'RES-DNS2',
    ]) {
      const passed = result.results
        .filter((r) => r.ruleId === id && r.status === 'pass')
        .map((r) => r.region);
      expect({ id, regions: [...new Set(passed)].sort() }).toEqual({ id, regions });
    }
  });
});
