import { CopyDBClusterSnapshotCommand, RDSClient, type DBClusterSnapshot } from '@aws-sdk/client-rds';
import { intEnv, requireEnv, requireIntEnv } from '../../shared/env';
import {
  errorMessage,
  InvalidEventError,
  isAwsError,
  KmsKeyError,
  RetryLaterError,
} from '../../shared/errors';
import { parseClusterSnapshotEvent, parseScheduledEvent } from '../../shared/events';
import { createLogger } from '../../shared/logger';
import { snapshotIdPrefix } from '../../shared/names';
import {
  findClusterSnapshot,
  isOurs,
  listManualClusterSnapshots,
  parseRdsArn,
  rdsIn,
  takenAt,
} from '../../shared/rds';
import { withBackoff } from '../../shared/retry';

/**
 * Copies our snapshots of this region's cluster to the other region under that region's
 * snapshot key. Two triggers, one idempotent code path:
 *  - the RDS event "manual DB cluster snapshot created" (RDS-EVENT-0075): copy that snapshot now;
 *  - an hourly scheduled sweep: copy any of our available snapshots (within retention) that has
 *    no copy yet, which re-drives anything a failed or lost event left behind.
 * The copy request goes to a client in the DESTINATION region with the source snapshot's ARN; from
 * that ARN the SDK's RDS middleware derives the source region and signs the pre-signed URL that
 * encrypted cross-region copies require (v3 has no SourceRegion input for this command).
 *
 * Env: APP_NAME, CLUSTER_ID, DESTINATION_REGION, DESTINATION_KMS_KEY (alias/...), RETENTION_DAYS,
 *      COPY_ATTEMPTS (default 4), COPY_BACKOFF_BASE_MS (default 2000).
 */

const source = new RDSClient({});
const log = createLogger('snapshot-copy');

interface Settings {
  readonly appName: string;
  readonly clusterId: string;
  readonly sourceRegion: string;
  readonly destRegion: string;
  readonly destKey: string;
  readonly retentionDays: number;
  readonly attempts: number;
  readonly backoffBaseMs: number;
}

function settings(): Settings {
  return {
    appName: requireEnv('APP_NAME'),
    clusterId: requireEnv('CLUSTER_ID'),
    sourceRegion: requireEnv('AWS_REGION'),
    destRegion: requireEnv('DESTINATION_REGION'),
    destKey: requireEnv('DESTINATION_KMS_KEY'),
    retentionDays: requireIntEnv('RETENTION_DAYS', 1),
    attempts: intEnv('COPY_ATTEMPTS', 4),
    backoffBaseMs: intEnv('COPY_BACKOFF_BASE_MS', 2000),
  };
}

export type CopyOutcome = 'copy-started' | 'copy-exists' | 'ignored-not-ours' | 'deferred';

export interface CopyReport {
  readonly snapshotId: string;
  readonly outcome: CopyOutcome;
  readonly detail?: string;
}

export type CopyResult =
  | { readonly mode: 'event'; readonly report: CopyReport }
  | { readonly mode: 'sweep'; readonly reports: readonly CopyReport[] };

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<CopyResult> {
  log.append({ requestId: context?.awsRequestId });
  const detailType =
    typeof event === 'object' && event !== null
      ? (event as Record<string, unknown>)['detail-type']
      : undefined;
  if (detailType === 'Scheduled Event') {
    parseScheduledEvent(event);
    return { mode: 'sweep', reports: await sweep(settings()) };
  }
  const parsed = parseClusterSnapshotEvent(event);
  const s = settings();
  const arn = parseRdsArn(parsed.snapshotArn)!;
  if (arn.region !== s.sourceRegion) {
    throw new InvalidEventError(
      `snapshot ${parsed.snapshotArn} is not in this function's region ${s.sourceRegion}`,
    );
  }
  if (!arn.name.startsWith(snapshotIdPrefix(s.clusterId))) {
    log.info("ignored: not a snapshot of this region's cluster taken by us", {
      snapshotArn: parsed.snapshotArn,
    });
    return { mode: 'event', report: { snapshotId: arn.name, outcome: 'ignored-not-ours' } };
  }
  const snapshot = await findClusterSnapshot(source, arn.name);
  if (!snapshot)
    throw new Error(`source snapshot ${arn.name} no longer exists in ${s.sourceRegion}; nothing to copy`);
  if (!isOurs(snapshot, s.appName)) {
    log.info('ignored: snapshot lacks our tag', { snapshotId: arn.name });
    return { mode: 'event', report: { snapshotId: arn.name, outcome: 'ignored-not-ours' } };
  }
  return { mode: 'event', report: await copyOne(s, snapshot) };
}

/** Copies our available snapshots of this cluster, taken within retention, that have no copy yet. */
async function sweep(s: Settings): Promise<CopyReport[]> {
  const horizon = Date.now() - s.retentionDays * 86_400_000;
  const candidates = (await listManualClusterSnapshots(source))
    .filter((snap) => isOurs(snap, s.appName))
    .filter((snap) => snap.DBClusterSnapshotIdentifier?.startsWith(snapshotIdPrefix(s.clusterId)))
    .filter((snap) => snap.Status === 'available' && (takenAt(snap)?.getTime() ?? 0) > horizon)
    .sort((a, b) => (takenAt(b)?.getTime() ?? 0) - (takenAt(a)?.getTime() ?? 0));
  const reports: CopyReport[] = [];
  const failures: string[] = [];
  for (const snap of candidates) {
    try {
      reports.push(await copyOne(s, snap));
    } catch (e) {
      if (e instanceof KmsKeyError) throw e; // every copy would fail the same way: stop loudly
      if (e instanceof RetryLaterError) {
        // The per-destination copy limit is reached: the rest waits for the next sweep.
        reports.push({
          snapshotId: snap.DBClusterSnapshotIdentifier!,
          outcome: 'deferred',
          detail: e.message,
        });
        break;
      }
      failures.push(`${snap.DBClusterSnapshotIdentifier}: ${errorMessage(e)}`);
    }
  }
  log.info('sweep finished', { candidates: candidates.length, reports, failures });
  if (failures.length > 0)
    throw new Error(`sweep could not copy ${failures.length} snapshot(s): ${failures.join('; ')}`);
  return reports;
}

async function copyOne(s: Settings, snapshot: DBClusterSnapshot): Promise<CopyReport> {
  const id = snapshot.DBClusterSnapshotIdentifier!;
  const sourceArn = snapshot.DBClusterSnapshotArn!;
  if (snapshot.Status !== 'available') {
    if (snapshot.Status === 'creating') {
      throw new RetryLaterError(
        `snapshot ${id} is still ${snapshot.Status} (${snapshot.PercentProgress ?? 0}%); retry later`,
      );
    }
    throw new Error(`snapshot ${id} is ${snapshot.Status}; only available snapshots can be copied`);
  }
  const dest = rdsIn(s.destRegion);
  const existing = await findClusterSnapshot(dest, id);
  if (existing) {
    log.info('copy already exists; nothing to do', {
      snapshotId: id,
      destRegion: s.destRegion,
      status: existing.Status,
    });
    return { snapshotId: id, outcome: 'copy-exists', detail: existing.Status };
  }
  try {
    await withBackoff(
      () =>
        dest.send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: sourceArn,
            TargetDBClusterSnapshotIdentifier: id,
            KmsKeyId: s.destKey,
            CopyTags: true,
            // No SourceRegion field in SDK v3: its RDS middleware sees a source ARN from another
            // region than this (destination) client and signs the PreSignedUrl itself.
          }),
        ),
      {
        attempts: s.attempts,
        baseMs: s.backoffBaseMs,
        maxMs: 20_000,
        retryable: (e) => isAwsError(e, 'SnapshotQuotaExceeded', 'Throttling', 'ThrottlingException'),
        onRetry: (e, attempt, delayMs) =>
          log.warn('copy refused for now; backing off', {
            snapshotId: id,
            attempt,
            delayMs,
            error: errorMessage(e),
          }),
      },
    );
  } catch (e) {
    if (isAwsError(e, 'DBClusterSnapshotAlreadyExists')) {
      log.info('copy already exists (raced); nothing to do', { snapshotId: id, destRegion: s.destRegion });
      return { snapshotId: id, outcome: 'copy-exists' };
    }
    if (
      isAwsError(e, 'KMSKeyNotAccessible') ||
      (isAwsError(e, 'InvalidParameterValue', 'InvalidParameterCombination') &&
        /kms|key/i.test(errorMessage(e)))
    ) {
      const err = new KmsKeyError(s.destKey, s.destRegion, errorMessage(e));
      log.error('copy failed: KMS key unusable', { snapshotId: id, error: err });
      throw err;
    }
    if (isAwsError(e, 'SnapshotQuotaExceeded', 'Throttling', 'ThrottlingException')) {
      const limit = /cop/i.test(errorMessage(e))
        ? 'the limit of concurrent cross-region copies to this destination (5 per account)'
        : 'the manual snapshot quota';
      throw new RetryLaterError(
        `copy of ${id} to ${s.destRegion} still refused after ${s.attempts} attempts: ${limit} (${errorMessage(e)}); retry later`,
      );
    }
    throw e;
  }
  log.info('copy started', {
    snapshotId: id,
    sourceRegion: s.sourceRegion,
    destRegion: s.destRegion,
    kmsKey: s.destKey,
  });
  return { snapshotId: id, outcome: 'copy-started' };
}
