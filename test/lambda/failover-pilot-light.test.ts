import { handler, setAutoScalingModule, setRoute53Module } from '../../lambda/failover/index';
import { FakeAutoScaling } from './failover-autoscaling-fake';
import { captureLogs, FakeRds } from './fake-rds';
import { FakeRoute53 } from './failover-route53-fake';
import { DR, PRIMARY, setRunbookEnv } from './failover-env';

// Pilot light: DR rests with 1 instance per AZ and a headless Aurora secondary; the DR copy of the runbook must
// restore both before it fences anything or promotes.
const GROUP = 'ha-ref-secondary-FleetAutoScalingGroup-ABC';
const rds = new FakeRds();
const route53 = new FakeRoute53();
const autoScaling = new FakeAutoScaling();

/** Aurora and EC2 finish what was asked: the added instances become available, the fleet comes into service. */
function capacityArrives(): void {
  for (const i of rds.instances.get(DR.region) ?? []) i.status = 'available';
  const g = autoScaling.groups.get(GROUP)!;
  g.inService = g.desired;
}

beforeEach(() => {
  rds.reset();
  route53.reset();
  autoScaling.reset();
  setRoute53Module(route53.module(), async () => undefined);
  setAutoScalingModule(autoScaling.module());
  captureLogs();
  setRunbookEnv({
    DR_PILOT_LIGHT: 'true',
    PILOT_LIGHT_ASG_NAME: GROUP,
    PILOT_LIGHT_FLEET_MIN_SIZE: '6',
    PILOT_LIGHT_DB_INSTANCES: '2',
    PILOT_LIGHT_DB_INSTANCE_CLASS: 'db.r7g.large',
  });
  rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-east-1');
  route53.add('hc-primary', PRIMARY.fqdn);
  route53.add('hc-dr', DR.fqdn);
  autoScaling.add({ name: GROUP, minSize: 3, desired: 3, inService: 3 });
});

const promotions = () => rds.count('FailoverGlobalCluster') + rds.count('SwitchoverGlobalCluster');

describe.each(['unplanned', 'planned'] as const)('failover runbook, pilot light, %s', (mode) => {
  test('GIVEN DR at rest WHEN run THEN it raises the fleet and adds the Aurora instances, and fences and promotes nothing yet', async () => {
    const report = await handler({ mode });

    expect(report.outcome).toBe('in-progress');
    expect(report.message).toMatch(/Scaling up us-west-2 \(pilot light\) before it is promoted/);
    expect(report.message).toMatch(/fleet 3 of 6 in service, Aurora 0 of 2 instances available/);
    expect(autoScaling.calls.find((c) => c.command === 'UpdateAutoScalingGroup')?.input).toEqual({
      AutoScalingGroupName: GROUP,
      MinSize: 6,
      DesiredCapacity: 6,
    });
    const created = rds.calls.filter((c) => c.command === 'CreateDBInstance');
    expect(created.map((c) => [c.region, c.input.DBClusterIdentifier, c.input.DBInstanceIdentifier])).toEqual(
      [
        ['us-west-2', DR.cluster, `${DR.cluster}-failover-1`],
        ['us-west-2', DR.cluster, `${DR.cluster}-failover-2`],
      ],
    );
    expect(
      created.every(
        (c) => c.input.DBInstanceClass === 'db.r7g.large' && c.input.PubliclyAccessible === false,
      ),
    ).toBe(true);
    expect(report.scaleUp).toHaveLength(3);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
    expect(promotions()).toBe(0);
  });

  test('GIVEN the scale-up was started WHEN run again before capacity arrives THEN it adds nothing twice and still promotes nothing', async () => {
    await handler({ mode });
    const again = await handler({ mode });

    expect(again.outcome).toBe('in-progress');
    expect(again.scaleUp).toBeUndefined();
    expect(again.message).toMatch(/fleet 3 of 6 in service, Aurora 0 of 2 instances available/);
    expect(rds.count('CreateDBInstance')).toBe(2);
    expect(autoScaling.count('UpdateAutoScalingGroup')).toBe(1);
    expect(promotions()).toBe(0);
  });

  test('GIVEN the Aurora instances are available but the fleet is not yet in service WHEN run THEN it still waits', async () => {
    await handler({ mode });
    for (const i of rds.instances.get(DR.region)!) i.status = 'available';
    const report = await handler({ mode });
    expect(report.outcome).toBe('in-progress');
    expect(report.message).toMatch(/fleet 3 of 6 in service, Aurora 2 of 2 instances available/);
    expect(promotions()).toBe(0);
  });

  test('GIVEN capacity has arrived WHEN run again THEN it promotes (fenced first when unplanned)', async () => {
    await handler({ mode });
    capacityArrives();
    const report = await handler({ mode });

    expect(report.outcome).toBe('started');
    expect(report.action).toBe(mode === 'unplanned' ? 'FailoverGlobalCluster' : 'SwitchoverGlobalCluster');
    expect(route53.count('UpdateHealthCheck')).toBe(mode === 'unplanned' ? 1 : 0);
    expect(rds.count('CreateDBInstance')).toBe(2);
  });

  test('GIVEN a dry run WHEN DR is at rest THEN it says what it would scale and changes nothing', async () => {
    const report = await handler({ mode, dryRun: true });
    expect(report.outcome).toBe('dry-run');
    expect(report.message).toMatch(
      /would first raise .* from 3\/3 to 6; add Aurora instance ha-ref-us-west-2-failover-1/,
    );
    expect(autoScaling.count('UpdateAutoScalingGroup')).toBe(0);
    expect(rds.count('CreateDBInstance')).toBe(0);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });
});

describe('failover runbook, pilot light: refusals', () => {
  test('GIVEN the copy in the primary region WHEN asked to promote the pilot-light DR (planned) THEN it refuses and changes nothing', async () => {
    process.env.AWS_REGION = PRIMARY.region;
    delete process.env.PILOT_LIGHT_ASG_NAME;
    const report = await handler({ mode: 'planned' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(
      /us-west-2 is kept small at rest \(pilot light\).*invoke the one in us-west-2/,
    );
    expect(rds.calls).toHaveLength(0);
    expect(autoScaling.calls).toHaveLength(0);
  });

  test('GIVEN the fleet does not exist WHEN run THEN it refuses naming it, nothing promoted', async () => {
    autoScaling.reset();
    const report = await handler({ mode: 'unplanned' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(new RegExp(`Auto Scaling group ${GROUP} does not exist in us-west-2`));
    expect(promotions()).toBe(0);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN a fail-back to the primary (production shape) WHEN planned THEN no scale-up is attempted', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');
    process.env.AWS_REGION = PRIMARY.region;
    const report = await handler({ mode: 'planned', target: 'primary' });
    expect(report.outcome).toBe('started');
    expect(autoScaling.calls).toHaveLength(0);
    expect(rds.count('CreateDBInstance')).toBe(0);
  });

  test('GIVEN one scale-up instance already exists (a second operator) WHEN run THEN only the missing one is added', async () => {
    rds.instances.set(DR.region, [
      {
        id: `${DR.cluster}-failover-1`,
        cluster: DR.cluster,
        status: 'creating',
        instanceClass: 'db.r7g.large',
      },
    ]);
    await handler({ mode: 'unplanned' });
    expect(
      rds.calls.filter((c) => c.command === 'CreateDBInstance').map((c) => c.input.DBInstanceIdentifier),
    ).toEqual([`${DR.cluster}-failover-2`]);
  });
});
