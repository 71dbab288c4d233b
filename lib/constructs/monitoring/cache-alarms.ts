/* ElastiCache tier: the busiest node of the replication group, in groups of at most 10 nodes per alarm. */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { type AlarmFactory, FIVE_MINUTES, graph, ONE_MINUTE } from './alarm-factory';
import type { MonitoringThresholds } from './thresholds';

/** The ElastiCache replication group (cluster mode on) this region runs. */
export interface MonitoredCache {
  /** Replication group id; node ids are derived as <id>-<shard:0000>-<node:000>. */
  readonly replicationGroupId: string;
  /** Node groups (shards) of the replication group. */
  readonly shards: number;
  /** Replicas per shard (each shard has one primary more). */
  readonly replicasPerShard: number;
}

export interface CacheAlarmsProps {
  readonly cache: MonitoredCache;
  readonly thresholds: Pick<
    MonitoringThresholds,
    'cacheEngineCpuPercent' | 'cacheReplicationLagSeconds' | 'cacheEvictionsPer5Minutes' | 'cacheConnections'
  >;
}

/** A CloudWatch alarm's metric math may reference at most 10 metrics. */
const MAX_METRICS_PER_ALARM = 10;

export class CacheAlarms {
  /** Dashboard row: engine CPU, replication lag, evictions and connections, per node. */
  public readonly row: cloudwatch.IWidget[];

  constructor(alarms: AlarmFactory, props: CacheAlarmsProps) {
    const { cache, thresholds: t } = props;
    const nodes = cacheNodeIds(cache.replicationGroupId, cache.shards, cache.replicasPerShard);
    /** One metric per node, used by the alarms (the busiest of each group) and graphed per node. */
    const perNode = (metricName: string, statistic: string, period: Duration) =>
      nodes.map(
        (node) =>
          new cloudwatch.Metric({
            namespace: 'AWS/ElastiCache',
            metricName,
            dimensionsMap: { CacheClusterId: node },
            statistic,
            period,
          }),
      );
    const engineCpu = perNode('EngineCPUUtilization', 'Average', ONE_MINUTE);
    const replicationLag = perNode('ReplicationLag', 'Maximum', ONE_MINUTE);
    const evictions = perNode('Evictions', 'Sum', FIVE_MINUTES);
    const connections = perNode('CurrConnections', 'Maximum', ONE_MINUTE);

    const groups = Math.ceil(nodes.length / MAX_METRICS_PER_ALARM);
    const key = (base: string, i: number) => (groups === 1 ? base : `${base}-${i + 1}`);
    const busiest = (metrics: cloudwatch.Metric[], i: number, label: string) => {
      const group = metrics.slice(i * MAX_METRICS_PER_ALARM, (i + 1) * MAX_METRICS_PER_ALARM);
      return new cloudwatch.MathExpression({
        // Primaries do not report ReplicationLag; FILL keeps MAX defined over the nodes that do.
        expression: 'MAX(FILL(METRICS(), 0))',
        usingMetrics: Object.fromEntries(group.map((m, n) => [`n${n}`, m])),
        period: group[0].period,
        label,
      });
    };
    for (let i = 0; i < groups; i++) {
      alarms.add(key('CacheEngineCpu', i), {
        metric: busiest(engineCpu, i, 'cache engine CPU % (busiest node)'),
        threshold: t.cacheEngineCpuPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache node's engine CPU above ${t.cacheEngineCpuPercent} % for 5 minutes (the engine is single-` +
          'threaded: latency grows fast). First check: hot keys / slow log; add shards if load is even.',
      });
      alarms.add(key('CacheReplicationLag', i), {
        metric: busiest(replicationLag, i, 'cache replication lag s (worst replica)'),
        threshold: t.cacheReplicationLagSeconds,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // Reported by replicas only; missing during a node replacement is expected and not lag.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache replica lags its primary by more than ${t.cacheReplicationLagSeconds} s for 3 minutes; a ` +
          'failover now would lose those writes. First check: primary network out and engine CPU of that shard.',
      });
      alarms.add(key('CacheEvictions', i), {
        metric: busiest(evictions, i, 'cache evictions / 5 min (busiest node)'),
        threshold: t.cacheEvictionsPer5Minutes,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache node evicted more than ${t.cacheEvictionsPer5Minutes} keys per 5 minutes for 10 minutes: ` +
          'memory is too small and the database takes the misses. First check: DatabaseMemoryUsagePercentage ' +
          'and key TTLs; scale the node type or add shards.',
      });
      alarms.add(key('CacheConnections', i), {
        metric: busiest(connections, i, 'cache connections (busiest node)'),
        threshold: t.cacheConnections,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache node holds more than ${t.cacheConnections} connections for 5 minutes (a connection leak or ` +
          'reconnect storm). First check: NewConnections and the service logs for ioredis reconnects.',
      });
    }

    // ---- Dashboard: the same per-node metrics, one line per node -----------------------------------
    const lines = (metrics: cloudwatch.Metric[]) => metrics.map((m, n) => m.with({ label: nodes[n] }));
    this.row = [
      graph('Cache: engine CPU % per node', lines(engineCpu), {
        leftAnnotations: [{ value: t.cacheEngineCpuPercent, label: 'alarm' }],
      }),
      graph('Cache: replication lag s per replica', lines(replicationLag), {
        leftAnnotations: [{ value: t.cacheReplicationLagSeconds, label: 'alarm' }],
      }),
      graph('Cache: evictions / 5 min and connections', lines(evictions), { right: lines(connections) }),
    ];
  }
}

/** CacheClusterId of every node of a cluster-mode replication group: <id>-0001-001 ... */
export function cacheNodeIds(replicationGroupId: string, shards: number, replicasPerShard: number): string[] {
  const ids: string[] = [];
  for (let s = 1; s <= shards; s++) {
    for (let n = 1; n <= replicasPerShard + 1; n++) {
      ids.push(`${replicationGroupId}-${String(s).padStart(4, '0')}-${String(n).padStart(3, '0')}`);
    }
  }
  return ids;
}
