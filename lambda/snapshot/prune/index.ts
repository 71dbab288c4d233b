import { DeleteDBClusterSnapshotCommand, RDSClient, type DBClusterSnapshot } from '@aws-sdk/client-rds';
import { requireEnv, requireIntEnv } from '../../shared/env';
import { errorMessage, isAwsError } from '../../shared/errors';
import { parseScheduledEvent } from '../../shared/events';
import { createLogger } from '../../shared/logger';
import { snapshotIdPrefix } from '../../shared/names';
import { isOurs, listManualClusterSnapshots, takenAt } from '../../shared/rds';

/**
 * Scheduled, in each region: deletes our snapshots (our tag AND an id of one of our two clusters)
 * older than the copy retention, never the newest N available ones, never one that is not
 * `available` (creating, copying, ...). Logs what it deleted and what it kept, and why.
 *
 * Env: APP_NAME, CLUSTER_IDS (comma-separated: both clusters of the pair), RETENTION_DAYS, KEEP_NEWEST.
 */

const rds = new RDSClient({});
const log = createLogger('snapshot-prune');

export interface Kept {
  readonly snapshotId: string;
  readonly reason: string;
}

export interface PruneResult {
  readonly deleted: readonly string[];
  readonly kept: readonly Kept[];
  readonly foreignIgnored: number;
}

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<PruneResult> {
  log.append({ requestId: context?.awsRequestId });
  const { time } = parseScheduledEvent(event);
  const appName = requireEnv('APP_NAME');
  const prefixes = requireEnv('CLUSTER_IDS')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
    .map(snapshotIdPrefix);
  const retentionDays = requireIntEnv('RETENTION_DAYS', 1);
  const keepNewest = requireIntEnv('KEEP_NEWEST', 1);
  // Measured from the scheduled time, so a retried event makes the same decisions.
  const now = time.getTime();
  const retentionMs = retentionDays * 86_400_000;

  const all = await listManualClusterSnapshots(rds);
  const ours = all.filter(
    (s) => isOurs(s, appName) && prefixes.some((p) => s.DBClusterSnapshotIdentifier?.startsWith(p)),
  );
  const foreignIgnored = all.length - ours.length;
  const newestFirst = [...ours].sort((a, b) => (takenAt(b)?.getTime() ?? 0) - (takenAt(a)?.getTime() ?? 0));
  const protectedIds = new Set(
    newestFirst
      .filter((s) => s.Status === 'available' && takenAt(s))
      .slice(0, keepNewest)
      .map((s) => s.DBClusterSnapshotIdentifier),
  );

  const deleted: string[] = [];
  const kept: Kept[] = [];
  const failures: string[] = [];
  for (const snap of newestFirst) {
    const id = snap.DBClusterSnapshotIdentifier!;
    const reason = keepReason(snap, protectedIds, now, retentionMs, keepNewest);
    if (reason) {
      kept.push({ snapshotId: id, reason });
      continue;
    }
    try {
      await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
      deleted.push(id);
    } catch (e) {
      if (isAwsError(e, 'DBClusterSnapshotNotFound')) {
        deleted.push(id); // already gone: the goal is reached (idempotent re-run)
      } else if (isAwsError(e, 'InvalidDBClusterSnapshotState')) {
        kept.push({
          snapshotId: id,
          reason: `RDS refused deletion in its current state: ${errorMessage(e)}`,
        });
      } else {
        failures.push(`${id}: ${errorMessage(e)}`);
      }
    }
  }
  log.info('prune finished', { retentionDays, keepNewest, deleted, kept, foreignIgnored, failures });
  if (failures.length > 0)
    throw new Error(`prune could not delete ${failures.length} snapshot(s): ${failures.join('; ')}`);
  return { deleted, kept, foreignIgnored };
}

function keepReason(
  snap: DBClusterSnapshot,
  protectedIds: ReadonlySet<string | undefined>,
  now: number,
  retentionMs: number,
  keepNewest: number,
): string | undefined {
  if (snap.Status !== 'available')
    return `status is ${snap.Status ?? 'unknown'} (only available snapshots are pruned)`;
  const taken = takenAt(snap);
  if (!taken) return 'no creation time known';
  if (protectedIds.has(snap.DBClusterSnapshotIdentifier)) return `one of the newest ${keepNewest}`;
  if (now - taken.getTime() <= retentionMs) return 'within retention';
  return undefined;
}
