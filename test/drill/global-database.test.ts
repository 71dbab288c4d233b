import { LocalGlobalDatabase, type MemberInfo } from '../../drill/region/global-database';
import type { PgNode } from '../../drill/topology/postgres';

/** A node whose replication-status query runs `during` before answering "no WAL receiver". */
const nodeAnswering = (during: () => void): PgNode =>
  ({
    sql: async () => {
      during();
      return [];
    },
  }) as unknown as PgNode;

describe('Global Database stand-in: DescribeGlobalClusters', () => {
  test('GIVEN a switchover in flight WHEN it completes while the replicas are asked THEN the answer is the state from before, not the old writer with an "available" status', async () => {
    const members: Record<'primary' | 'dr', MemberInfo> = {
      primary: {
        region: 'us-east-1',
        clusterArn: 'arn:aws:rds:us-east-1:111111111111:cluster:p',
        node: nodeAnswering(() => {
          // The switchover finishes exactly now: primary promoted, cluster available again.
          gdb.writer = 'primary';
          gdb['status'] = 'available';
          gdb['failoverState'] = undefined;
        }),
      },
      dr: {
        region: 'us-west-2',
        clusterArn: 'arn:aws:rds:us-west-2:111111111111:cluster:d',
        node: nodeAnswering(() => undefined),
      },
    };
    const gdb = new LocalGlobalDatabase(
      'g',
      members,
      () => 0,
      () => undefined,
    );
    gdb.writer = 'dr';
    gdb['status'] = 'switching-over';
    gdb['failoverState'] = { Status: 'pending', ToDbClusterArn: members.primary.clusterArn };

    const described = await gdb.api('primary').describe('g');

    expect(described?.Status).toBe('switching-over');
    expect(described?.FailoverState?.ToDbClusterArn).toBe(members.primary.clusterArn);
    expect(described?.GlobalClusterMembers?.map((m) => m.IsWriter)).toEqual([false, true]);
    // And a later call sees the completed switchover.
    const after = await gdb.api('primary').describe('g');
    expect(after?.Status).toBe('available');
    expect(after?.GlobalClusterMembers?.map((m) => m.IsWriter)).toEqual([true, false]);
  });
});
