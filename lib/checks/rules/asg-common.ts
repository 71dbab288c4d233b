import { subnetPlacement } from '../network-model';
import type { StackModel } from '../stack-model';

export const AUTO_SCALING_GROUP = 'AWS::AutoScaling::AutoScalingGroup';

/** True when the group registers with a target group or classic load balancer. */
export function isBehindLoadBalancer(stack: StackModel, props: Record<string, unknown>): boolean {
  return (
    (stack.list(props.TargetGroupARNs) ?? []).length > 0 ||
    (stack.list(props.LoadBalancerNames) ?? []).length > 0
  );
}

/** The AZs a group launches into: its VPCZoneIdentifier subnets, else literal AvailabilityZones. */
export function asgPlacement(
  stack: StackModel,
  props: Record<string, unknown>,
): { azs: Set<string>; vpcs: Set<string>; unresolved: number } {
  if (props.VPCZoneIdentifier !== undefined) return subnetPlacement(stack, props.VPCZoneIdentifier);
  const azs = new Set<string>();
  let unresolved = 0;
  for (const az of stack.list(props.AvailabilityZones) ?? []) {
    const name = stack.str(az);
    if (name) azs.add(name);
    else unresolved++;
  }
  return { azs, vpcs: new Set(), unresolved };
}
