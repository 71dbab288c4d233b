import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { DB_CLUSTER, isAurora } from './db-common';

export const Db4StorageEncrypted: ResilienceRule = {
  id: 'RES-DB4',
  description: 'Each Aurora cluster has StorageEncrypted (snapshots and cross-region copies stay encrypted).',
  invariant: 'INV-DB',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, DB_CLUSTER, (stack, _id, props) => {
      if (!isAurora(stack, props)) return undefined;
      if (stack.bool(props.StorageEncrypted) !== true) {
        return { compliant: false, message: 'StorageEncrypted is not true' };
      }
      return {
        compliant: true,
        message: props.KmsKeyId === undefined ? 'encrypted (AWS managed key)' : 'encrypted (customer key)',
      };
    }),
};
