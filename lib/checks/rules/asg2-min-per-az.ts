import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { asgPlacement, AUTO_SCALING_GROUP, isBehindLoadBalancer } from './asg-common';

export const Asg2MinPerAz: ResilienceRule = {
  id: 'RES-ASG2',
  description:
    'An Auto Scaling group behind a load balancer has MinSize >= minInstancesPerAz x its AZs (static stability when one AZ is lost).',
  invariant: 'INV-ASG',
  level: 'error',
  evaluate: (app, options) =>
    forEachResource(app, AUTO_SCALING_GROUP, (stack, _id, props) => {
      if (!isBehindLoadBalancer(stack, props)) return undefined;
      const azCount = Math.max(asgPlacement(stack, props).azs.size, options.minAzs);
      const required = options.minInstancesPerAz * azCount;
      const minSize = stack.num(props.MinSize);
      if (minSize === undefined) return { compliant: false, message: 'MinSize is not a literal number' };
      return minSize >= required
        ? { compliant: true, message: `MinSize ${minSize} >= ${options.minInstancesPerAz} x ${azCount} AZs` }
        : {
            compliant: false,
            message: `MinSize ${minSize} < ${options.minInstancesPerAz} per AZ x ${azCount} AZs = ${required}`,
          };
    }),
};
