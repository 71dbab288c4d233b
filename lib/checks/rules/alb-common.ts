import type { StackModel } from '../stack-model';

export const LOAD_BALANCER = 'AWS::ElasticLoadBalancingV2::LoadBalancer';
export const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';
export const LISTENER_RULE = 'AWS::ElasticLoadBalancingV2::ListenerRule';

/** ELBv2 load balancers default to `application` when Type is omitted. */
export function isApplicationLoadBalancer(stack: StackModel, props: Record<string, unknown>): boolean {
  return (stack.str(props.Type) ?? 'application') === 'application';
}

/** [listenerId, props] of the listeners attached to a load balancer in the same template. */
export function listenersOf(stack: StackModel, albId: string): [string, Record<string, unknown>][] {
  return stack
    .ofType(LISTENER)
    .filter(([, l]) => stack.refTarget(l.Properties?.LoadBalancerArn) === albId)
    .map(([id, l]) => [id, l.Properties ?? {}]);
}

/** The listener of a listener's protocol, upper-cased ("HTTP", "HTTPS"), or undefined. */
export function protocolOf(stack: StackModel, props: Record<string, unknown>): string | undefined {
  return stack.str(props.Protocol)?.toUpperCase();
}

/** True when every action is a redirect to HTTPS. */
export function redirectsToHttps(stack: StackModel, actions: unknown): boolean {
  const list = stack.list(actions);
  if (!list || list.length === 0) return false;
  return list.every((action) => {
    const a = (action ?? {}) as Record<string, unknown>;
    const redirect = (a.RedirectConfig ?? {}) as Record<string, unknown>;
    return stack.str(a.Type) === 'redirect' && stack.str(redirect.Protocol)?.toUpperCase() === 'HTTPS';
  });
}
