import { KMSKeyNotAccessibleFault, SnapshotQuotaExceededFault } from '@aws-sdk/client-rds';
import { handler } from '../../../lambda/snapshot/copy/index';
import { MANAGED_TAG, SOURCE_REGION_TAG, TAKEN_AT_TAG } from '../../../lambda/shared/names';
import { captureLogs, FakeRds, scheduled, snap, snapshotArn } from '../fake-rds';

const SRC = 'us-east-1';
const DST = 'us-west-2';
const ID = 'ha-ref-us-east-1-snap-20261121-0300';
const OURS = {
  [MANAGED_TAG]: 'ha-ref',
  [SOURCE_REGION_TAG]: SRC,
  [TAKEN_AT_TAG]: '2026-11-21T03:00:00.000Z',
};
const rds = new FakeRds();

function created(id: string, arn = snapshotArn(SRC, id)): Record<string, unknown> {
  return {
    source: 'aws.rds',
    'detail-type': 'RDS DB Cluster Snapshot Event',
    resources: [arn],
    detail: {
      EventID: 'RDS-EVENT-0075',
      SourceArn: arn,
      SourceIdentifier: id,
      SourceType: 'CLUSTER_SNAPSHOT',
    },
  };
}

beforeAll(() => {
  process.env.AWS_REGION = SRC;
});

beforeEach(() => {
  rds.reset();
  captureLogs();
  Object.assign(process.env, {
    APP_NAME: 'ha-ref',
    CLUSTER_ID: 'ha-ref-us-east-1',
    DESTINATION_REGION: DST,
    DESTINATION_KMS_KEY: 'alias/ha-ref/snapshot-copies',
    RETENTION_DAYS: '14',
    COPY_ATTEMPTS: '3',
    COPY_BACKOFF_BASE_MS: '1',
  });
  jest.useRealTimers();
});

describe('snapshot copy (event)', () => {
  test('GIVEN our snapshot is available WHEN its created event arrives THEN it is copied by a destination-region client under the destination alias with tags', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS }));

    const result = await handler(created(ID));

    expect(result).toEqual({ mode: 'event', report: { snapshotId: ID, outcome: 'copy-started' } });
    const copy = rds.calls.find((c) => c.command === 'CopyDBClusterSnapshot')!;
    expect(copy.region).toBe(DST);
    expect(copy.input).toEqual(
      expect.objectContaining({
        SourceDBClusterSnapshotIdentifier: snapshotArn(SRC, ID),
        TargetDBClusterSnapshotIdentifier: ID,
        KmsKeyId: 'alias/ha-ref/snapshot-copies',
        CopyTags: true,
      }),
    );
    expect(rds.in(DST)[0].TagList).toEqual(rds.in(SRC)[0].TagList);
  });

  test('GIVEN the copy already exists WHEN the event is redelivered THEN nothing is copied again', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS }));
    await handler(created(ID));
    const second = await handler(created(ID));

    expect(second).toEqual({
      mode: 'event',
      report: { snapshotId: ID, outcome: 'copy-exists', detail: 'copying' },
    });
    expect(rds.count('CopyDBClusterSnapshot')).toBe(1);
  });

  test('GIVEN a concurrent run created the copy first WHEN RDS says it already exists THEN it is a no-op', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS }));
    rds.hooks.copy = (_input, region) => {
      rds.in(region).push(snap(region, ID, { status: 'copying' }));
      return undefined; // fall through: the fake now reports AlreadyExists
    };
    const result = await handler(created(ID));
    expect(result).toEqual({ mode: 'event', report: { snapshotId: ID, outcome: 'copy-exists' } });
  });

  test('GIVEN the snapshot is still creating WHEN the event arrives early THEN it fails with RetryLaterError and copies nothing', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS, status: 'creating' }));
    await expect(handler(created(ID))).rejects.toMatchObject({
      name: 'RetryLaterError',
      message: expect.stringMatching(/still creating/),
    });
    expect(rds.count('CopyDBClusterSnapshot')).toBe(0);
  });

  test('GIVEN the destination has 5 copies in flight WHEN copying THEN it backs off, retries, and succeeds once a slot frees', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS }));
    let refusals = 2;
    rds.hooks.copy = () => {
      if (refusals-- > 0) {
        throw new SnapshotQuotaExceededFault({
          message: 'Cannot copy more than 5 snapshots across regions',
          $metadata: {},
        });
      }
      return undefined;
    };
    const result = await handler(created(ID));
    expect(result).toEqual({ mode: 'event', report: { snapshotId: ID, outcome: 'copy-started' } });
    expect(rds.count('CopyDBClusterSnapshot')).toBe(3);
  });

  test('GIVEN the copy limit persists WHEN attempts run out THEN RetryLaterError names the concurrent-copy limit', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS }));
    rds.hooks.copy = () => {
      throw new SnapshotQuotaExceededFault({
        message: 'Cannot copy more than 5 snapshots across regions',
        $metadata: {},
      });
    };
    await expect(handler(created(ID))).rejects.toMatchObject({
      name: 'RetryLaterError',
      message: expect.stringMatching(
        /concurrent cross-region copies.*after 3 attempts|after 3 attempts.*concurrent cross-region copies/,
      ),
    });
    expect(rds.count('CopyDBClusterSnapshot')).toBe(3);
  });

  test('GIVEN the destination alias is missing WHEN copying THEN it fails at once naming key and region', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS }));
    rds.hooks.copy = () => {
      throw new KMSKeyNotAccessibleFault({ message: 'The specified KMS key does not exist', $metadata: {} });
    };
    await expect(handler(created(ID))).rejects.toThrow(
      /KMS key alias\/ha-ref\/snapshot-copies in us-west-2 is missing or unusable: The specified KMS key does not exist/,
    );
    expect(rds.count('CopyDBClusterSnapshot')).toBe(1); // not retried: retrying cannot fix a key
  });

  test('GIVEN a disabled key reported as InvalidParameterValue WHEN copying THEN it is also a KmsKeyError', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: OURS }));
    rds.hooks.copy = () => {
      throw Object.assign(new Error('KMS key arn:... is disabled'), { name: 'InvalidParameterValue' });
    };
    await expect(handler(created(ID))).rejects.toMatchObject({ name: 'KmsKeyError', region: DST });
  });

  test('GIVEN a snapshot of another cluster WHEN its event arrives THEN it is ignored without RDS calls', async () => {
    const result = await handler(created('someone-elses-snapshot'));
    expect(result).toEqual({
      mode: 'event',
      report: { snapshotId: 'someone-elses-snapshot', outcome: 'ignored-not-ours' },
    });
    expect(rds.calls).toHaveLength(0);
  });

  test('GIVEN a snapshot with our name but not our tag WHEN its event arrives THEN it is not copied', async () => {
    rds.in(SRC).push(snap(SRC, ID, { tags: { [MANAGED_TAG]: 'other-app' } }));
    const result = await handler(created(ID));
    expect(result).toEqual({ mode: 'event', report: { snapshotId: ID, outcome: 'ignored-not-ours' } });
    expect(rds.count('CopyDBClusterSnapshot')).toBe(0);
  });

  test('GIVEN the copy arriving in the DR region (a copy, not ours to copy back) WHEN an event names another region THEN it is refused', async () => {
    await expect(handler(created(ID, snapshotArn(DST, ID)))).rejects.toMatchObject({
      name: 'InvalidEventError',
    });
    expect(rds.calls).toHaveLength(0);
  });

  test.each([
    ['null', null],
    ['an unrelated event', { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' }],
    ['an RDS event without detail', { source: 'aws.rds', 'detail-type': 'RDS DB Cluster Snapshot Event' }],
    [
      'an RDS event naming an instance snapshot',
      {
        ...created(ID),
        resources: ['arn:aws:rds:us-east-1:111111111111:snapshot:x'],
        detail: { EventID: 'RDS-EVENT-0042' },
      },
    ],
  ])(
    'GIVEN %s WHEN invoked THEN it refuses with InvalidEventError and calls nothing',
    async (_label, event) => {
      await expect(handler(event)).rejects.toMatchObject({ name: 'InvalidEventError' });
      expect(rds.calls).toHaveLength(0);
    },
  );
});

describe('snapshot copy (hourly sweep)', () => {
  const now = new Date('2026-11-21T12:00:00Z');
  const at = (iso: string) => ({ ...OURS, [TAKEN_AT_TAG]: iso });

  beforeEach(() => {
    jest.useFakeTimers({ now, doNotFake: ['setTimeout', 'setImmediate', 'nextTick'] });
  });

  test('GIVEN two uncopied snapshots, one copied, one expired and one foreign WHEN the sweep runs THEN only the missing ones within retention are copied, newest first', async () => {
    rds
      .in(SRC)
      .push(
        snap(SRC, 'ha-ref-us-east-1-snap-20261121-0300', { tags: at('2026-11-21T03:00:00Z') }),
        snap(SRC, 'ha-ref-us-east-1-snap-20261120-0300', { tags: at('2026-11-20T03:00:00Z') }),
        snap(SRC, 'ha-ref-us-east-1-snap-20261119-0300', { tags: at('2026-11-19T03:00:00Z') }),
        snap(SRC, 'ha-ref-us-east-1-snap-20261101-0300', { tags: at('2026-11-01T03:00:00Z') }),
        snap(SRC, 'manual-by-a-human', { tags: {} }),
      );
    rds.in(DST).push(snap(DST, 'ha-ref-us-east-1-snap-20261119-0300', { tags: at('2026-11-19T03:00:00Z') }));

    const result = await handler(scheduled('2026-11-21T12:00:00Z'));

    expect(result).toEqual({
      mode: 'sweep',
      reports: [
        { snapshotId: 'ha-ref-us-east-1-snap-20261121-0300', outcome: 'copy-started' },
        { snapshotId: 'ha-ref-us-east-1-snap-20261120-0300', outcome: 'copy-started' },
        { snapshotId: 'ha-ref-us-east-1-snap-20261119-0300', outcome: 'copy-exists', detail: 'available' },
      ],
    });
    expect(rds.ids(DST)).not.toContain('ha-ref-us-east-1-snap-20261101-0300');
    expect(rds.ids(DST)).not.toContain('manual-by-a-human');
  });

  test('GIVEN the copy limit is hit WHEN sweeping THEN the rest is deferred to the next sweep without failing', async () => {
    rds
      .in(SRC)
      .push(
        snap(SRC, 'ha-ref-us-east-1-snap-20261121-0300', { tags: at('2026-11-21T03:00:00Z') }),
        snap(SRC, 'ha-ref-us-east-1-snap-20261120-0300', { tags: at('2026-11-20T03:00:00Z') }),
      );
    rds.hooks.copy = () => {
      throw new SnapshotQuotaExceededFault({
        message: 'Cannot copy more than 5 snapshots across regions',
        $metadata: {},
      });
    };
    const result = await handler(scheduled('2026-11-21T12:00:00Z'));
    expect(result.mode === 'sweep' && result.reports.map((r) => r.outcome)).toEqual(['deferred']);
  });

  test('GIVEN the KMS key is unusable WHEN sweeping THEN the sweep stops and fails loudly', async () => {
    rds
      .in(SRC)
      .push(
        snap(SRC, 'ha-ref-us-east-1-snap-20261121-0300', { tags: at('2026-11-21T03:00:00Z') }),
        snap(SRC, 'ha-ref-us-east-1-snap-20261120-0300', { tags: at('2026-11-20T03:00:00Z') }),
      );
    rds.hooks.copy = () => {
      throw new KMSKeyNotAccessibleFault({ message: 'key pending deletion', $metadata: {} });
    };
    await expect(handler(scheduled('2026-11-21T12:00:00Z'))).rejects.toMatchObject({ name: 'KmsKeyError' });
    expect(rds.count('CopyDBClusterSnapshot')).toBe(1);
  });
});
