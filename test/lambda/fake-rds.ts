import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DBInstanceAlreadyExistsFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  RDSClient,
  SwitchoverGlobalClusterCommand,
  type DBClusterSnapshot,
  type GlobalCluster,
  type Tag,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { setLogSink } from '../../lambda/shared/logger';

export const ACCOUNT = '111111111111';

/** An EventBridge scheduled event at the given time. */
export function scheduled(time: string): Record<string, unknown> {
  return {
    version: '0',
    id: 'e1',
    source: 'aws.events',
    'detail-type': 'Scheduled Event',
    time,
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}

export function snapshotArn(region: string, id: string): string {
  return `arn:aws:rds:${region}:${ACCOUNT}:cluster-snapshot:${id}`;
}

export function clusterArn(region: string, id: string): string {
  return `arn:aws:rds:${region}:${ACCOUNT}:cluster:${id}`;
}

/** Builds a snapshot record as DescribeDBClusterSnapshots returns it. */
export function snap(
  region: string,
  id: string,
  opts: { status?: string; tags?: Record<string, string>; created?: string } = {},
): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: id,
    DBClusterSnapshotArn: snapshotArn(region, id),
    Status: opts.status ?? 'available',
    SnapshotType: 'manual',
    SnapshotCreateTime: opts.created ? new Date(opts.created) : undefined,
    TagList: Object.entries(opts.tags ?? {}).map(([Key, Value]): Tag => ({ Key, Value })),
  };
}

type Hook = (input: Record<string, unknown>, region: string) => unknown;

/**
 * An in-memory RDS per region behind aws-sdk-client-mock: every RDSClient instance (source,
 * destination, peer) is routed by its configured region, so tests see cross-region behaviour.
 */
export class FakeRds {
  readonly mock = mockClient(RDSClient);
  readonly snapshots = new Map<string, DBClusterSnapshot[]>();
  /** DB instances per region, with the cluster they belong to (the pilot-light scale-up adds to them). */
  readonly instances = new Map<
    string,
    { id: string; cluster: string; status: string; instanceClass: string }[]
  >();
  globalCluster: GlobalCluster | undefined;
  /** Optional per-command interceptors; return undefined to fall through to the fake. */
  readonly hooks: Partial<Record<'create' | 'copy' | 'delete' | 'switchover' | 'failover', Hook>> = {};
  readonly calls: { command: string; region: string; input: Record<string, unknown> }[] = [];

  constructor() {
    this.reset();
  }

  reset(): void {
    this.mock.reset();
    this.snapshots.clear();
    this.instances.clear();
    this.globalCluster = undefined;
    this.calls.length = 0;
    for (const k of Object.keys(this.hooks)) delete this.hooks[k as keyof FakeRds['hooks']];
    const route = (command: string, fn: (input: Record<string, unknown>, region: string) => unknown) =>
      (async (input: Record<string, unknown>, getClient: () => RDSClient) => {
        const region = await getClient().config.region();
        this.calls.push({ command, region, input });
        return fn(input, region);
      }) as never;

    this.mock.on(DescribeDBClusterSnapshotsCommand).callsFake(
      route('DescribeDBClusterSnapshots', (input, region) => {
        const list = this.in(region);
        if (input.DBClusterSnapshotIdentifier) {
          const found = list.find((s) => s.DBClusterSnapshotIdentifier === input.DBClusterSnapshotIdentifier);
          if (!found)
            throw new DBClusterSnapshotNotFoundFault({
              message: `${input.DBClusterSnapshotIdentifier as string} not found`,
              $metadata: {},
            });
          return { DBClusterSnapshots: [found] };
        }
        // Two records per page, so pagination is exercised.
        const start = input.Marker ? Number(input.Marker) : 0;
        const page = list.slice(start, start + 2);
        return { DBClusterSnapshots: page, Marker: start + 2 < list.length ? String(start + 2) : undefined };
      }),
    );
    this.mock.on(CreateDBClusterSnapshotCommand).callsFake(
      route('CreateDBClusterSnapshot', (input, region) => {
        const hooked = this.hooks.create?.(input, region);
        if (hooked !== undefined) return hooked;
        const id = String(input.DBClusterSnapshotIdentifier);
        if (this.in(region).some((s) => s.DBClusterSnapshotIdentifier === id)) {
          throw new DBClusterSnapshotAlreadyExistsFault({ message: `${id} exists`, $metadata: {} });
        }
        const created: DBClusterSnapshot = {
          ...snap(region, id, { status: 'creating' }),
          TagList: input.Tags as Tag[],
        };
        this.in(region).push(created);
        return { DBClusterSnapshot: created };
      }),
    );
    this.mock.on(CopyDBClusterSnapshotCommand).callsFake(
      route('CopyDBClusterSnapshot', (input, region) => {
        const hooked = this.hooks.copy?.(input, region);
        if (hooked !== undefined) return hooked;
        const id = String(input.TargetDBClusterSnapshotIdentifier);
        if (this.in(region).some((s) => s.DBClusterSnapshotIdentifier === id)) {
          throw new DBClusterSnapshotAlreadyExistsFault({ message: `${id} exists`, $metadata: {} });
        }
        const sourceArn = String(input.SourceDBClusterSnapshotIdentifier);
        const sourceRegion = sourceArn.split(':')[3];
        const source = this.in(sourceRegion).find((s) => s.DBClusterSnapshotArn === sourceArn);
        if (!source)
          throw new DBClusterSnapshotNotFoundFault({ message: `${sourceArn} not found`, $metadata: {} });
        const copy: DBClusterSnapshot = {
          ...snap(region, id, { status: 'copying' }),
          TagList: input.CopyTags ? source.TagList : [],
        };
        this.in(region).push(copy);
        return { DBClusterSnapshot: copy };
      }),
    );
    this.mock.on(DeleteDBClusterSnapshotCommand).callsFake(
      route('DeleteDBClusterSnapshot', (input, region) => {
        const hooked = this.hooks.delete?.(input, region);
        if (hooked !== undefined) return hooked;
        const list = this.in(region);
        const i = list.findIndex((s) => s.DBClusterSnapshotIdentifier === input.DBClusterSnapshotIdentifier);
        if (i < 0) throw new DBClusterSnapshotNotFoundFault({ message: 'not found', $metadata: {} });
        const [removed] = list.splice(i, 1);
        return { DBClusterSnapshot: removed };
      }),
    );
    const instancesIn = (region: string) => {
      if (!this.instances.has(region)) this.instances.set(region, []);
      return this.instances.get(region)!;
    };
    this.mock.on(DescribeDBInstancesCommand).callsFake(
      route('DescribeDBInstances', (input, region) => {
        const filters = (input.Filters ?? []) as { Name: string; Values: string[] }[];
        const cluster = filters.find((f) => f.Name === 'db-cluster-id')?.Values[0];
        const list = instancesIn(region).filter((i) => cluster === undefined || i.cluster === cluster);
        // One record per page, so pagination is exercised.
        const start = input.Marker ? Number(input.Marker) : 0;
        return {
          DBInstances: list.slice(start, start + 1).map((i) => ({
            DBInstanceIdentifier: i.id,
            DBInstanceStatus: i.status,
            DBClusterIdentifier: i.cluster,
          })),
          Marker: start + 1 < list.length ? String(start + 1) : undefined,
        };
      }),
    );
    this.mock.on(CreateDBInstanceCommand).callsFake(
      route('CreateDBInstance', (input, region) => {
        const id = String(input.DBInstanceIdentifier);
        if (instancesIn(region).some((i) => i.id === id))
          throw new DBInstanceAlreadyExistsFault({ message: `${id} exists`, $metadata: {} });
        instancesIn(region).push({
          id,
          cluster: String(input.DBClusterIdentifier),
          status: 'creating',
          instanceClass: String(input.DBInstanceClass),
        });
        return { DBInstance: { DBInstanceIdentifier: id } };
      }),
    );
    this.mock.on(DescribeGlobalClustersCommand).callsFake(
      route('DescribeGlobalClusters', (input) => {
        if (
          !this.globalCluster ||
          this.globalCluster.GlobalClusterIdentifier !== input.GlobalClusterIdentifier
        ) {
          throw new GlobalClusterNotFoundFault({
            message: `${String(input.GlobalClusterIdentifier)} not found`,
            $metadata: {},
          });
        }
        return { GlobalClusters: [structuredClone(this.globalCluster)] };
      }),
    );
    const promote = (kind: 'switchover' | 'failover') => (input: Record<string, unknown>, region: string) => {
      const hooked = this.hooks[kind]?.(input, region);
      if (hooked !== undefined) return hooked;
      const g = this.globalCluster!;
      const from = g.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
      g.Status = kind === 'switchover' ? 'switching-over' : 'failing-over';
      g.FailoverState = {
        Status: 'pending',
        FromDbClusterArn: from,
        ToDbClusterArn: String(input.TargetDbClusterIdentifier),
        IsDataLossAllowed: kind === 'failover',
      };
      return { GlobalCluster: g };
    };
    this.mock
      .on(SwitchoverGlobalClusterCommand)
      .callsFake(route('SwitchoverGlobalCluster', promote('switchover')));
    this.mock.on(FailoverGlobalClusterCommand).callsFake(route('FailoverGlobalCluster', promote('failover')));
  }

  in(region: string): DBClusterSnapshot[] {
    let list = this.snapshots.get(region);
    if (!list) {
      list = [];
      this.snapshots.set(region, list);
    }
    return list;
  }

  ids(region: string): string[] {
    return this.in(region).map((s) => s.DBClusterSnapshotIdentifier!);
  }

  /** A healthy two-member global cluster whose writer is in `writerRegion`. */
  setGlobal(id: string, members: { region: string; cluster: string }[], writerRegion: string): void {
    this.globalCluster = {
      GlobalClusterIdentifier: id,
      Status: 'available',
      GlobalClusterMembers: members.map((m) => ({
        DBClusterArn: clusterArn(m.region, m.cluster),
        IsWriter: m.region === writerRegion,
        SynchronizationStatus: m.region === writerRegion ? undefined : 'connected',
      })),
    };
  }

  count(command: string): number {
    return this.calls.filter((c) => c.command === command).length;
  }
}

/** Captures the JSON log lines the handlers write. */
export function captureLogs(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return lines;
}
