/** Alarm thresholds. Every field is optional in props; see DEFAULT_MONITORING_THRESHOLDS. */
export interface MonitoringThresholds {
  /** ALB 5xx (ELB + target) as % of requests, per minute, 2 minutes in a row (INV-OBS: 5). */
  readonly http5xxPercent: number;
  /** Requests per minute below which the 5xx ratio counts as 0, so a handful of errors while idle never pages. */
  readonly http5xxMinRequestsPerMinute: number;
  /** Target p99 response time in seconds, 3 minutes in a row. */
  readonly targetP99LatencySeconds: number;
  /** Aurora CPU % (writer in the writer region, busiest instance in a secondary), two 5-minute periods. */
  readonly databaseCpuPercent: number;
  /** Aurora freeable memory floor in bytes, two 5-minute periods. */
  readonly databaseFreeableMemoryBytes: number;
  /** In-region AuroraReplicaLag in ms, 5 minutes in a row. */
  readonly databaseReplicaLagMs: number;
  /** AuroraGlobalDBReplicationLag in ms on the secondary cluster, 3 minutes in a row. */
  readonly globalReplicationLagMs: number;
  /** AuroraGlobalDBRPOLag in ms on the secondary cluster, 3 minutes in a row. */
  readonly globalRpoLagMs: number;
  /** Cache EngineCPUUtilization % of the busiest node, 5 minutes in a row. */
  readonly cacheEngineCpuPercent: number;
  /** Cache ReplicationLag in seconds of the most-lagging replica, 3 minutes in a row. */
  readonly cacheReplicationLagSeconds: number;
  /** Cache evictions per 5 minutes on the busiest node, two periods in a row. */
  readonly cacheEvictionsPer5Minutes: number;
  /** Cache CurrConnections on the busiest node, 5 minutes in a row. */
  readonly cacheConnections: number;
}

/** Defaults chosen from the models in docs/architecture.md (RPO ~1 s, in-region failover < 30-60 s). */
export const DEFAULT_MONITORING_THRESHOLDS: MonitoringThresholds = {
  http5xxPercent: 5,
  http5xxMinRequestsPerMinute: 50,
  targetP99LatencySeconds: 1,
  databaseCpuPercent: 80,
  databaseFreeableMemoryBytes: 1024 ** 3,
  databaseReplicaLagMs: 1000,
  globalReplicationLagMs: 2000,
  globalRpoLagMs: 2000,
  cacheEngineCpuPercent: 80,
  cacheReplicationLagSeconds: 5,
  cacheEvictionsPer5Minutes: 1000,
  cacheConnections: 5000,
};
