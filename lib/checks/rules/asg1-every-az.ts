import { formatAzs, missingAzs } from '../network-model';
import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';
import { asgPlacement, AUTO_SCALING_GROUP, isBehindLoadBalancer } from './asg-common';

export const Asg1EveryAz: ResilienceRule = {
  id: 'RES-ASG1',
  description:
    'An Auto Scaling group behind a load balancer launches into every AZ of its VPC (and >= minAzs AZs).',
  invariant: 'INV-ASG',
  level: 'error',
  evaluate: (app, options) =>
    forEachResource(app, AUTO_SCALING_GROUP, (stack, _id, props) => {
      if (!isBehindLoadBalancer(stack, props)) return undefined;
      const placement = asgPlacement(stack, props);
      const problems: string[] = [];
      if (placement.unresolved > 0)
        problems.push(`${placement.unresolved} subnet/AZ value(s) not resolvable`);
      if (placement.azs.size < options.minAzs) {
        problems.push(
          `spans ${placement.azs.size} AZ(s) (${formatAzs(placement.azs)}), at least ${options.minAzs} required`,
        );
      }
      const missing = missingAzs(stack, placement.vpcs, placement.azs);
      if (missing.length > 0) problems.push(`does not launch into VPC AZ(s) ${formatAzs(missing)}`);
      return verdict(problems, `spans ${formatAzs(placement.azs)}`);
    }),
};
