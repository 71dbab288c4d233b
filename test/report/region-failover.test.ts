import { StackModel, type AppModel, type StackInput } from '../../lib/checks';
import { regionFailover } from '../../lib/report';
import { dns, fleet, network, stack } from './fixtures';

const app = (...stacks: StackInput[]): AppModel => ({ stacks: stacks.map((s) => new StackModel(s)) });
/** `grace: null` leaves READINESS_GRACE_SECONDS out of the user data. */
const primary = (dnsOptions: Parameters<typeof dns>[0], grace: number | null = 30) =>
  stack(
    'p',
    'us-east-1',
    network(['us-east-1a', 'us-east-1b']),
    fleet({ azCount: 2, readinessGrace: grace ?? undefined }),
    dns(dnsOptions),
  );
const secondary = stack('s', 'us-west-2', dns({ role: 'SECONDARY', interval: 10, threshold: 2 }));

describe('regionFailover', () => {
  test('GIVEN interval 10 s × threshold 2, grace 30 s in user data, alias record WHEN modeled THEN DNS failover = 20 + 4 + 2 + 30 + 60 = 116 s', () => {
    const [m] = regionFailover(
      app(primary({ role: 'PRIMARY', interval: 10, threshold: 2 }), secondary),
      true,
    );
    expect(m.dns.seconds).toBe(116);
    expect(m.fromRegion).toBe('us-east-1');
    expect(m.toRegions).toEqual(['us-west-2']);
    expect(m.unresolved).toEqual([]);
    const grace = m.dns.terms.find((t) => t.label.includes('READINESS_GRACE_SECONDS'));
    expect(grace?.source).toEqual({
      kind: 'template',
      refs: ['p/LaunchTemplate.LaunchTemplateData.UserData'],
    });
  });

  test('GIVEN a 30 s request interval WHEN modeled THEN detection rises by 2 × 20 s', () => {
    const [fast] = regionFailover(
      app(primary({ role: 'PRIMARY', interval: 10, threshold: 2 }), secondary),
      true,
    );
    const [slow] = regionFailover(
      app(primary({ role: 'PRIMARY', interval: 30, threshold: 2 }), secondary),
      true,
    );
    expect(slow.dns.seconds - fast.dns.seconds).toBe(40);
  });

  test('GIVEN a 90 s readiness grace in user data WHEN modeled THEN the grace term is 90 s', () => {
    const [m] = regionFailover(app(primary({ role: 'PRIMARY', interval: 10, threshold: 3 }, 90)), true);
    expect(m.dns.seconds).toBe(30 + 6 + 90 + 60);
  });

  test('GIVEN no readiness grace in the template WHEN modeled THEN the service default constant is used and named', () => {
    const [m] = regionFailover(app(primary({ role: 'PRIMARY', interval: 10, threshold: 2 }, null)), true);
    const grace = m.dns.terms.find((t) => t.label.startsWith('readiness grace'));
    expect(grace?.source).toEqual({ kind: 'constant', id: 'serviceReadinessGraceDefault' });
  });

  test('GIVEN the grace only in an SSM parameter WHEN modeled THEN it is read from the parameter', () => {
    const s = primary({ role: 'PRIMARY', interval: 10, threshold: 2 }, null);
    const resources = {
      ...s.template.Resources,
      Grace: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: '/app/runtime/READINESS_GRACE_SECONDS', Type: 'String', Value: '45' },
      },
    };
    const [m] = regionFailover(app({ ...s, template: { Resources: resources } }), true);
    expect(m.dns.terms.find((t) => t.label.includes('READINESS_GRACE_SECONDS'))?.seconds).toBe(45);
  });

  test('GIVEN a plain record with TTL 20 WHEN modeled THEN the record TTL replaces the 60 s alias TTL', () => {
    const [m] = regionFailover(app(primary({ role: 'PRIMARY', interval: 10, threshold: 2, ttl: 20 })), true);
    expect(m.dns.seconds).toBe(20 + 6 + 30 + 20);
  });

  test('GIVEN a Global Database WHEN modeled THEN its operator-triggered failover is listed separately, not in the DNS total', () => {
    const [withDb] = regionFailover(app(primary({ role: 'PRIMARY', interval: 10, threshold: 2 })), true);
    const [withoutDb] = regionFailover(app(primary({ role: 'PRIMARY', interval: 10, threshold: 2 })), false);
    expect(withDb.databaseFailover?.seconds).toBe(60);
    expect(withDb.dns.seconds).toBe(withoutDb.dns.seconds);
    expect(withoutDb.databaseFailover).toBeUndefined();
  });

  test('GIVEN a health check without literal interval and threshold WHEN modeled THEN the model reports them unresolved', () => {
    const [m] = regionFailover(app(primary({ role: 'PRIMARY' })), true);
    expect(m.unresolved).toEqual([expect.stringMatching(/RequestInterval and FailureThreshold/)]);
  });

  test('GIVEN only a SECONDARY record WHEN modeled THEN there is no region failover to model', () => {
    expect(regionFailover(app(secondary), true)).toEqual([]);
  });
});
