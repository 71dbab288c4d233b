import {
  DescribeDBClusterSnapshotsCommand,
  DescribeGlobalClustersCommand,
  RDSClient,
  type DBClusterSnapshot,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { isAwsError } from './errors';
import { MANAGED_TAG, TAKEN_AT_TAG } from './names';

/** Region, account and resource name of an RDS ARN (cluster or cluster-snapshot). */
export interface RdsArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly type: string;
  readonly name: string;
}

const clients = new Map<string, RDSClient>();

/** One RDS client per region, created once per container and reused across invocations. */
export function rdsIn(region: string): RDSClient {
  let client = clients.get(region);
  if (!client) {
    client = new RDSClient({ region });
    clients.set(region, client);
  }
  return client;
}

export function parseRdsArn(arn: string): RdsArn | undefined {
  const m = /^arn:(aws[a-z-]*):rds:([a-z0-9-]*):(\d{12}):([a-z-]+):(.+)$/.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], type: m[4], name: m[5] } : undefined;
}

export function tagValue(snapshot: DBClusterSnapshot, key: string): string | undefined {
  return snapshot.TagList?.find((t) => t.Key === key)?.Value;
}

/** True when the snapshot carries our tag with this app's name. */
export function isOurs(snapshot: DBClusterSnapshot, appName: string): boolean {
  return tagValue(snapshot, MANAGED_TAG) === appName;
}

/** When the data in the snapshot was taken: our tag first (kept by copies), else SnapshotCreateTime. */
export function takenAt(snapshot: DBClusterSnapshot): Date | undefined {
  const tagged = tagValue(snapshot, TAKEN_AT_TAG);
  const fromTag = tagged ? new Date(tagged) : undefined;
  if (fromTag && !Number.isNaN(fromTag.getTime())) return fromTag;
  return snapshot.SnapshotCreateTime;
}

/** One snapshot by id, or undefined when it does not exist. */
export async function findClusterSnapshot(
  client: RDSClient,
  id: string,
): Promise<DBClusterSnapshot | undefined> {
  try {
    const out = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
    return out.DBClusterSnapshots?.[0];
  } catch (e) {
    if (isAwsError(e, 'DBClusterSnapshotNotFound')) return undefined;
    throw e;
  }
}

/** Every manual cluster snapshot in the client's region (all pages). */
export async function listManualClusterSnapshots(client: RDSClient): Promise<DBClusterSnapshot[]> {
  const all: DBClusterSnapshot[] = [];
  let marker: string | undefined;
  do {
    const out = await client.send(
      new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual', Marker: marker, MaxRecords: 100 }),
    );
    all.push(...(out.DBClusterSnapshots ?? []));
    marker = out.Marker;
  } while (marker);
  return all;
}

/** The global cluster, or undefined when RDS does not know it. */
export async function describeGlobalCluster(
  client: RDSClient,
  id: string,
): Promise<GlobalCluster | undefined> {
  try {
    const out = await client.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id }));
    return out.GlobalClusters?.[0];
  } catch (e) {
    if (isAwsError(e, 'GlobalClusterNotFound')) return undefined;
    throw e;
  }
}

/** The writer member's ARN, parsed; undefined while no member is the writer. */
export function writerOf(global: GlobalCluster): (RdsArn & { arn: string }) | undefined {
  const arn = global.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
  const parsed = arn ? parseRdsArn(arn) : undefined;
  return arn && parsed ? { ...parsed, arn } : undefined;
}
