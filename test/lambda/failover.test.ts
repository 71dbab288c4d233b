import { InvalidGlobalClusterStateFault } from '@aws-sdk/client-rds';
import { handler, parseRequest } from '../../lambda/failover/index';
import { captureLogs, clusterArn, FakeRds } from './fake-rds';

const PRIMARY = { region: 'us-east-1', cluster: 'ha-ref-us-east-1' };
const DR = { region: 'us-west-2', cluster: 'ha-ref-us-west-2' };
const DR_ARN = clusterArn(DR.region, DR.cluster);
const rds = new FakeRds();

beforeAll(() => {
  process.env.AWS_REGION = 'us-west-2';
});

beforeEach(() => {
  rds.reset();
  captureLogs();
  Object.assign(process.env, {
    GLOBAL_CLUSTER_ID: 'ha-ref-global',
    PRIMARY_REGION: PRIMARY.region,
    PRIMARY_CLUSTER_ID: PRIMARY.cluster,
    DR_REGION: DR.region,
    DR_CLUSTER_ID: DR.cluster,
  });
  rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-east-1');
});

describe('failover runbook', () => {
  test('GIVEN a healthy global cluster WHEN planned THEN it switches over to the DR cluster and reports what it found', async () => {
    const report = await handler({ mode: 'planned' });

    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'started',
        action: 'SwitchoverGlobalCluster',
        targetCluster: 'ha-ref-us-west-2 (us-west-2)',
      }),
    );
    expect(report.found?.writer).toBe(clusterArn(PRIMARY.region, PRIMARY.cluster));
    expect(rds.calls.find((c) => c.command === 'SwitchoverGlobalCluster')?.input).toEqual({
      GlobalClusterIdentifier: 'ha-ref-global',
      TargetDbClusterIdentifier: DR_ARN,
    });
    expect(rds.count('FailoverGlobalCluster')).toBe(0);
  });

  test('GIVEN the primary region is down WHEN unplanned THEN it fails over to the DR cluster allowing data loss', async () => {
    const report = await handler({ mode: 'unplanned' });

    expect(report).toEqual(expect.objectContaining({ outcome: 'started', action: 'FailoverGlobalCluster' }));
    expect(report.message).toMatch(/allowing data loss/);
    expect(rds.calls.find((c) => c.command === 'FailoverGlobalCluster')?.input).toEqual({
      GlobalClusterIdentifier: 'ha-ref-global',
      TargetDbClusterIdentifier: DR_ARN,
      AllowDataLoss: true,
    });
  });

  test.each(['planned', 'unplanned'] as const)(
    'GIVEN dry-run WHEN %s THEN it reports the action and calls nothing that changes state',
    async (mode) => {
      const report = await handler({ mode, dryRun: true });
      expect(report.outcome).toBe('dry-run');
      expect(report.action).toBe(mode === 'planned' ? 'SwitchoverGlobalCluster' : 'FailoverGlobalCluster');
      expect(rds.calls.map((c) => c.command)).toEqual(['DescribeGlobalClusters']);
    },
  );

  test('GIVEN the switchover was started WHEN called again THEN it refuses because one is in progress', async () => {
    await handler({ mode: 'planned' });
    const second = await handler({ mode: 'planned' });
    expect(second.outcome).toBe('refused');
    expect(second.message).toMatch(
      /switchover is already in progress \(state pending, from .*ha-ref-us-east-1 to .*ha-ref-us-west-2\)/,
    );
    expect(rds.count('SwitchoverGlobalCluster')).toBe(1);
  });

  test('GIVEN a failover is in progress WHEN planned is requested THEN it refuses naming the failover', async () => {
    await handler({ mode: 'unplanned' });
    const report = await handler({ mode: 'planned' });
    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'refused',
        message: expect.stringMatching(/a failover is already in progress/),
      }),
    );
  });

  test.each(['planned', 'unplanned'] as const)(
    'GIVEN the DR cluster is already the writer WHEN %s THEN nothing to do (idempotent)',
    async (mode) => {
      rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');
      const report = await handler({ mode });
      expect(report).toEqual(
        expect.objectContaining({
          outcome: 'nothing-to-do',
          message: expect.stringMatching(/already the writer .*already promoted/),
        }),
      );
      expect(rds.count('SwitchoverGlobalCluster') + rds.count('FailoverGlobalCluster')).toBe(0);
    },
  );

  test('GIVEN the DR cluster is the writer WHEN planned targets the primary (fail-back) THEN it switches over to the primary', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');
    const report = await handler({ mode: 'planned', target: 'primary' });
    expect(report.outcome).toBe('started');
    expect(
      rds.calls.find((c) => c.command === 'SwitchoverGlobalCluster')?.input.TargetDbClusterIdentifier,
    ).toBe(clusterArn(PRIMARY.region, PRIMARY.cluster));
  });

  test('GIVEN the global cluster does not exist WHEN called THEN it refuses naming it', async () => {
    rds.globalCluster = undefined;
    const report = await handler({ mode: 'unplanned' });
    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'refused',
        message: expect.stringMatching(/global cluster ha-ref-global is unknown/),
      }),
    );
  });

  test('GIVEN the DR cluster is not a member WHEN called THEN it refuses listing the members', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, { region: 'eu-west-1', cluster: 'stranger' }], 'us-east-1');
    const report = await handler({ mode: 'unplanned' });
    expect(report.outcome).toBe('refused');
    expect(report.message).toMatch(/ha-ref-us-west-2 \(us-west-2\) is not a member .*stranger/);
    expect(rds.count('FailoverGlobalCluster')).toBe(0);
  });

  test('GIVEN the global cluster is modifying WHEN called THEN it refuses', async () => {
    rds.globalCluster!.Status = 'modifying';
    const report = await handler({ mode: 'planned' });
    expect(report).toEqual(
      expect.objectContaining({ outcome: 'refused', message: expect.stringMatching(/is "modifying"/) }),
    );
  });

  test('GIVEN the DR cluster needs resync WHEN planned THEN it refuses and suggests nothing unsafe', async () => {
    rds.globalCluster!.GlobalClusterMembers![1].SynchronizationStatus = 'pending-resync';
    const report = await handler({ mode: 'planned' });
    expect(report).toEqual(
      expect.objectContaining({ outcome: 'refused', message: expect.stringMatching(/pending-resync/) }),
    );
  });

  test('GIVEN no member is the writer WHEN planned THEN it refuses and points to unplanned', async () => {
    rds.globalCluster!.GlobalClusterMembers![0].IsWriter = false;
    const report = await handler({ mode: 'planned' });
    expect(report).toEqual(
      expect.objectContaining({ outcome: 'refused', message: expect.stringMatching(/use unplanned/) }),
    );
  });

  test("GIVEN RDS rejects the call because the state changed WHEN unplanned THEN the refusal carries RDS's message", async () => {
    rds.hooks.failover = () => {
      throw new InvalidGlobalClusterStateFault({
        message: 'Global cluster is being modified',
        $metadata: {},
      });
    };
    const report = await handler({ mode: 'unplanned' });
    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'refused',
        message: expect.stringMatching(
          /RDS rejected FailoverGlobalCluster: Global cluster is being modified/,
        ),
      }),
    );
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
  });

  test('GIVEN a minimal request WHEN parsed THEN it defaults to the DR target without dry-run', () => {
    expect(parseRequest({ mode: 'unplanned' })).toEqual({ mode: 'unplanned', dryRun: false, target: 'dr' });
  });
});
