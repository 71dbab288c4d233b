import { formatAzs, missingAzs, subnetPlacement } from '../network-model';
import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';
import { isApplicationLoadBalancer, LOAD_BALANCER } from './alb-common';

export const Alb1MultiAz: ResilienceRule = {
  id: 'RES-ALB1',
  description: 'Each application load balancer is in >= minAzs AZs and in every AZ of its VPC.',
  invariant: 'INV-ALB',
  level: 'error',
  evaluate: (app, options) =>
    forEachResource(app, LOAD_BALANCER, (stack, _id, props) => {
      if (!isApplicationLoadBalancer(stack, props)) return undefined;
      const mappings = (stack.list(props.SubnetMappings) ?? []).map(
        (m) => ((m ?? {}) as Record<string, unknown>).SubnetId,
      );
      const placement = subnetPlacement(stack, props.Subnets ?? mappings);
      const problems: string[] = [];
      if (placement.unresolved > 0) {
        problems.push(`${placement.unresolved} subnet(s) not resolvable to an AZ in this template`);
      }
      if (placement.azs.size < options.minAzs) {
        problems.push(
          `in ${placement.azs.size} AZ(s) (${formatAzs(placement.azs)}), at least ${options.minAzs} required`,
        );
      }
      const missing = missingAzs(stack, placement.vpcs, placement.azs);
      if (missing.length > 0) problems.push(`not in VPC AZ(s) ${formatAzs(missing)}`);
      return verdict(problems, `in ${formatAzs(placement.azs)}`);
    }),
};
