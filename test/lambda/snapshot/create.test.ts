import { InvalidDBClusterStateFault, SnapshotQuotaExceededFault } from '@aws-sdk/client-rds';
import { handler, snapshotIdFor } from '../../../lambda/snapshot/create/index';
import { MANAGED_TAG, SOURCE_REGION_TAG, TAKEN_AT_TAG } from '../../../lambda/shared/names';
import { captureLogs, FakeRds, scheduled } from '../fake-rds';

const PRIMARY = { region: 'us-east-1', cluster: 'ha-ref-us-east-1' };
const DR = { region: 'us-west-2', cluster: 'ha-ref-us-west-2' };
const rds = new FakeRds();
let logs: Record<string, unknown>[];

beforeEach(() => {
  rds.reset();
  logs = captureLogs();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    APP_NAME: 'ha-ref',
    CLUSTER_ID: PRIMARY.cluster,
    GLOBAL_CLUSTER_ID: 'ha-ref-global',
  });
  rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-east-1');
});

describe('snapshot create', () => {
  test('GIVEN this region is the writer WHEN the schedule fires THEN a tagged snapshot with a slot id is created', async () => {
    const result = await handler(scheduled('2026-11-21T03:00:27Z'));

    expect(result).toEqual({ action: 'created', snapshotId: 'ha-ref-us-east-1-snap-20261121-0300' });
    const [created] = rds.in('us-east-1');
    const tags = Object.fromEntries(created.TagList!.map((t) => [t.Key, t.Value]));
    expect(tags).toEqual(
      expect.objectContaining({
        [MANAGED_TAG]: 'ha-ref',
        [SOURCE_REGION_TAG]: 'us-east-1',
        [TAKEN_AT_TAG]: '2026-11-21T03:00:00.000Z',
      }),
    );
  });

  test('GIVEN the same event is delivered twice WHEN it runs again THEN the second run does nothing', async () => {
    await handler(scheduled('2026-11-21T03:00:27Z'));
    const second = await handler(scheduled('2026-11-21T03:00:27Z'));

    expect(second.action).toBe('exists');
    expect(rds.ids('us-east-1')).toHaveLength(1);
  });

  test('GIVEN the DR cluster is the writer (after a failover) WHEN the primary region fires THEN it skips', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');

    const result = await handler(scheduled('2026-11-21T03:00:00Z'));

    expect(result).toEqual(
      expect.objectContaining({ action: 'skipped-not-writer', writer: expect.stringContaining(DR.cluster) }),
    );
    expect(rds.count('CreateDBClusterSnapshot')).toBe(0);
  });

  test('GIVEN the DR cluster is the writer WHEN the DR region fires THEN it snapshots its own cluster', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], 'us-west-2');
    Object.assign(process.env, { AWS_REGION: 'us-west-2', CLUSTER_ID: DR.cluster });

    const result = await handler(scheduled('2026-11-22T03:00:00Z'));

    expect(result).toEqual({ action: 'created', snapshotId: 'ha-ref-us-west-2-snap-20261122-0300' });
  });

  test('GIVEN no member is the writer (failover in flight) WHEN it fires THEN it skips without creating', async () => {
    rds.globalCluster!.GlobalClusterMembers!.forEach((m) => (m.IsWriter = false));
    const result = await handler(scheduled('2026-11-21T03:00:00Z'));
    expect(result.action).toBe('skipped-not-writer');
    expect(rds.count('CreateDBClusterSnapshot')).toBe(0);
  });

  test('GIVEN the global cluster is unknown WHEN it fires THEN it fails loudly naming it', async () => {
    rds.globalCluster = undefined;
    await expect(handler(scheduled('2026-11-21T03:00:00Z'))).rejects.toThrow(
      /global cluster ha-ref-global not found/,
    );
  });

  test('GIVEN the cluster is busy WHEN creating THEN a RetryLaterError lets Lambda retry', async () => {
    rds.hooks.create = () => {
      throw new InvalidDBClusterStateFault({ message: 'cluster is modifying', $metadata: {} });
    };
    await expect(handler(scheduled('2026-11-21T03:00:00Z'))).rejects.toMatchObject({
      name: 'RetryLaterError',
    });
  });

  test('GIVEN the manual snapshot quota is full WHEN creating THEN the error names the quota and region', async () => {
    rds.hooks.create = () => {
      throw new SnapshotQuotaExceededFault({
        message: 'Cannot create more than 100 manual snapshots',
        $metadata: {},
      });
    };
    await expect(handler(scheduled('2026-11-21T03:00:00Z'))).rejects.toThrow(/quota reached in us-east-1/);
  });

  test.each([
    ['a non-object', 'go'],
    [
      'an RDS event',
      { source: 'aws.rds', 'detail-type': 'RDS DB Cluster Snapshot Event', time: '2026-11-21T03:00:00Z' },
    ],
    [
      'a scheduled event without a valid time',
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: 'yesterday' },
    ],
  ])('GIVEN %s WHEN invoked THEN it refuses before calling RDS', async (_label, event) => {
    await expect(handler(event)).rejects.toMatchObject({ name: 'InvalidEventError' });
    expect(rds.calls).toHaveLength(0);
  });

  test('GIVEN a required variable is missing WHEN invoked THEN the error names it', async () => {
    delete process.env.GLOBAL_CLUSTER_ID;
    await expect(handler(scheduled('2026-11-21T03:00:00Z'))).rejects.toThrow(/GLOBAL_CLUSTER_ID is not set/);
  });

  test('GIVEN any run WHEN it logs THEN each line is one JSON object with level and message', async () => {
    await handler(scheduled('2026-11-21T03:00:00Z'));
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.at(-1)).toEqual(
      expect.objectContaining({ level: 'info', service: 'snapshot-create', snapshotId: expect.any(String) }),
    );
  });

  test("GIVEN the longest allowed app name and region WHEN the id is built THEN it fits RDS's 63 characters", () => {
    const id = snapshotIdFor('abcdefghijklmnopqrstuvwx-ap-southeast-4', new Date('2026-01-01T00:00:00Z'));
    expect(id.length).toBeLessThanOrEqual(63);
    expect(id).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(id).not.toMatch(/--/);
  });
});
