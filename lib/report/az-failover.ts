import type { StackModel } from '../checks/stack-model';
import { constantTerm, sum, templateTerm } from './terms';
import {
  autoScalingGroups,
  multiAzCaches,
  targetGroupHealthCheck,
  writerClusters,
  type TargetGroupHealthCheck,
} from './template-values';
import type { AzComponent, AzFailoverModel, Sum } from './types';

/**
 * ALB detection of a dead target: interval × unhealthy threshold, plus the
 * timeout of the last failing check. Undefined when the template leaves any
 * of the three to the service default (the report does not guess them).
 */
export function albDetection(hc: TargetGroupHealthCheck): Sum | undefined {
  const { intervalSeconds: i, unhealthyThreshold: n, timeoutSeconds: t } = hc;
  if (!i || !n || !t) return undefined;
  return sum(
    templateTerm(
      `target health check: interval ${i.value} s × unhealthy threshold ${n.value}`,
      i.value * n.value,
      i.ref,
      n.ref,
    ),
    templateTerm(`timeout of the last failing check (${t.value} s)`, t.value, t.ref),
  );
}

/**
 * What happens when one AZ of this stack's region is lost: the ALB stops
 * routing to the AZ's targets, the Aurora writer fails over if it was there,
 * cache shards promote replicas, and the group relaunches the lost capacity.
 * Undefined for stacks without a fleet behind a target group.
 */
export function azFailover(stack: StackModel): AzFailoverModel | undefined {
  const groups = autoScalingGroups(stack).filter((g) => g.targetGroups.length > 0);
  if (groups.length === 0) return undefined;
  const components: AzComponent[] = [];
  const unresolved: string[] = [];

  // The slowest target group in front of any fleet bounds request failures.
  const detections = groups
    .flatMap((g) => g.targetGroups)
    .map((tg) => albDetection(targetGroupHealthCheck(stack, tg)));
  const known = detections.filter((d): d is Sum => d !== undefined);
  const detection = known.sort((a, b) => b.seconds - a.seconds)[0];
  if (detection && known.length === detections.length) {
    components.push({
      name: 'ALB stops routing to the lost AZ',
      impact: 'user-visible',
      typical: detection,
      upper: detection,
      scope: "requests routed to the lost AZ's targets",
    });
  } else {
    unresolved.push(
      'target group health check: HealthCheckIntervalSeconds, UnhealthyThresholdCount and HealthCheckTimeoutSeconds must be literal',
    );
  }

  if (writerClusters(stack).length > 0) {
    components.push({
      name: 'Aurora promotes a reader in another AZ',
      impact: 'user-visible',
      typical: sum(constantTerm('auroraFailoverTypical')),
      upper: sum(constantTerm('auroraFailoverUpper')),
      scope: 'writes, only if the writer instance was in the lost AZ',
    });
  }
  if (multiAzCaches(stack).length > 0) {
    const cache = sum(constantTerm('cacheFailover'));
    components.push({
      name: 'ElastiCache promotes replicas of shards whose primary was in the lost AZ',
      impact: 'degraded',
      typical: cache,
      upper: cache,
      scope: 'cache reads/writes of those shards; the service falls back to the database meanwhile',
    });
  }
  for (const g of groups) {
    const grace = g.healthCheckGracePeriod;
    const replacement = sum(
      ...(detection ? detection.terms : []),
      constantTerm('ec2Launch'),
      grace
        ? templateTerm(`health-check grace period (${grace.value} s)`, grace.value, grace.ref)
        : templateTerm(
            'health-check grace period (not set: 0 s)',
            0,
            `${stack.stackName}/${g.logicalId}.HealthCheckGracePeriod`,
          ),
    );
    components.push({
      name: `${g.logicalId} relaunches the lost instances in the healthy AZs`,
      impact: 'capacity',
      typical: replacement,
      upper: replacement,
      scope: 'headroom only: the other AZs keep serving at static-stability capacity',
    });
  }

  const visible = components.filter((c) => c.impact === 'user-visible');
  const byUpper = [...visible].sort((a, b) => b.upper.seconds - a.upper.seconds)[0];
  const capacity = components
    .filter((c) => c.impact === 'capacity')
    .sort((a, b) => b.upper.seconds - a.upper.seconds)[0];
  return {
    region: stack.region ?? 'region-agnostic',
    stackName: stack.stackName,
    components,
    userVisible: byUpper
      ? {
          typicalSeconds: Math.max(...visible.map((c) => c.typical.seconds)),
          upperSeconds: byUpper.upper.seconds,
          boundedBy: byUpper.name,
        }
      : undefined,
    unresolved,
    capacityRestoration: capacity ? { seconds: capacity.upper.seconds, boundedBy: capacity.name } : undefined,
  };
}
