import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';

export const Net3FlowLogs: ResilienceRule = {
  id: 'RES-NET3',
  description: 'Each VPC has a flow log (evidence for diagnosing an AZ or network impairment).',
  invariant: 'INV-NET',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, 'AWS::EC2::VPC', (stack, vpcId) => {
      const logs = stack
        .ofType('AWS::EC2::FlowLog')
        .filter(([, log]) => stack.refTarget(log.Properties?.ResourceId) === vpcId);
      return logs.length > 0
        ? { compliant: true, message: `flow log ${logs.map(([id]) => id).join(', ')}` }
        : { compliant: false, message: 'VPC has no AWS::EC2::FlowLog' };
    }),
};
