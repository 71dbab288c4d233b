import { functionMayCall } from '../checks/iam-model';
import { asgPlacement, AUTO_SCALING_GROUP } from '../checks/rules/asg-common';
import { invokedFunctions } from '../checks/rules/backup1-cross-region-copy';
import { DB_CLUSTER, isAurora, isGlobalSecondary } from '../checks/rules/db-common';
import type { StackInput } from '../checks';
import type { StackModel } from '../checks/stack-model';
import { PROFILE_METADATA_KEY, type ProfileMetadata } from '../config/profiles';
import { isObject } from '../checks/stack-model';

/**
 * Reads the numbers the recovery model needs out of one synthesized template,
 * resolving references with the rule pack's StackModel. Each value carries
 * `ref` (stack/logicalId.Property) so the report can say where it came from.
 */
export interface Sourced<T> {
  readonly value: T;
  readonly ref: string;
}

function sourced<T>(
  stack: StackModel,
  logicalId: string,
  path: string,
  value: T | undefined,
): Sourced<T> | undefined {
  return value === undefined ? undefined : { value, ref: `${stack.stackName}/${logicalId}.${path}` };
}

export interface TargetGroupHealthCheck {
  readonly logicalId: string;
  readonly intervalSeconds?: Sourced<number>;
  readonly timeoutSeconds?: Sourced<number>;
  readonly unhealthyThreshold?: Sourced<number>;
}

export function targetGroupHealthCheck(stack: StackModel, logicalId: string): TargetGroupHealthCheck {
  const num = (prop: string) => sourced(stack, logicalId, prop, stack.num(stack.prop(logicalId, prop)));
  return {
    logicalId,
    intervalSeconds: num('HealthCheckIntervalSeconds'),
    timeoutSeconds: num('HealthCheckTimeoutSeconds'),
    unhealthyThreshold: num('UnhealthyThresholdCount'),
  };
}

export interface AutoScalingGroupValues {
  readonly logicalId: string;
  readonly minSize?: Sourced<number>;
  readonly healthCheckGracePeriod?: Sourced<number>;
  /** AZs of the VPCZoneIdentifier subnets (rule pack placement). */
  readonly azs: readonly string[];
  readonly targetGroups: readonly string[];
  readonly launchTemplate?: string;
}

export function autoScalingGroups(stack: StackModel): AutoScalingGroupValues[] {
  return stack.ofType(AUTO_SCALING_GROUP).map(([id, asg]) => {
    const p = asg.Properties ?? {};
    const mixed = (p.MixedInstancesPolicy ?? {}) as Record<string, unknown>;
    const spec = ((mixed.LaunchTemplate as Record<string, unknown> | undefined)
      ?.LaunchTemplateSpecification ?? p.LaunchTemplate) as Record<string, unknown> | undefined;
    return {
      logicalId: id,
      minSize: sourced(stack, id, 'MinSize', stack.num(p.MinSize)),
      healthCheckGracePeriod: sourced(
        stack,
        id,
        'HealthCheckGracePeriod',
        stack.num(p.HealthCheckGracePeriod),
      ),
      azs: [...asgPlacement(stack, p).azs].sort(),
      targetGroups: stack.refTargets(stack.list(p.TargetGroupARNs) ?? []),
      launchTemplate: stack.refTarget(spec?.LaunchTemplateId),
    };
  });
}

/** Every literal string inside a value (user data is a Fn::Base64 of a Fn::Join of literals and refs). */
function literalStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(literalStrings);
  if (isObject(value)) return Object.values(value).flatMap(literalStrings);
  return [];
}

const GRACE_IN_USER_DATA = /(?:^|\n|\s)READINESS_GRACE_SECONDS=(\d+)/;
const GRACE_PARAMETER = /\/READINESS_GRACE_SECONDS$/;

/**
 * The service's readiness grace: `READINESS_GRACE_SECONDS=<n>` in the launch
 * template user data (preferring the fleet's own template), else an SSM
 * parameter whose name ends in /READINESS_GRACE_SECONDS.
 */
export function readinessGrace(stack: StackModel, launchTemplate?: string): Sourced<number> | undefined {
  const templates = stack
    .ofType('AWS::EC2::LaunchTemplate')
    .sort(([a], [b]) => (a === launchTemplate ? -1 : b === launchTemplate ? 1 : 0));
  for (const [id, lt] of templates) {
    const userData = (lt.Properties?.LaunchTemplateData as Record<string, unknown> | undefined)?.UserData;
    const m = GRACE_IN_USER_DATA.exec(literalStrings(userData).join(''));
    if (m) return { value: Number(m[1]), ref: `${stack.stackName}/${id}.LaunchTemplateData.UserData` };
  }
  for (const [id, param] of stack.ofType('AWS::SSM::Parameter')) {
    const name = stack.str(param.Properties?.Name);
    const value = stack.num(param.Properties?.Value);
    if (name && GRACE_PARAMETER.test(name) && value !== undefined) {
      return { value, ref: `${stack.stackName}/${id}.Value` };
    }
  }
  return undefined;
}

export interface Route53HealthCheck {
  readonly logicalId: string;
  readonly requestInterval?: Sourced<number>;
  readonly failureThreshold?: Sourced<number>;
  readonly type?: string;
}

export function route53HealthCheck(stack: StackModel, logicalId: string): Route53HealthCheck {
  const config = (stack.prop(logicalId, 'HealthCheckConfig') ?? {}) as Record<string, unknown>;
  return {
    logicalId,
    requestInterval: sourced(
      stack,
      logicalId,
      'HealthCheckConfig.RequestInterval',
      stack.num(config.RequestInterval),
    ),
    failureThreshold: sourced(
      stack,
      logicalId,
      'HealthCheckConfig.FailureThreshold',
      stack.num(config.FailureThreshold),
    ),
    type: stack.str(config.Type),
  };
}

/** The properties of one record with a Failover role (a RecordSet, or the entry inside a RecordSetGroup). */
export function failoverRecordProps(
  stack: StackModel,
  logicalId: string,
  role: string,
): Record<string, unknown> {
  const resource = stack.resources[logicalId];
  if (resource?.Type === 'AWS::Route53::RecordSetGroup') {
    const entry = (stack.list(resource.Properties?.RecordSets) ?? []).find(
      (r) => isObject(r) && stack.str(r.Failover)?.toUpperCase() === role,
    );
    return isObject(entry) ? entry : {};
  }
  return resource?.Properties ?? {};
}

export interface SnapshotSchedule {
  readonly trigger: string;
  readonly function: string;
  readonly expression?: Sourced<string>;
}

/** The schedule of the Lambda that may call rds:CreateDBClusterSnapshot (the rule pack's RES-BACKUP1 match). */
export function snapshotSchedule(stack: StackModel): SnapshotSchedule | undefined {
  const invocation = invokedFunctions(stack).find(
    (i) => i.scheduled && functionMayCall(stack, i.fn, 'rds:CreateDBClusterSnapshot'),
  );
  if (!invocation) return undefined;
  const expr = stack.str(stack.prop(invocation.trigger, 'ScheduleExpression'));
  return {
    trigger: invocation.trigger,
    function: invocation.fn,
    expression: sourced(stack, invocation.trigger, 'ScheduleExpression', expr),
  };
}

/** Aurora clusters that take writes (not Global Database secondaries), with their backup retention. */
export function writerClusters(stack: StackModel): { logicalId: string; backupRetentionDays?: number }[] {
  return stack
    .ofType(DB_CLUSTER)
    .filter(
      ([id, c]) => isAurora(stack, c.Properties ?? {}) && !isGlobalSecondary(stack, id, c.Properties ?? {}),
    )
    .map(([id, c]) => ({
      logicalId: id,
      backupRetentionDays: stack.num(c.Properties?.BackupRetentionPeriod),
    }));
}

/** Aurora clusters of any role in the stack. */
export function auroraClusters(stack: StackModel): string[] {
  return stack
    .ofType(DB_CLUSTER)
    .filter(([, c]) => isAurora(stack, c.Properties ?? {}))
    .map(([id]) => id);
}

/** ElastiCache replication groups with automatic failover and Multi-AZ on. */
export function multiAzCaches(stack: StackModel): string[] {
  return stack
    .ofType('AWS::ElastiCache::ReplicationGroup')
    .filter(
      ([, g]) =>
        stack.bool(g.Properties?.AutomaticFailoverEnabled) === true &&
        stack.bool(g.Properties?.MultiAZEnabled) === true,
    )
    .map(([id]) => id);
}

/** The profile a stack records in its template metadata (HaRef::Profile), if any. */
export function profileMetadata(stack: StackInput): ProfileMetadata | undefined {
  const metadata = stack.template.Metadata;
  const value = isObject(metadata) ? metadata[PROFILE_METADATA_KEY] : undefined;
  return isObject(value) && typeof value.drStrategy === 'string'
    ? (value as unknown as ProfileMetadata)
    : undefined;
}
