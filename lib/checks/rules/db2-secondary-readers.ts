import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { DB_CLUSTER, instancesOf, isAurora, isGlobalSecondary } from './db-common';

export const Db2SecondaryReaders: ResilienceRule = {
  id: 'RES-DB2',
  description:
    'A Global Database secondary has >= 2 instances, so after promotion the new writer already has a reader.',
  invariant: 'INV-DB',
  level: 'warning',
  evaluate: (app) =>
    forEachResource(app, DB_CLUSTER, (stack, id, props) => {
      if (!isAurora(stack, props) || !isGlobalSecondary(stack, id, props)) return undefined;
      const count = instancesOf(stack, id).length;
      // No instance at all is RES-DB1's error, not this warning.
      if (count === 0) return undefined;
      return count >= 2
        ? { compliant: true, message: `global secondary with ${count} instances` }
        : {
            compliant: false,
            message: `global secondary has ${count} instance(s); after promotion it has no reader to fail over to`,
          };
    }),
};
