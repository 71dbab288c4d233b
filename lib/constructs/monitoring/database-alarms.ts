/* Aurora tier: saturation of the writer (or the busiest secondary instance) and replication lag. */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { type AlarmFactory, FIVE_MINUTES, graph, ONE_MINUTE } from './alarm-factory';
import type { MonitoringThresholds } from './thresholds';

/** The Aurora cluster this region runs. */
export interface MonitoredDatabase {
  /** DB cluster identifier (DBClusterIdentifier dimension); metrics follow the writer across failovers via Role. */
  readonly clusterIdentifier: string;
  /** True in the region whose cluster is a Global Database secondary (global lag metrics are reported there). */
  readonly isGlobalSecondary: boolean;
}

export interface DatabaseAlarmsProps {
  readonly database: MonitoredDatabase;
  readonly thresholds: Pick<
    MonitoringThresholds,
    | 'databaseCpuPercent'
    | 'databaseFreeableMemoryBytes'
    | 'databaseReplicaLagMs'
    | 'globalReplicationLagMs'
    | 'globalRpoLagMs'
  >;
}

export class DatabaseAlarms {
  /** Dashboard row: CPU and connections, freeable memory, replication lag. */
  public readonly row: cloudwatch.IWidget[];

  constructor(alarms: AlarmFactory, props: DatabaseAlarmsProps) {
    const { database: db, thresholds: t } = props;
    const rds = (metricName: string, statistic: string, period: Duration, dims: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap: dims, statistic, period });
    const clusterDims = { DBClusterIdentifier: db.clusterIdentifier };
    // Role=WRITER follows the writer across in-region failovers; a secondary has no writer, so the
    // busiest instance of the cluster stands in.
    const cpuDims = db.isGlobalSecondary ? clusterDims : { ...clusterDims, Role: 'WRITER' };
    const who = db.isGlobalSecondary ? 'busiest instance of the secondary cluster' : 'writer';

    const cpu = rds('CPUUtilization', db.isGlobalSecondary ? 'Maximum' : 'Average', FIVE_MINUTES, cpuDims);
    alarms.add('DatabaseCpu', {
      metric: cpu,
      threshold: t.databaseCpuPercent,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // A saturation signal: a gap (e.g. during failover) says nothing about saturation; outages page elsewhere.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Aurora ${who} CPU above ${t.databaseCpuPercent} % for 10 minutes. First check: Performance Insights ` +
        'top SQL and DatabaseConnections; scale the instance class if load is legitimate.',
    });
    const freeableMemory = rds('FreeableMemory', 'Minimum', FIVE_MINUTES, cpuDims);
    alarms.add('DatabaseFreeableMemory', {
      metric: freeableMemory,
      threshold: t.databaseFreeableMemoryBytes,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Aurora ${who} freeable memory below ${Math.round(t.databaseFreeableMemoryBytes / 1024 ** 2)} MiB ` +
        'for 10 minutes; the instance may restart. First check: connection count (RDS Proxy pinning) and ' +
        'work_mem-heavy queries in Performance Insights.',
    });
    const replicaLag = rds('AuroraReplicaLag', 'Maximum', ONE_MINUTE, { ...clusterDims, Role: 'READER' });
    alarms.add('DatabaseReplicaLag', {
      metric: replicaLag,
      threshold: t.databaseReplicaLagMs,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // Only readers report it; a reader being replaced must not page as "lag" (instance events cover it).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Aurora replica lag above ${t.databaseReplicaLagMs} ms for 5 minutes: reads are stale and a failover ` +
        'target is behind. First check: writer write IOPS and long-running transactions on the lagging reader.',
    });
    const lagLines: cloudwatch.IMetric[] = [replicaLag.with({ label: 'Aurora replica lag ms' })];
    if (db.isGlobalSecondary) {
      const globalLag = rds('AuroraGlobalDBReplicationLag', 'Maximum', ONE_MINUTE, clusterDims);
      alarms.add('GlobalReplicationLag', {
        metric: globalLag,
        threshold: t.globalReplicationLagMs,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // The secondary reports this every minute while replicating; silence means replication stopped.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        description:
          `Global Database replication to this region lags more than ${t.globalReplicationLagMs} ms for 3 ` +
          'minutes (or stopped reporting): a regional failover now would lose more than the modeled ~1 s. ' +
          "First check: the global cluster status (aws rds describe-global-clusters) and the primary's write load.",
      });
      const rpoLag = rds('AuroraGlobalDBRPOLag', 'Maximum', ONE_MINUTE, clusterDims);
      alarms.add('GlobalRpoLag', {
        metric: rpoLag,
        threshold: t.globalRpoLagMs,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // Derived from the same replication stream: GlobalReplicationLag already pages on silence.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `Global Database RPO lag above ${t.globalRpoLagMs} ms for 3 minutes: committed transactions older ` +
          "than that are not yet durable here. First check: GlobalReplicationLag and the primary's commit rate.",
      });
      lagLines.push(
        globalLag.with({ label: 'Global replication lag ms' }),
        rpoLag.with({ label: 'Global RPO lag ms' }),
      );
    }

    // ---- Dashboard: the alarms' metrics (connections has no alarm) --------------------------------
    this.row = [
      graph('Database: CPU % and connections', [cpu.with({ label: `CPU % (${who})` })], {
        leftAnnotations: [{ value: t.databaseCpuPercent, label: 'alarm' }],
        right: [rds('DatabaseConnections', 'Sum', ONE_MINUTE, clusterDims).with({ label: 'connections' })],
      }),
      graph('Database: freeable memory', [freeableMemory.with({ label: `bytes (${who})` })], {
        leftAnnotations: [{ value: t.databaseFreeableMemoryBytes, label: 'alarm' }],
      }),
      graph('Replication lag (ms)', lagLines),
    ];
  }
}
