/*
 * The app config mapped, once, onto the props of the constructs that take config-derived names and
 * settings (the way Fleet and Network take theirs). RegionalStack is the one caller in the app; tests
 * build the same constructs from a config through these functions.
 */
import {
  type AppConfig,
  clusterIdentifier,
  drCacheNodeType,
  drScaledDown,
  globalClusterIdentifier,
  regionContext,
  regionalRecordName,
  type RegionRole,
  secretsKeyAlias,
  snapshotKeyAlias,
} from '../config';
import type { CacheProps } from '../constructs/cache';
import type { DatabaseProps } from '../constructs/database';
import type { FailoverRunbookProps, RunbookMember } from '../constructs/failover-runbook';
import type { SnapshotReplicationProps } from '../constructs/snapshot-replication';
import { failoverRunbookFunctionName } from '../../lambda/shared/names';

export function databaseProps(config: AppConfig, role: RegionRole): Omit<DatabaseProps, 'vpc'> {
  const ctx = regionContext(config, role);
  return {
    database: config.database,
    role,
    clusterIdentifier: clusterIdentifier(config, ctx.region.region),
    globalClusterIdentifier: globalClusterIdentifier(config),
    availabilityZones: ctx.region.availabilityZones,
    secretReplicaRegion: ctx.peer.region,
    secretReplicaKeyAlias: secretsKeyAlias(config),
    namePrefix: config.appName,
  };
}

export function cacheProps(config: AppConfig, role: RegionRole): Omit<CacheProps, 'vpc'> {
  return {
    // The DR region may keep a smaller node type at rest (drCapacity.cacheNodeType, pilot light).
    cache: role === 'secondary' ? { ...config.cache, nodeType: drCacheNodeType(config) } : config.cache,
    availabilityZones: regionContext(config, role).region.availabilityZones,
    namePrefix: config.appName,
  };
}

export function snapshotReplicationProps(
  config: AppConfig,
  role: RegionRole,
): Omit<SnapshotReplicationProps, 'vpc' | 'clusterKey'> {
  const ctx = regionContext(config, role);
  return {
    appName: config.appName,
    region: ctx.region.region,
    peerRegion: ctx.peer.region,
    clusterIdentifier: clusterIdentifier(config, ctx.region.region),
    peerClusterIdentifier: clusterIdentifier(config, ctx.peer.region),
    globalClusterIdentifier: globalClusterIdentifier(config),
    copyKeyAlias: snapshotKeyAlias(config),
    snapshots: config.snapshots,
    isConfiguredWriter: ctx.isWriter,
  };
}

/** The same in both regions: each copy can promote either member. */
export function failoverRunbookProps(config: AppConfig): Omit<FailoverRunbookProps, 'vpc'> {
  const member = (region: string): RunbookMember => ({
    region,
    clusterIdentifier: clusterIdentifier(config, region),
    healthCheckFqdn: regionalRecordName(config, region),
  });
  return {
    functionName: failoverRunbookFunctionName(config.appName),
    globalClusterIdentifier: globalClusterIdentifier(config),
    primary: member(config.primary.region),
    // Pilot light is DR's profile: every copy knows it, so the primary's refuses to promote DR itself.
    dr: { ...member(config.dr.region), ...(drScaledDown(config) ? { pilotLight: true } : {}) },
    healthCheckIntervalSeconds: config.dns.healthCheck.requestIntervalSeconds,
  };
}
