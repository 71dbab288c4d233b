import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { isApplicationLoadBalancer, LOAD_BALANCER } from './alb-common';

export const Alb4InternetFacing: ResilienceRule = {
  id: 'RES-ALB4',
  description:
    'Each application load balancer is internet-facing (Scheme internet-facing, the default): Route 53 health checkers and clients reach it from the internet.',
  invariant: 'INV-ALB',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, LOAD_BALANCER, (stack, _id, props) => {
      if (!isApplicationLoadBalancer(stack, props)) return undefined;
      // CloudFormation's default Scheme is internet-facing.
      const scheme = props.Scheme === undefined ? 'internet-facing' : stack.str(props.Scheme);
      return scheme === 'internet-facing'
        ? { compliant: true, message: 'Scheme internet-facing' }
        : {
            compliant: false,
            message: `Scheme ${scheme ?? 'not a literal'}: Route 53 health checkers and internet clients cannot reach an internal load balancer, so its failover record never turns healthy`,
          };
    }),
};
