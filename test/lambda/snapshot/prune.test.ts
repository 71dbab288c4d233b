import { InvalidDBClusterSnapshotStateFault } from '@aws-sdk/client-rds';
import { handler } from '../../../lambda/snapshot/prune/index';
import { MANAGED_TAG, SOURCE_REGION_TAG, TAKEN_AT_TAG } from '../../../lambda/shared/names';
import { captureLogs, FakeRds, scheduled, snap } from '../fake-rds';

const REGION = 'us-west-2';
const NOW = '2026-11-30T03:00:00.000Z';
const DAY = 86_400_000;
const rds = new FakeRds();
let logs: Record<string, unknown>[];

/** One of our snapshots taken `days` before NOW (copies from the primary cluster by default). */
function ours(days: number, opts: { status?: string; cluster?: string; app?: string } = {}) {
  const taken = new Date(Date.parse(NOW) - days * DAY);
  const slot = taken.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  const id = `${opts.cluster ?? 'ha-ref-us-east-1'}-snap-${slot}`;
  return snap(REGION, id, {
    status: opts.status,
    tags: {
      [MANAGED_TAG]: opts.app ?? 'ha-ref',
      [SOURCE_REGION_TAG]: 'us-east-1',
      [TAKEN_AT_TAG]: taken.toISOString(),
    },
  });
}

beforeAll(() => {
  process.env.AWS_REGION = REGION;
});

beforeEach(() => {
  rds.reset();
  logs = captureLogs();
  Object.assign(process.env, {
    APP_NAME: 'ha-ref',
    CLUSTER_IDS: 'ha-ref-us-east-1,ha-ref-us-west-2',
    RETENTION_DAYS: '14',
    KEEP_NEWEST: '3',
  });
});

describe('snapshot prune', () => {
  test('GIVEN snapshots around the retention boundary WHEN pruning THEN only those strictly older than retention are deleted', async () => {
    const exactly = ours(14);
    const justOver = ours(14 + 1 / 1440); // one minute past retention
    const older = ours(20);
    rds.in(REGION).push(ours(1), ours(2), ours(3), exactly, justOver, older);

    const result = await handler(scheduled(NOW));

    expect([...result.deleted].sort()).toEqual(
      [justOver, older].map((s) => s.DBClusterSnapshotIdentifier).sort(),
    );
    expect(result.kept).toContainEqual({
      snapshotId: exactly.DBClusterSnapshotIdentifier,
      reason: 'within retention',
    });
    expect(rds.ids(REGION)).toHaveLength(4);
  });

  test('GIVEN every snapshot is past retention WHEN pruning THEN the newest 3 are still kept', async () => {
    const snaps = [30, 31, 32, 33, 34].map((d) => ours(d));
    rds.in(REGION).push(...snaps);

    const result = await handler(scheduled(NOW));

    expect(rds.ids(REGION)).toEqual(snaps.slice(0, 3).map((s) => s.DBClusterSnapshotIdentifier));
    expect(result.kept.map((k) => k.reason)).toEqual([
      'one of the newest 3',
      'one of the newest 3',
      'one of the newest 3',
    ]);
  });

  test('GIVEN the newest snapshot is still copying WHEN pruning THEN it is untouched and does not count toward the newest 3', async () => {
    const copying = ours(0, { status: 'copying' });
    const old = [30, 31, 32, 33].map((d) => ours(d));
    rds.in(REGION).push(copying, ...old);

    const result = await handler(scheduled(NOW));

    expect(rds.ids(REGION)).toEqual([copying, ...old.slice(0, 3)].map((s) => s.DBClusterSnapshotIdentifier));
    expect(result.kept).toContainEqual({
      snapshotId: copying.DBClusterSnapshotIdentifier,
      reason: 'status is copying (only available snapshots are pruned)',
    });
    expect(result.deleted).toEqual([old[3].DBClusterSnapshotIdentifier]);
  });

  test('GIVEN old creating/copying snapshots WHEN pruning THEN they are never deleted', async () => {
    rds
      .in(REGION)
      .push(ours(1), ours(2), ours(3), ours(40, { status: 'copying' }), ours(41, { status: 'creating' }));
    const result = await handler(scheduled(NOW));
    expect(result.deleted).toEqual([]);
    expect(rds.count('DeleteDBClusterSnapshot')).toBe(0);
  });

  test('GIVEN foreign snapshots (no tag, another app, another cluster name) WHEN pruning THEN they are untouched', async () => {
    const noTag = snap(REGION, 'ha-ref-us-east-1-snap-20200101-0000', { created: '2020-01-01T00:00:00Z' });
    const otherApp = ours(90, { app: 'other-app' });
    const otherCluster = ours(90, { cluster: 'someone-else' });
    rds.in(REGION).push(ours(1), ours(2), ours(3), noTag, otherApp, otherCluster);

    const result = await handler(scheduled(NOW));

    expect(result).toEqual(expect.objectContaining({ deleted: [], foreignIgnored: 3 }));
    expect(rds.ids(REGION)).toHaveLength(6);
  });

  test('GIVEN snapshots of both clusters (after a failover) WHEN pruning THEN both are pruned by the same rules', async () => {
    const oldDr = ours(30, { cluster: 'ha-ref-us-west-2' });
    const oldPrimary = ours(31);
    rds.in(REGION).push(ours(1), ours(2, { cluster: 'ha-ref-us-west-2' }), ours(3), oldDr, oldPrimary);
    const result = await handler(scheduled(NOW));
    expect([...result.deleted].sort()).toEqual(
      [oldDr, oldPrimary].map((s) => s.DBClusterSnapshotIdentifier).sort(),
    );
  });

  test('GIVEN a pruned region WHEN the same event runs again THEN nothing more is deleted (idempotent)', async () => {
    rds.in(REGION).push(...[1, 2, 3, 20, 21].map((d) => ours(d)));
    await handler(scheduled(NOW));
    const second = await handler(scheduled(NOW));
    expect(second.deleted).toEqual([]);
    expect(rds.ids(REGION)).toHaveLength(3);
  });

  test('GIVEN a snapshot vanished between list and delete WHEN pruning THEN it counts as deleted', async () => {
    const old = ours(20);
    rds.in(REGION).push(ours(1), ours(2), ours(3), old);
    rds.hooks.delete = (input) => {
      rds.in(REGION).splice(rds.ids(REGION).indexOf(String(input.DBClusterSnapshotIdentifier)), 1);
      return undefined; // the fake now reports NotFound
    };
    const result = await handler(scheduled(NOW));
    expect(result.deleted).toEqual([old.DBClusterSnapshotIdentifier]);
  });

  test('GIVEN RDS refuses a deletion because of its state WHEN pruning THEN it is kept with the reason', async () => {
    const old = ours(20);
    rds.in(REGION).push(ours(1), ours(2), ours(3), old);
    rds.hooks.delete = () => {
      throw new InvalidDBClusterSnapshotStateFault({ message: 'snapshot is being restored', $metadata: {} });
    };
    const result = await handler(scheduled(NOW));
    expect(result.kept).toContainEqual({
      snapshotId: old.DBClusterSnapshotIdentifier,
      reason: expect.stringMatching(/being restored/),
    });
  });

  test('GIVEN a prune run WHEN it logs THEN one JSON line lists deleted and kept snapshots', async () => {
    const old = ours(20);
    rds.in(REGION).push(ours(1), ours(2), ours(3), old);
    await handler(scheduled(NOW));
    const summary = logs.find((l) => l.message === 'prune finished')!;
    expect(summary.deleted).toEqual([old.DBClusterSnapshotIdentifier]);
    expect(summary.kept).toHaveLength(3);
  });

  test.each([
    ['an empty object', {}],
    ['a string', 'prune'],
    ['an RDS event', { source: 'aws.rds', 'detail-type': 'RDS DB Cluster Snapshot Event' }],
    [
      'a scheduled event with a bad time',
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: 42 },
    ],
  ])('GIVEN %s WHEN invoked THEN it throws a clear error and deletes nothing', async (_label, event) => {
    rds.in(REGION).push(ours(30), ours(31), ours(32), ours(33));
    await expect(handler(event)).rejects.toThrow(/Invalid event: .*nothing was changed/);
    expect(rds.calls).toHaveLength(0);
    expect(rds.ids(REGION)).toHaveLength(4);
  });

  test('GIVEN KEEP_NEWEST is missing WHEN invoked THEN it fails before deleting anything', async () => {
    delete process.env.KEEP_NEWEST;
    rds.in(REGION).push(ours(30), ours(31), ours(32), ours(33));
    await expect(handler(scheduled(NOW))).rejects.toThrow(/KEEP_NEWEST is not set/);
    expect(rds.count('DeleteDBClusterSnapshot')).toBe(0);
  });
});
