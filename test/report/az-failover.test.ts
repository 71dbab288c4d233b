import { StackModel } from '../../lib/checks';
import { azFailover, capacityAfterAzLoss } from '../../lib/report';
import { auroraWriter, cache, fleet, network, stack } from './fixtures';

const AZS = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const model = (...parts: Parameters<typeof stack>[2][]) =>
  new StackModel(stack('s', 'eu-west-1', network(AZS), ...parts));

describe('azFailover', () => {
  test('GIVEN a target group checking every 10 s, threshold 3, timeout 4 WHEN modeled THEN ALB detection is 10 × 3 + 4 = 34 s, read from the template', () => {
    const m = azFailover(
      model(fleet({ azCount: 3, interval: 10, unhealthyThreshold: 3, timeout: 4, gracePeriod: 90 })),
    );
    const alb = m?.components.find((c) => c.name.startsWith('ALB'));
    expect(alb?.impact).toBe('user-visible');
    expect(alb?.upper.seconds).toBe(34);
    expect(alb?.upper.terms.every((t) => t.source.kind === 'template')).toBe(true);
    expect(m?.userVisible).toEqual({ typicalSeconds: 34, upperSeconds: 34, boundedBy: alb?.name });
  });

  test('GIVEN a slower interval WHEN modeled THEN ALB detection rises with it', () => {
    const fast = azFailover(model(fleet({ azCount: 3, interval: 5, unhealthyThreshold: 2, timeout: 2 })));
    const slow = azFailover(model(fleet({ azCount: 3, interval: 30, unhealthyThreshold: 2, timeout: 2 })));
    expect(fast?.userVisible?.upperSeconds).toBe(12);
    expect(slow?.userVisible?.upperSeconds).toBe(62);
  });

  test('GIVEN an Aurora writer in the region WHEN modeled THEN its failover (30 s typical, 60 s upper) bounds user-visible impact over a 25 s ALB detection', () => {
    const m = azFailover(
      model(fleet({ azCount: 3, interval: 10, unhealthyThreshold: 2, timeout: 5 }), auroraWriter()),
    );
    const db = m?.components.find((c) => c.name.startsWith('Aurora'));
    expect(db?.typical.seconds).toBe(30);
    expect(db?.upper.seconds).toBe(60);
    expect(db?.scope).toMatch(/writer/);
    expect(m?.userVisible).toMatchObject({ typicalSeconds: 30, upperSeconds: 60 });
    expect(m?.userVisible?.boundedBy).toMatch(/Aurora/);
  });

  test('GIVEN a Multi-AZ cache WHEN modeled THEN its failover is listed as degraded and does not bound user-visible impact', () => {
    const m = azFailover(
      model(fleet({ azCount: 3, interval: 5, unhealthyThreshold: 2, timeout: 2 }), cache()),
    );
    expect(m?.components.find((c) => c.name.startsWith('ElastiCache'))?.impact).toBe('degraded');
    expect(m?.userVisible?.upperSeconds).toBe(12);
  });

  test('GIVEN a 120 s grace period WHEN modeled THEN capacity restoration = detection + EC2 launch (60 s) + grace = 25 + 60 + 120 s', () => {
    const m = azFailover(
      model(fleet({ azCount: 3, interval: 10, unhealthyThreshold: 2, timeout: 5, gracePeriod: 120 })),
    );
    expect(m?.capacityRestoration?.seconds).toBe(205);
    const capacity = m?.components.find((c) => c.impact === 'capacity');
    expect(capacity?.upper.terms.map((t) => t.source.kind === 'constant' && t.source.id)).toContain(
      'ec2Launch',
    );
  });

  test('GIVEN health-check values left to the service defaults WHEN modeled THEN the model says what it could not read', () => {
    const m = azFailover(model(fleet({ azCount: 3 })));
    expect(m?.unresolved).toEqual([expect.stringMatching(/HealthCheckIntervalSeconds/)]);
    expect(m?.components.some((c) => c.name.startsWith('ALB'))).toBe(false);
  });

  test('GIVEN a stack without a fleet WHEN modeled THEN there is no AZ model', () => {
    expect(azFailover(model(cache()))).toBeUndefined();
  });
});

describe('capacityAfterAzLoss', () => {
  test('GIVEN MinSize 6 over subnets in 3 AZs WHEN one AZ is lost THEN 4 instances (2 per AZ) remain', () => {
    const [c] = capacityAfterAzLoss(model(fleet({ azCount: 3, minSize: 6 })));
    expect(c).toMatchObject({ minSize: 6, perAz: 2, afterLosingOneAz: 4, azs: AZS });
    expect(c.fractionLeft).toBeCloseTo(2 / 3);
  });

  test('GIVEN MinSize 4 over 2 AZs WHEN one AZ is lost THEN half the capacity remains', () => {
    const s = new StackModel(
      stack('s', 'eu-west-1', network(AZS.slice(0, 2)), fleet({ azCount: 2, minSize: 4 })),
    );
    expect(capacityAfterAzLoss(s)[0]).toMatchObject({ afterLosingOneAz: 2, fractionLeft: 0.5 });
  });
});
