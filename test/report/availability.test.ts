import { StackModel, type AppModel, type StackInput } from '../../lib/checks';
import { availabilityEstimate } from '../../lib/report';
import { auroraWriter, cache, dns, fleet, network, stack } from './fixtures';

const app = (...stacks: StackInput[]): AppModel => ({ stacks: stacks.map((s) => new StackModel(s)) });
const region = (name: string, ...extra: Parameters<typeof stack>[2][]) =>
  stack(name, name, network([`${name}a`, `${name}b`]), fleet({ azCount: 2 }), ...extra);

describe('availabilityEstimate', () => {
  test('GIVEN one region with ALB, fleet, Aurora and cache at 99.99 % each WHEN estimated THEN the series product is 0.9999^4', () => {
    const a = availabilityEstimate(app(region('us-east-1', auroraWriter(), cache())));
    expect(a?.label).toBe('SLA-based estimate');
    expect(a?.regions[0].inSeries.map((s) => s.constantId)).toEqual([
      'slaAlb',
      'slaEc2Region',
      'slaAuroraMultiAz',
      'slaElastiCacheMultiAz',
    ]);
    expect(a?.regions[0].percent).toBeCloseTo(99.960006, 5);
    expect(a?.parallelPercent).toBeCloseTo(99.960006, 5);
  });

  test('GIVEN two such regions and a failover record WHEN estimated THEN the pair is in parallel: 1 − (1 − 0.99960006)^2, times Route 53 100 %', () => {
    const a = availabilityEstimate(
      app(
        region('us-east-1', auroraWriter(), cache(), dns({ role: 'PRIMARY' })),
        region('us-west-2', auroraWriter(), cache(), dns({ role: 'SECONDARY' })),
      ),
    );
    const down = 1 - 0.99960006;
    expect(a?.parallelPercent).toBeCloseTo((1 - down * down) * 100, 8);
    expect(a?.global.map((g) => g.constantId)).toEqual(['slaRoute53']);
    expect(a?.overallPercent).toBeCloseTo(a?.parallelPercent ?? 0, 10);
    expect(a?.downtimeMinutesPerMonth).toBeCloseTo(down * down * 43200, 6);
  });

  test('GIVEN a region without a database or cache WHEN estimated THEN only the services in the template are in series', () => {
    const a = availabilityEstimate(app(region('eu-west-1')));
    expect(a?.regions[0].inSeries.map((s) => s.service)).toHaveLength(2);
    expect(a?.regions[0].percent).toBeCloseTo(99.98, 4);
  });

  test('GIVEN no load balancer anywhere WHEN estimated THEN there is no estimate', () => {
    expect(availabilityEstimate(app(stack('x', 'us-east-1', cache())))).toBeUndefined();
  });
});
