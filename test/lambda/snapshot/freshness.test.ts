import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambda/snapshot/freshness/index';
import { MANAGED_TAG, SOURCE_REGION_TAG, TAKEN_AT_TAG } from '../../../lambda/shared/names';
import { captureLogs, FakeRds, scheduled, snap } from '../fake-rds';

const PRIMARY = { region: 'us-east-1', cluster: 'ha-ref-us-east-1' };
const DR = { region: 'us-west-2', cluster: 'ha-ref-us-west-2' };
const NOW = '2026-11-21T12:00:00.000Z';
const rds = new FakeRds();
const cw = mockClient(CloudWatchClient);

function copyIn(region: string, from: string, hoursAgo: number, status = 'available') {
  const taken = new Date(Date.parse(NOW) - hoursAgo * 3_600_000).toISOString();
  return snap(region, `ha-ref-${from}-snap-${hoursAgo}h`, {
    status,
    tags: { [MANAGED_TAG]: 'ha-ref', [SOURCE_REGION_TAG]: from, [TAKEN_AT_TAG]: taken },
  });
}

function published(): number[] {
  return cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData![0].Value!);
}

beforeAll(() => {
  process.env.AWS_REGION = 'us-east-1';
});

beforeEach(() => {
  rds.reset();
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
  captureLogs();
  jest.useFakeTimers({ now: new Date(NOW) });
  Object.assign(process.env, {
    APP_NAME: 'ha-ref',
    GLOBAL_CLUSTER_ID: 'ha-ref-global',
    PEER_REGION: 'us-west-2',
    THRESHOLD_SECONDS: String(30 * 3600),
  });
  rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-east-1');
});

afterAll(() => jest.useRealTimers());

describe('snapshot freshness (RPO check)', () => {
  test('GIVEN the primary is the writer WHEN checking THEN it measures the newest available copy in the DR region', async () => {
    rds
      .in('us-west-2')
      .push(
        copyIn('us-west-2', 'us-east-1', 33),
        copyIn('us-west-2', 'us-east-1', 9),
        copyIn('us-west-2', 'us-east-1', 1, 'copying'),
      );
    rds.in('us-east-1').push(
      snap('us-east-1', 'ha-ref-us-east-1-snap-0h', {
        tags: { [MANAGED_TAG]: 'ha-ref', [SOURCE_REGION_TAG]: 'us-east-1', [TAKEN_AT_TAG]: NOW },
      }),
    );

    const result = await handler(scheduled(NOW));

    expect(result).toEqual({
      found: true,
      drRegion: 'us-west-2',
      snapshotId: 'ha-ref-us-east-1-snap-9h',
      ageSeconds: 9 * 3600,
      stale: false,
    });
    expect(published()).toEqual([9 * 3600]);
    const input = cw.commandCalls(PutMetricDataCommand)[0].args[0].input;
    expect(input).toEqual(
      expect.objectContaining({
        Namespace: 'SnapshotReplication',
        MetricData: [
          expect.objectContaining({
            MetricName: 'SnapshotAgeSeconds',
            Unit: 'Seconds',
            Dimensions: [{ Name: 'AppName', Value: 'ha-ref' }],
          }),
        ],
      }),
    );
    expect(
      rds.calls
        .filter((c) => c.command === 'DescribeDBClusterSnapshots')
        .every((c) => c.region === 'us-west-2'),
    ).toBe(true);
  });

  test('GIVEN the newest DR copy is older than the threshold WHEN checking THEN its age is published and reported stale', async () => {
    rds.in('us-west-2').push(copyIn('us-west-2', 'us-east-1', 31));
    const result = await handler(scheduled(NOW));
    expect(result).toEqual(expect.objectContaining({ stale: true, ageSeconds: 31 * 3600 }));
    expect(published()).toEqual([31 * 3600]);
  });

  test('GIVEN a failover made us-west-2 the writer WHEN checking from us-east-1 THEN the DR copies are looked for here', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');
    rds.in('us-east-1').push(
      snap('us-east-1', 'ha-ref-us-east-1-snap-old', {
        tags: { [MANAGED_TAG]: 'ha-ref', [SOURCE_REGION_TAG]: 'us-east-1', [TAKEN_AT_TAG]: NOW },
      }),
      copyIn('us-east-1', 'us-west-2', 5),
    );
    const result = await handler(scheduled(NOW));
    expect(result).toEqual(
      expect.objectContaining({ drRegion: 'us-east-1', snapshotId: 'ha-ref-us-west-2-snap-5h' }),
    );
  });

  test('GIVEN no DR copy exists WHEN checking THEN nothing is published (missing data breaches the alarm)', async () => {
    rds.in('us-west-2').push(snap('us-west-2', 'foreign', { created: NOW }));
    const result = await handler(scheduled(NOW));
    expect(result).toEqual({ found: false, drRegion: 'us-west-2' });
    expect(published()).toEqual([]);
  });

  test('GIVEN no member is the writer WHEN checking THEN it fails and publishes nothing', async () => {
    rds.globalCluster!.GlobalClusterMembers!.forEach((m) => (m.IsWriter = false));
    await expect(handler(scheduled(NOW))).rejects.toThrow(/has no writer/);
    expect(published()).toEqual([]);
  });

  test('GIVEN a non-scheduled event WHEN invoked THEN it refuses before any call', async () => {
    await expect(handler({ hello: 'world' })).rejects.toMatchObject({ name: 'InvalidEventError' });
    expect(rds.calls).toHaveLength(0);
  });
});
