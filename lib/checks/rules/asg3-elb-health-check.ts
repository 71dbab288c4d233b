import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { AUTO_SCALING_GROUP, isBehindLoadBalancer } from './asg-common';

export const Asg3ElbHealthCheck: ResilienceRule = {
  id: 'RES-ASG3',
  description:
    'An Auto Scaling group behind a load balancer uses ELB health checks, so instances failing the target check are replaced.',
  invariant: 'INV-ASG',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, AUTO_SCALING_GROUP, (stack, _id, props) => {
      if (!isBehindLoadBalancer(stack, props)) return undefined;
      const type = stack.str(props.HealthCheckType) ?? 'EC2';
      return type
        .split(',')
        .map((t) => t.trim().toUpperCase())
        .includes('ELB')
        ? { compliant: true, message: `HealthCheckType ${type}` }
        : { compliant: false, message: `HealthCheckType ${type} (ELB required)` };
    }),
};
