import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';
import { LISTENER, LISTENER_RULE, LOAD_BALANCER, protocolOf, redirectsToHttps } from './alb-common';

export const Alb3HttpRedirect: ResilienceRule = {
  id: 'RES-ALB3',
  description:
    'An HTTP listener on an application load balancer only redirects to HTTPS (default action and every listener rule).',
  invariant: 'INV-ALB',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, LISTENER, (stack, listenerId, props) => {
      if (protocolOf(stack, props) !== 'HTTP') return undefined;
      const lb = stack.refTarget(props.LoadBalancerArn);
      const lbProps = lb ? stack.resources[lb]?.Properties : undefined;
      // Only application load balancers of this template (NLBs have no HTTP listeners).
      if (
        !lb ||
        stack.resources[lb]?.Type !== LOAD_BALANCER ||
        (stack.str(lbProps?.Type) ?? 'application') !== 'application'
      ) {
        return undefined;
      }
      const problems: string[] = [];
      if (!redirectsToHttps(stack, props.DefaultActions))
        problems.push('default action is not a redirect to HTTPS');
      for (const [ruleId, rule] of stack.ofType(LISTENER_RULE)) {
        if (stack.refTarget(rule.Properties?.ListenerArn) !== listenerId) continue;
        if (!redirectsToHttps(stack, rule.Properties?.Actions))
          problems.push(`listener rule ${ruleId} serves over HTTP`);
      }
      return verdict(problems, 'HTTP redirects to HTTPS');
    }),
};
