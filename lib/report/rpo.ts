import type { AppModel } from '../checks';
import { scheduleIntervalSeconds } from '../config/schedule';
import { constantTerm, sum, templateTerm } from './terms';
import { snapshotSchedule, writerClusters } from './template-values';
import type { RpoModel } from './types';

/**
 * Recovery points. Region loss: the Global Database's replication lag when the
 * app has a global cluster with a secondary in another region (from the rule
 * pack's RES-GDB1), else the newest cross-region snapshot copy. Logical
 * corruption (a bad write replicates at once, so only a snapshot helps): the
 * writer stack's snapshot schedule interval, plus copy time when restoring in
 * the other region; point-in-time restore when automated backups are kept.
 */
export function recoveryPoints(app: AppModel, globalDatabase: boolean): RpoModel {
  const writer = app.stacks.find((s) => writerClusters(s).length > 0);
  const schedule = writer ? snapshotSchedule(writer) : undefined;
  const expression = schedule?.expression;
  const interval = expression ? scheduleIntervalSeconds(expression.value) : undefined;

  let logicalCorruption: RpoModel['logicalCorruption'];
  if (writer && expression && interval !== undefined) {
    const intervalTerm = templateTerm(`snapshot schedule ${expression.value}`, interval, expression.ref);
    const retention = writerClusters(writer).find((c) => (c.backupRetentionDays ?? 0) >= 1);
    logicalCorruption = {
      region: writer.region ?? 'region-agnostic',
      stackName: writer.stackName,
      schedule: expression.value,
      inRegion: sum(intervalTerm),
      crossRegion: sum(intervalTerm, constantTerm('snapshotCopy')),
      pointInTime: retention ? sum(constantTerm('auroraPitrLag')) : undefined,
    };
  }

  let regionLoss: RpoModel['regionLoss'];
  if (globalDatabase) {
    regionLoss = {
      basis: 'global-database',
      sum: sum(constantTerm('globalDbReplicationLag')),
      note: 'unplanned FailoverGlobalCluster with AllowDataLoss loses what had not replicated (typically < 1 s)',
    };
  } else if (logicalCorruption) {
    regionLoss = {
      basis: 'snapshot-copy',
      sum: logicalCorruption.crossRegion,
      note: 'no Global Database: the newest cross-region snapshot copy is the recovery point',
    };
  }
  return { regionLoss, logicalCorruption };
}
