import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';
import { isApplicationLoadBalancer, listenersOf, LOAD_BALANCER, protocolOf } from './alb-common';

/** ELB security policies that allow only TLS 1.2 or newer. */
export const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-|TLS-1-2-|FS-1-2-)/;

export const Alb2HttpsTls: ResilienceRule = {
  id: 'RES-ALB2',
  description:
    'Each application load balancer has an HTTPS listener, and every HTTPS listener has a certificate and a TLS 1.2+ policy.',
  invariant: 'INV-ALB',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, LOAD_BALANCER, (stack, albId, props) => {
      if (!isApplicationLoadBalancer(stack, props)) return undefined;
      const https = listenersOf(stack, albId).filter(([, l]) => protocolOf(stack, l) === 'HTTPS');
      const problems: string[] = [];
      if (https.length === 0) problems.push('no HTTPS listener');
      for (const [id, listener] of https) {
        const policy = stack.str(listener.SslPolicy);
        if (!policy || !TLS12_POLICY.test(policy)) {
          problems.push(
            `${id} SslPolicy ${policy ?? '(default ELBSecurityPolicy-2016-08)'} allows TLS < 1.2`,
          );
        }
        if ((stack.list(listener.Certificates) ?? []).length === 0) problems.push(`${id} has no certificate`);
      }
      return verdict(problems, `HTTPS ${https.map(([, l]) => stack.str(l.SslPolicy)).join(', ')}`);
    }),
};
