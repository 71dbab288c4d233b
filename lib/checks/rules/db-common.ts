import type { StackModel } from '../stack-model';

export const DB_CLUSTER = 'AWS::RDS::DBCluster';
export const DB_INSTANCE = 'AWS::RDS::DBInstance';
export const GLOBAL_CLUSTER = 'AWS::RDS::GlobalCluster';

/** Aurora clusters only (Multi-AZ DB clusters of RDS MySQL/PostgreSQL have a fixed shape). */
export function isAurora(stack: StackModel, props: Record<string, unknown>): boolean {
  const engine = stack.str(props.Engine);
  return engine === undefined || engine.startsWith('aurora');
}

/**
 * A Global Database secondary: it joins a global cluster and brings no data
 * of its own (no master credentials, snapshot or source cluster), and no
 * global cluster of the same template was created from it.
 */
export function isGlobalSecondary(
  stack: StackModel,
  clusterId: string,
  props: Record<string, unknown>,
): boolean {
  if (props.GlobalClusterIdentifier === undefined) return false;
  const ownsData = [
    'MasterUsername',
    'ManageMasterUserPassword',
    'SnapshotIdentifier',
    'SourceDBClusterIdentifier',
  ].some((p) => props[p] !== undefined);
  if (ownsData) return false;
  return !stack
    .ofType(GLOBAL_CLUSTER)
    .some(([, g]) => stack.refTarget(g.Properties?.SourceDBClusterIdentifier) === clusterId);
}

/** Logical ids of the DB instances that join a cluster (by reference or by literal identifier). */
export function instancesOf(stack: StackModel, clusterId: string): string[] {
  const literalId = stack.str(stack.prop(clusterId, 'DBClusterIdentifier'))?.toLowerCase();
  return stack
    .ofType(DB_INSTANCE)
    .filter(([, i]) => {
      const ref = i.Properties?.DBClusterIdentifier;
      if (stack.refTarget(ref) === clusterId) return true;
      const literal = stack.str(ref)?.toLowerCase();
      return literal !== undefined && literal === literalId;
    })
    .map(([id]) => id);
}
