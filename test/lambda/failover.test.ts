import { InvalidGlobalClusterStateFault } from '@aws-sdk/client-rds';
import { handler, parseRequest, setRoute53Module } from '../../lambda/failover/index';
import { captureLogs, clusterArn, FakeRds } from './fake-rds';
import { FakeRoute53 } from './failover-route53-fake';
import { DR, PRIMARY, setRunbookEnv } from './failover-env';

const PRIMARY_ARN = clusterArn(PRIMARY.region, PRIMARY.cluster);
const DR_ARN = clusterArn(DR.region, DR.cluster);
const rds = new FakeRds();
const route53 = new FakeRoute53();
/** Every call across RDS, Route 53 and the runbook's wait, in order. */
let order: string[] = [];

/** Finishes whatever switchover or failover the fake RDS has pending, as Aurora does after a while. */
function completePromotion(): void {
  const g = rds.globalCluster!;
  const to = g.FailoverState!.ToDbClusterArn;
  for (const m of g.GlobalClusterMembers!) {
    m.IsWriter = m.DBClusterArn === to;
    m.SynchronizationStatus = m.IsWriter ? undefined : 'connected';
  }
  g.Status = 'available';
  g.FailoverState = undefined;
}

const fenced = (id: string) => {
  const { Inverted, Disabled } = route53.get(id).HealthCheckConfig;
  return Inverted && Disabled;
};

beforeEach(() => {
  rds.reset();
  route53.reset();
  order = [];
  route53.onCall = (c) => order.push(c);
  rds.hooks.failover = () => {
    order.push('FailoverGlobalCluster');
    return undefined;
  };
  setRoute53Module(route53.module(), async (ms) => {
    order.push(`sleep ${ms}`);
  });
  captureLogs();
  setRunbookEnv();
  rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-east-1');
  // Two unrelated checks first, so finding ours needs the second page.
  route53.add('hc-other-1', 'status.example.org');
  route53.add('hc-other-2', 'api.example.org');
  route53.add('hc-primary', PRIMARY.fqdn);
  route53.add('hc-dr', DR.fqdn);
});

describe('failover runbook: planned switchover', () => {
  test('GIVEN a healthy global cluster WHEN planned THEN it switches over to the DR cluster, fences nothing and reports what it found', async () => {
    const report = await handler({ mode: 'planned' });

    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'started',
        action: 'SwitchoverGlobalCluster',
        targetCluster: 'ha-ref-us-west-2 (us-west-2)',
      }),
    );
    expect(report.found?.writer).toBe(PRIMARY_ARN);
    expect(rds.calls.find((c) => c.command === 'SwitchoverGlobalCluster')?.input).toEqual({
      GlobalClusterIdentifier: 'ha-ref-global',
      TargetDbClusterIdentifier: DR_ARN,
    });
    expect(rds.count('FailoverGlobalCluster')).toBe(0);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN the switchover was started WHEN called again THEN it refuses naming the switchover in progress', async () => {
    await handler({ mode: 'planned' });
    const second = await handler({ mode: 'planned' });
    expect(second.outcome).toBe('refused');
    expect(second.message).toMatch(
      /switchover is already in progress \(state pending, from .*ha-ref-us-east-1 to .*ha-ref-us-west-2\)/,
    );
    expect(rds.count('SwitchoverGlobalCluster')).toBe(1);
  });

  test('GIVEN the DR cluster is already the writer and not fenced WHEN planned THEN nothing to do (idempotent)', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');
    const report = await handler({ mode: 'planned' });
    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'nothing-to-do',
        message: expect.stringMatching(/already the writer .*already promoted/),
      }),
    );
    expect(rds.count('SwitchoverGlobalCluster') + rds.count('FailoverGlobalCluster')).toBe(0);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test.each([
    [
      'the global cluster is "modifying"',
      () => (rds.globalCluster!.Status = 'modifying'),
      /is "modifying", not "available"/,
    ],
    [
      'the DR cluster needs resync',
      () => (rds.globalCluster!.GlobalClusterMembers![1].SynchronizationStatus = 'pending-resync'),
      /"pending-resync", not "connected"/,
    ],
    [
      'no member is the writer',
      () => (rds.globalCluster!.GlobalClusterMembers![0].IsWriter = false),
      /no member is the writer.*use unplanned/,
    ],
  ])(
    'GIVEN %s WHEN planned THEN it refuses naming that state and changes nothing',
    async (_label, arrange, message) => {
      arrange();
      const report = await handler({ mode: 'planned' });
      expect(report).toEqual(
        expect.objectContaining({ outcome: 'refused', message: expect.stringMatching(message) }),
      );
      expect(rds.count('SwitchoverGlobalCluster')).toBe(0);
      expect(route53.count('UpdateHealthCheck')).toBe(0);
    },
  );
});

describe('failover runbook: unplanned failover is fenced first', () => {
  test("GIVEN the primary region is down WHEN unplanned THEN it fences the primary's health check, waits for DNS to drain, THEN fails over allowing data loss", async () => {
    const report = await handler({ mode: 'unplanned' });

    expect(report).toEqual(expect.objectContaining({ outcome: 'started', action: 'FailoverGlobalCluster' }));
    expect(report.message).toMatch(/us-east-1's health check hc-primary is fenced .*allowing data loss/);
    expect(order.filter((c) => c !== 'ListHealthChecks')).toEqual([
      'UpdateHealthCheck',
      'sleep 70000',
      'FailoverGlobalCluster',
    ]);
    expect(route53.calls.find((c) => c.command === 'UpdateHealthCheck')).toEqual({
      command: 'UpdateHealthCheck',
      region: 'us-east-1', // Route 53's control plane, signed for us-east-1
      input: { HealthCheckId: 'hc-primary', HealthCheckVersion: 1, Inverted: true, Disabled: true },
    });
    expect(fenced('hc-primary')).toBe(true);
    expect(fenced('hc-dr')).toBe(false);
    expect(report.fences).toEqual([
      { region: 'us-east-1', healthCheckId: 'hc-primary', before: 'open', after: 'fenced' },
    ]);
    expect(rds.calls.find((c) => c.command === 'FailoverGlobalCluster')).toEqual({
      command: 'FailoverGlobalCluster',
      region: 'us-west-2',
      input: {
        GlobalClusterIdentifier: 'ha-ref-global',
        TargetDbClusterIdentifier: DR_ARN,
        AllowDataLoss: true,
      },
    });
  });

  test.each([
    ['the global cluster is "modifying"', () => (rds.globalCluster!.Status = 'modifying')],
    [
      'no member reports being the writer',
      () => (rds.globalCluster!.GlobalClusterMembers![0].IsWriter = false),
    ],
    [
      'the DR cluster is no longer in sync',
      () => (rds.globalCluster!.GlobalClusterMembers![1].SynchronizationStatus = 'pending-resync'),
    ],
  ])(
    "GIVEN %s WHEN unplanned THEN it still fences and fails over: the failed region's state is not required",
    async (_l, arrange) => {
      arrange();
      const report = await handler({ mode: 'unplanned' });
      expect(report.outcome).toBe('started');
      expect(fenced('hc-primary')).toBe(true);
      expect(rds.count('FailoverGlobalCluster')).toBe(1);
    },
  );

  test('GIVEN the runbook copy in the failed primary region WHEN unplanned to DR THEN it refuses and calls nothing', async () => {
    process.env.AWS_REGION = PRIMARY.region;
    const report = await handler({ mode: 'unplanned' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(/runs in us-east-1, but an unplanned failover .* must run in us-west-2/);
    expect(rds.calls).toHaveLength(0);
    expect(route53.calls).toHaveLength(0);
  });

  test.each([
    [
      'no health check probes the primary',
      () => route53.checks.splice(2, 1),
      /found 0 Route 53 health checks probing us-east-1.app.example.com \(none\)/,
    ],
    [
      'two health checks probe the primary',
      () => route53.add('hc-stray', PRIMARY.fqdn),
      /found 2 .*\(hc-primary, hc-stray\); the fence needs exactly one/,
    ],
    [
      "Route 53's control plane cannot be reached",
      () => (route53.failing.ListHealthChecks = new Error('connect ETIMEDOUT')),
      /could not read the Route 53 health checks .*ETIMEDOUT/,
    ],
    [
      'the health-check update is rejected',
      () => (route53.failing.UpdateHealthCheck = new Error('version mismatch')),
      /could not fence us-east-1's health check hc-primary: version mismatch; nothing was promoted/,
    ],
  ])(
    'GIVEN %s WHEN unplanned THEN it refuses naming it and promotes nothing (no fence, no failover)',
    async (_l, arrange, message) => {
      arrange();
      const report = await handler({ mode: 'unplanned' });
      expect(report).toEqual(
        expect.objectContaining({ outcome: 'refused', message: expect.stringMatching(message) }),
      );
      expect(rds.count('FailoverGlobalCluster')).toBe(0);
    },
  );

  test('GIVEN a failover to DR is in progress WHEN unplanned again THEN it reports progress, keeps the fence and does not fail over twice', async () => {
    await handler({ mode: 'unplanned' });
    const again = await handler({ mode: 'unplanned' });
    expect(again.outcome).toBe('in-progress');
    expect(again.message).toMatch(/failover is already in progress \(state pending/);
    expect(again.fences).toEqual([
      { region: 'us-east-1', healthCheckId: 'hc-primary', before: 'fenced', after: 'fenced' },
    ]);
    expect(order.filter((c) => c.startsWith('sleep'))).toHaveLength(1);
    expect(rds.count('FailoverGlobalCluster')).toBe(1);
    expect(route53.count('UpdateHealthCheck')).toBe(1);
  });

  test('GIVEN a switchover is in progress WHEN unplanned THEN it refuses naming the switchover and changes nothing', async () => {
    await handler({ mode: 'planned' });
    const report = await handler({ mode: 'unplanned' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(
      /a switchover is already in progress \(state pending.*nothing was changed/,
    );
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN Aurora already promoted DR but the old primary was never fenced WHEN unplanned THEN it fences it and reports nothing else to do', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');
    const report = await handler({ mode: 'unplanned' });
    expect(report.outcome).toBe('nothing-to-do');
    expect(report.message).toMatch(/already the writer.*hc-primary is fenced/);
    expect(fenced('hc-primary')).toBe(true);
    expect(rds.count('FailoverGlobalCluster')).toBe(0);
  });

  test('GIVEN dry-run WHEN unplanned THEN it reports the fence and the failover it would make and changes nothing', async () => {
    const report = await handler({ mode: 'unplanned', dryRun: true });
    expect(report.outcome).toBe('dry-run');
    expect(report.message).toMatch(
      /hc-primary is to be fenced.*then would wait 70 s for Route 53 and resolvers to drop the old answer, then fail over/,
    );
    expect(report.fences).toEqual([
      { region: 'us-east-1', healthCheckId: 'hc-primary', before: 'open', after: 'open' },
    ]);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
    expect(rds.calls.map((c) => c.command)).toEqual(['DescribeGlobalClusters']);
  });

  test("GIVEN RDS rejects the failover after the fence WHEN unplanned THEN the refusal carries RDS's message and says the fence holds", async () => {
    rds.hooks.failover = () => {
      throw new InvalidGlobalClusterStateFault({
        message: 'Global cluster is being modified',
        $metadata: {},
      });
    };
    const report = await handler({ mode: 'unplanned' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(
      /RDS rejected FailoverGlobalCluster: Global cluster is being modified .*hc-primary is fenced .*and stays so/,
    );
    expect(fenced('hc-primary')).toBe(true);
  });
});

describe('failover runbook: fail-back lifts the fence only after a clean switchover', () => {
  beforeEach(async () => {
    // GIVEN an unplanned failover to DR that has completed; the primary region is back as a secondary.
    await handler({ mode: 'unplanned' });
    completePromotion();
    process.env.AWS_REGION = PRIMARY.region;
  });

  test('WHEN planned to the primary THEN it switches over, keeps the fence, and lifts it on the confirming run once the switchover is complete', async () => {
    const started = await handler({ mode: 'planned', target: 'primary' });
    expect(started.outcome).toBe('started');
    expect(started.message).toMatch(/hc-primary stays fenced until the switchover is complete/);
    expect(
      rds.calls
        .filter((c) => c.command === 'SwitchoverGlobalCluster')
        .map((c) => c.input.TargetDbClusterIdentifier),
    ).toEqual([PRIMARY_ARN]);
    expect(fenced('hc-primary')).toBe(true);

    const during = await handler({ mode: 'planned', target: 'primary' });
    expect(during.outcome).toBe('refused');
    expect(during.message).toMatch(/switchover is already in progress/);
    expect(fenced('hc-primary')).toBe(true);

    completePromotion();
    const confirmed = await handler({ mode: 'planned', target: 'primary' });
    expect(confirmed.outcome).toBe('unfenced');
    expect(confirmed.message).toMatch(/Lifted the fence on us-east-1's health check hc-primary/);
    expect(route53.calls.filter((c) => c.command === 'UpdateHealthCheck').at(-1)?.input).toEqual({
      HealthCheckId: 'hc-primary',
      HealthCheckVersion: 2,
      Inverted: false,
      Disabled: false,
    });
    expect(fenced('hc-primary')).toBe(false);

    const afterwards = await handler({ mode: 'planned', target: 'primary' });
    expect(afterwards.outcome).toBe('nothing-to-do');
  });

  test('GIVEN the primary is the writer but the global cluster is not available WHEN planned THEN it refuses naming the status and the fence stays', async () => {
    await handler({ mode: 'planned', target: 'primary' });
    completePromotion();
    rds.globalCluster!.Status = 'modifying';
    const report = await handler({ mode: 'planned', target: 'primary' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(/is the writer but global cluster ha-ref-global is "modifying"/);
    expect(fenced('hc-primary')).toBe(true);
  });
});

describe('failover runbook: refusals that change nothing', () => {
  test('GIVEN the global cluster does not exist WHEN called THEN it refuses naming it and where it looked', async () => {
    rds.globalCluster = undefined;
    const report = await handler({ mode: 'unplanned' });
    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'refused',
        message: expect.stringMatching(
          /global cluster ha-ref-global is unknown to RDS \(checked from us-west-2\)/,
        ),
      }),
    );
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN the DR cluster is not a member WHEN called THEN it refuses listing the members', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, { region: 'eu-west-1', cluster: 'stranger' }], 'us-east-1');
    const report = await handler({ mode: 'unplanned' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(/ha-ref-us-west-2 \(us-west-2\) is not a member .*stranger/);
    expect(rds.count('FailoverGlobalCluster')).toBe(0);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test.each([
    ['no mode', {}],
    ['a wrong mode', { mode: 'yolo' }],
    ['an unknown field', { mode: 'planned', force: true }],
    ['a non-boolean dryRun', { mode: 'planned', dryRun: 'yes' }],
    ['a wrong target', { mode: 'planned', target: 'eu-west-1' }],
    ['a string', 'planned'],
  ])('GIVEN %s WHEN invoked THEN it throws a clear error and calls nothing', async (_label, event) => {
    await expect(handler(event)).rejects.toMatchObject({ name: 'InvalidEventError' });
    expect(rds.calls).toHaveLength(0);
    expect(route53.calls).toHaveLength(0);
  });

  test('GIVEN a minimal request WHEN parsed THEN it defaults to the DR target without dry-run', () => {
    expect(parseRequest({ mode: 'unplanned' })).toEqual({ mode: 'unplanned', dryRun: false, target: 'dr' });
  });
});
