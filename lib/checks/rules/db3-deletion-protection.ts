import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { DB_CLUSTER, isAurora } from './db-common';

export const Db3DeletionProtection: ResilienceRule = {
  id: 'RES-DB3',
  description: 'Each Aurora cluster has DeletionProtection enabled.',
  invariant: 'INV-DB',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, DB_CLUSTER, (stack, _id, props) => {
      if (!isAurora(stack, props)) return undefined;
      return stack.bool(props.DeletionProtection) === true
        ? { compliant: true, message: 'DeletionProtection true' }
        : { compliant: false, message: 'DeletionProtection is not true' };
    }),
};
