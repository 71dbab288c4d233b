import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { requireEnv } from '../../shared/env';
import { parseScheduledEvent } from '../../shared/events';
import { createLogger } from '../../shared/logger';
import { APP_DIMENSION, METRIC_NAMESPACE, SNAPSHOT_AGE_METRIC, SOURCE_REGION_TAG } from '../../shared/names';
import {
  describeGlobalCluster,
  rdsIn,
  isOurs,
  listManualClusterSnapshots,
  tagValue,
  takenAt,
  writerOf,
} from '../../shared/rds';

/**
 * Scheduled RPO check, in each region: finds the newest available copy of ours in the region that
 * is NOT the Global Database writer (the DR copies) and publishes its age as SnapshotAgeSeconds.
 * No copy found, or the check failing, publishes nothing: the alarm treats missing data as
 * breaching, so "no fresh DR copy" and "cannot tell" both alarm.
 *
 * Env: APP_NAME, GLOBAL_CLUSTER_ID, PEER_REGION, THRESHOLD_SECONDS (for the log only).
 */

const rds = new RDSClient({});
const cloudwatch = new CloudWatchClient({});
const log = createLogger('snapshot-freshness');

export type FreshnessResult =
  | { readonly found: false; readonly drRegion: string }
  | {
      readonly found: true;
      readonly drRegion: string;
      readonly snapshotId: string;
      readonly ageSeconds: number;
      readonly stale: boolean;
    };

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<FreshnessResult> {
  log.append({ requestId: context?.awsRequestId });
  parseScheduledEvent(event);
  const appName = requireEnv('APP_NAME');
  const globalId = requireEnv('GLOBAL_CLUSTER_ID');
  const region = requireEnv('AWS_REGION');
  const peerRegion = requireEnv('PEER_REGION');
  const threshold = Number(process.env.THRESHOLD_SECONDS ?? 'NaN');

  const global = await describeGlobalCluster(rds, globalId);
  if (!global) throw new Error(`global cluster ${globalId} not found from ${region}`);
  const writer = writerOf(global);
  if (!writer) throw new Error(`global cluster ${globalId} has no writer right now (failover in progress?)`);
  if (writer.region !== region && writer.region !== peerRegion) {
    throw new Error(`writer ${writer.arn} is in neither ${region} nor ${peerRegion}`);
  }
  const drRegion = writer.region === region ? peerRegion : region;

  const copies = (await listManualClusterSnapshots(drRegion === region ? rds : rdsIn(drRegion)))
    .filter((s) => isOurs(s, appName) && s.Status === 'available')
    .filter((s) => tagValue(s, SOURCE_REGION_TAG) !== drRegion) // copies, not originals taken there
    .filter((s) => takenAt(s));
  if (copies.length === 0) {
    log.warn('no available DR copy found; publishing nothing so the freshness alarm fires', { drRegion });
    return { found: false, drRegion };
  }
  const newest = copies.reduce((a, b) => (takenAt(a)!.getTime() >= takenAt(b)!.getTime() ? a : b));
  const ageSeconds = Math.max(0, Math.round((Date.now() - takenAt(newest)!.getTime()) / 1000));
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: METRIC_NAMESPACE,
      MetricData: [
        {
          MetricName: SNAPSHOT_AGE_METRIC,
          Dimensions: [{ Name: APP_DIMENSION, Value: appName }],
          Value: ageSeconds,
          Unit: 'Seconds',
        },
      ],
    }),
  );
  const stale = Number.isFinite(threshold) && ageSeconds > threshold;
  log[stale ? 'warn' : 'info']('newest DR copy measured', {
    drRegion,
    snapshotId: newest.DBClusterSnapshotIdentifier,
    ageSeconds,
    thresholdSeconds: threshold,
    stale,
  });
  return { found: true, drRegion, snapshotId: newest.DBClusterSnapshotIdentifier!, ageSeconds, stale };
}
