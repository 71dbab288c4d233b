import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import { DB_CLUSTER, isAurora } from './db-common';

export const Db5BackupRetention: ResilienceRule = {
  id: 'RES-DB5',
  description: 'Each Aurora cluster keeps automated backups for >= minBackupRetentionDays (default 7) days.',
  invariant: 'INV-DB',
  level: 'error',
  evaluate: (app, options) =>
    forEachResource(app, DB_CLUSTER, (stack, _id, props) => {
      if (!isAurora(stack, props)) return undefined;
      // CloudFormation's default is 1 day.
      const days = props.BackupRetentionPeriod === undefined ? 1 : stack.num(props.BackupRetentionPeriod);
      if (days === undefined)
        return { compliant: false, message: 'BackupRetentionPeriod is not a literal number' };
      return days >= options.minBackupRetentionDays
        ? { compliant: true, message: `BackupRetentionPeriod ${days} days` }
        : {
            compliant: false,
            message: `BackupRetentionPeriod ${days} < ${options.minBackupRetentionDays} days`,
          };
    }),
};
