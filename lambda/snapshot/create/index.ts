import { CreateDBClusterSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { requireEnv } from '../../shared/env';
import { errorMessage, isAwsError, RetryLaterError } from '../../shared/errors';
import { parseScheduledEvent } from '../../shared/events';
import { createLogger } from '../../shared/logger';
import {
  MANAGED_TAG,
  snapshotIdPrefix,
  SOURCE_CLUSTER_TAG,
  SOURCE_REGION_TAG,
  TAKEN_AT_TAG,
} from '../../shared/names';
import { describeGlobalCluster, writerOf } from '../../shared/rds';

/**
 * Scheduled: takes a manual snapshot of this region's cluster while it is the Global Database
 * writer (asked of RDS at run time, so backups follow a failover). The id is the cluster plus the
 * scheduled time slot, so retries of the same event are no-ops.
 *
 * Env: APP_NAME, CLUSTER_ID, GLOBAL_CLUSTER_ID (AWS_REGION from the runtime).
 */

const rds = new RDSClient({});
const log = createLogger('snapshot-create');

export type CreateResult =
  | { readonly action: 'created' | 'exists'; readonly snapshotId: string }
  | { readonly action: 'skipped-not-writer'; readonly snapshotId: string; readonly writer: string | null };

/** Snapshot id for a time slot: <cluster>-snap-YYYYMMDD-HHMM (UTC, minute resolution, <= 63 chars). */
export function snapshotIdFor(clusterId: string, time: Date): string {
  const iso = time.toISOString(); // 2026-11-21T03:00:00.000Z
  const slot = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}`;
  return `${snapshotIdPrefix(clusterId)}${slot}`;
}

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<CreateResult> {
  log.append({ requestId: context?.awsRequestId });
  const { time } = parseScheduledEvent(event);
  const appName = requireEnv('APP_NAME');
  const clusterId = requireEnv('CLUSTER_ID');
  const globalId = requireEnv('GLOBAL_CLUSTER_ID');
  const region = requireEnv('AWS_REGION');
  const slot = new Date(Math.floor(time.getTime() / 60_000) * 60_000);
  const snapshotId = snapshotIdFor(clusterId, slot);

  const global = await describeGlobalCluster(rds, globalId);
  if (!global)
    throw new Error(
      `global cluster ${globalId} not found from ${region}; cannot tell which cluster is the writer`,
    );
  const writer = writerOf(global);
  if (!writer || writer.region !== region || writer.name !== clusterId) {
    log.info('skipped: this region is not the Global Database writer', {
      snapshotId,
      cluster: clusterId,
      writer: writer?.arn ?? null,
    });
    return { action: 'skipped-not-writer', snapshotId, writer: writer?.arn ?? null };
  }

  try {
    await rds.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: clusterId,
        DBClusterSnapshotIdentifier: snapshotId,
        Tags: [
          { Key: MANAGED_TAG, Value: appName },
          { Key: SOURCE_REGION_TAG, Value: region },
          { Key: SOURCE_CLUSTER_TAG, Value: clusterId },
          { Key: TAKEN_AT_TAG, Value: slot.toISOString() },
        ],
      }),
    );
  } catch (e) {
    if (isAwsError(e, 'DBClusterSnapshotAlreadyExists')) {
      log.info('snapshot already exists; nothing to do', { snapshotId });
      return { action: 'exists', snapshotId };
    }
    if (isAwsError(e, 'InvalidDBClusterState', 'InvalidDBClusterSnapshotState', 'Throttling')) {
      throw new RetryLaterError(
        `cluster ${clusterId} cannot be snapshotted right now (${errorMessage(e)}); will retry`,
      );
    }
    if (isAwsError(e, 'SnapshotQuotaExceeded')) {
      throw new Error(
        `manual snapshot quota reached in ${region} while creating ${snapshotId}: ${errorMessage(e)}; prune or raise the RDS quota`,
      );
    }
    throw e;
  }
  log.info('snapshot creation started', { snapshotId, cluster: clusterId });
  return { action: 'created', snapshotId };
}
