/**
 * Names shared by the Lambda handlers, their constructs and the CLI. Kept free of imports so that
 * bundles stay small and the CDK code and the runtime code cannot drift apart.
 */

/** Tag marking a snapshot as ours; its value is the app name. Prune touches nothing without it. */
export const MANAGED_TAG = 'snapshot-replication:app';
/** Region where the snapshot was originally taken (copied along with CopyTags). */
export const SOURCE_REGION_TAG = 'snapshot-replication:source-region';
/** Cluster the snapshot was taken from. */
export const SOURCE_CLUSTER_TAG = 'snapshot-replication:source-cluster';
/**
 * When the snapshot was taken (ISO 8601, UTC). DB cluster snapshot copies have no
 * OriginalSnapshotCreateTime, so age is measured from this tag in both regions.
 */
export const TAKEN_AT_TAG = 'snapshot-replication:taken-at';

/** Every tag key the create function may set (IAM restricts tagging to these). */
export const SNAPSHOT_TAG_KEYS = [MANAGED_TAG, SOURCE_REGION_TAG, SOURCE_CLUSTER_TAG, TAKEN_AT_TAG] as const;

/** CloudWatch namespace and metric of the RPO check. */
export const METRIC_NAMESPACE = 'SnapshotReplication';
export const SNAPSHOT_AGE_METRIC = 'SnapshotAgeSeconds';
export const APP_DIMENSION = 'AppName';

/** Infix between the cluster identifier and the time slot of our snapshot ids. */
export const SNAPSHOT_INFIX = '-snap-';

/** Prefix of every snapshot id we create for a cluster, e.g. ha-ref-us-east-1-snap-. */
export function snapshotIdPrefix(clusterIdentifier: string): string {
  return `${clusterIdentifier}${SNAPSHOT_INFIX}`;
}

/** Deterministic runbook function name (deployed in the DR region only). */
export function failoverRunbookFunctionName(appName: string): string {
  return `${appName}-failover-runbook`;
}

/** Deterministic name of a region's copy role, so the other region's key policy can name it. */
export function snapshotCopyRoleName(appName: string, region: string): string {
  return `${appName}-snapshot-copy-${region}`;
}
