import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { DB_CLUSTER, instancesOf, isAurora, isGlobalSecondary } from './db-common';

export const Db1Instances: ResilienceRule = {
  id: 'RES-DB1',
  description:
    'An Aurora writer cluster has >= 2 instances (a reader to fail over to); a Global Database secondary has >= 1.',
  invariant: 'INV-DB',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, DB_CLUSTER, (stack, id, props) => {
      if (!isAurora(stack, props)) return undefined;
      const secondary = isGlobalSecondary(stack, id, props);
      const required = secondary ? 1 : 2;
      const count = instancesOf(stack, id).length;
      const role = secondary ? 'global secondary' : 'writer cluster';
      return count >= required
        ? { compliant: true, message: `${role} with ${count} instance(s)` }
        : { compliant: false, message: `${role} has ${count} instance(s), at least ${required} required` };
    }),
};
