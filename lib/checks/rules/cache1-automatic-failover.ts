import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';

export const REPLICATION_GROUP = 'AWS::ElastiCache::ReplicationGroup';

export const Cache1AutomaticFailover: ResilienceRule = {
  id: 'RES-CACHE1',
  description: 'Each ElastiCache replication group has AutomaticFailoverEnabled and MultiAZEnabled.',
  invariant: 'INV-CACHE',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, REPLICATION_GROUP, (stack, _id, props) => {
      const problems: string[] = [];
      if (stack.bool(props.AutomaticFailoverEnabled) !== true)
        problems.push('AutomaticFailoverEnabled is not true');
      if (stack.bool(props.MultiAZEnabled) !== true) problems.push('MultiAZEnabled is not true');
      return verdict(problems, 'automatic failover, Multi-AZ');
    }),
};
