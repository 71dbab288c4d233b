import { z } from 'zod';
import { CACHE_NODE_TYPES, oneOfFacts } from './facts';
import type { AppConfig, DeepPartial } from './schema';

/**
 * DR strategies (AWS's names): how much of the production footprint the DR
 * region keeps running while it waits. Each profile is a set of config values
 * applied over the defaults and under the user's own file, so every value a
 * profile sets can still be overridden.
 *
 * - `warm-standby` (default): DR runs the production shape; DNS alone moves reads.
 * - `pilot-light`: a DR fleet of `drCapacity.fleetMinPerAz` per AZ, a headless Aurora
 *   secondary (storage only, no instances) and a smaller DR cache; the failover
 *   runbook adds the database instances and scales the fleet before traffic can move.
 * - `minimal`: the smallest deployment that keeps every in-region invariant (2 AZs,
 *   2 per AZ, 1 reader, 1 DR instance, small types, no proxy), for test accounts.
 */
export const DR_STRATEGIES = ['warm-standby', 'pilot-light', 'minimal'] as const;
export type DrStrategy = (typeof DR_STRATEGIES)[number];

export const drStrategySchema = z.enum(DR_STRATEGIES, {
  error: `must be one of ${DR_STRATEGIES.join(', ')}`,
});

/** What the DR region keeps at rest, when that is less than the primary's shape. */
export const drCapacitySchema = z
  .object({
    /**
     * Instances per AZ the DR fleet keeps at rest; the runbook scales it to fleet.minPerAz
     * before traffic moves. Below fleet.minPerAz only with drStrategy pilot-light.
     * Omitted: fleet.minPerAz (the DR fleet is the production shape).
     */
    fleetMinPerAz: z.number().int().min(0).optional(),
    /** DR cache node type, e.g. cache.t4g.medium. Omitted: cache.nodeType. */
    cacheNodeType: oneOfFacts(
      CACHE_NODE_TYPES,
      'an ElastiCache node type',
      'lib/config/facts/elasticache.json',
    ).optional(),
  })
  .strict();

/**
 * Usage the cost model cannot read from the templates (`npm run report`). Monthly
 * figures for the serving (writer) region unless stated; the report prints them.
 */
export const costAssumptionsSchema = z
  .object({
    /** GB served to users per month (ALB processed bytes, internet egress). */
    trafficGbPerMonth: z.number().min(0),
    /** GB written to the database per month (Global Database replicated write I/Os, 4 KiB each). */
    dbWriteGbPerMonth: z.number().min(0),
    /** Aurora cluster volume size in GB (billed in each region of the global cluster). */
    dbStorageGb: z.number().min(0),
    /** GB through the NAT gateways per month, per region (package and AWS API calls not on endpoints). */
    natGbPerMonth: z.number().min(0),
    /** GB of logs ingested per month, per region. */
    logGbPerMonth: z.number().min(0),
  })
  .strict();

export type DrCapacityConfig = z.infer<typeof drCapacitySchema>;
export type CostAssumptions = z.infer<typeof costAssumptionsSchema>;

/** Defaults of the cost assumptions: a small production service. */
export const DEFAULT_COST_ASSUMPTIONS: CostAssumptions = {
  trafficGbPerMonth: 100,
  dbWriteGbPerMonth: 10,
  dbStorageGb: 20,
  natGbPerMonth: 10,
  logGbPerMonth: 5,
};

/**
 * The values each profile sets, given the config the user asked for (minimal keeps the
 * first two of whichever AZs are configured). Applied over the defaults, under the user's file.
 */
export function profileOverrides(strategy: DrStrategy, base: AppConfig): DeepPartial<AppConfig> {
  switch (strategy) {
    case 'warm-standby':
      return {};
    case 'pilot-light':
      return {
        database: { drInstances: 0 },
        drCapacity: { fleetMinPerAz: 1, cacheNodeType: 'cache.t4g.medium' },
      };
    case 'minimal':
      return {
        primary: { availabilityZones: firstTwo(base.primary?.availabilityZones) },
        dr: { availabilityZones: firstTwo(base.dr?.availabilityZones) },
        fleet: { instanceTypes: ['t4g.small', 't4g.medium'], minPerAz: 2, maxPerAz: 3 },
        database: { readers: 1, drInstances: 1, proxy: false },
        cache: { nodeType: 'cache.t4g.small', shards: 2, replicasPerShard: 1 },
      };
  }
}

/** The first two AZs (a malformed list is left for validation to report). */
function firstTwo(azs: unknown): readonly string[] | undefined {
  return Array.isArray(azs) ? (azs.slice(0, 2) as string[]) : undefined;
}

/** Instances per AZ the DR fleet keeps at rest. */
export function drFleetMinPerAz(config: AppConfig): number {
  return config.drCapacity.fleetMinPerAz ?? config.fleet.minPerAz;
}

/**
 * DR keeps less than the production shape at rest (pilot light): a fleet below fleet.minPerAz or a headless
 * Aurora secondary. The failover runbook must scale it up before promoting it.
 */
export function drScaledDown(config: AppConfig): boolean {
  return drFleetMinPerAz(config) < config.fleet.minPerAz || config.database.drInstances === 0;
}

/** The DR cache node type. */
export function drCacheNodeType(config: AppConfig): string {
  return config.drCapacity.cacheNodeType ?? config.cache.nodeType;
}

/** Cross-field rules of the profiles: what only pilot light may relax. */
export function profileProblems(c: AppConfig): { path: string; value: unknown; message: string }[] {
  const problems: { path: string; value: unknown; message: string }[] = [];
  const pilot = c.drStrategy === 'pilot-light';
  if (c.database.drInstances < 1 && !pilot) {
    problems.push({
      path: 'database.drInstances',
      value: c.database.drInstances,
      message: `must be at least 1 unless drStrategy is pilot-light (a headless secondary), got drStrategy ${c.drStrategy}`,
    });
  }
  const atRest = c.drCapacity.fleetMinPerAz;
  if (atRest !== undefined && atRest < c.fleet.minPerAz && !pilot) {
    problems.push({
      path: 'drCapacity.fleetMinPerAz',
      value: atRest,
      message: `must be at least fleet.minPerAz (${c.fleet.minPerAz}) unless drStrategy is pilot-light`,
    });
  }
  if (atRest !== undefined && atRest >= c.fleet.maxPerAz) {
    problems.push({
      path: 'drCapacity.fleetMinPerAz',
      value: atRest,
      message: `must be below fleet.maxPerAz (${c.fleet.maxPerAz}): the runbook scales up to fleet.minPerAz`,
    });
  }
  return problems;
}

/** Stack template metadata key under which the report finds the profile (`npm run report`). */
export const PROFILE_METADATA_KEY = 'HaRef::Profile';

/** What a regional stack records about its profile, for the report and the runbook. */
export interface ProfileMetadata {
  readonly drStrategy: DrStrategy;
  readonly role: 'primary' | 'secondary';
  /** Usage assumptions of the cost model. */
  readonly cost: CostAssumptions;
  /** Pilot light, DR only: what the runbook restores before traffic moves. */
  readonly scaleUp?: {
    /** The fleet's MinSize at production shape (fleet.minPerAz × AZs). */
    readonly fleetMinSize: number;
    /** Aurora instances the runbook adds to the headless secondary (0 when it has its own). */
    readonly databaseInstances: number;
    readonly databaseInstanceClass: string;
  };
}

/** Prefix of every acknowledgement a profile makes; the report shows these as "relaxed by profile". */
export const RELAXED_BY_PROFILE = 'Relaxed by profile';

/** The profile named by an acknowledgement reason a profile wrote, else undefined. */
export function relaxingProfile(reason: string | undefined): string | undefined {
  const m = new RegExp(`^${RELAXED_BY_PROFILE} ([a-z-]+):`).exec(reason ?? '');
  return m?.[1];
}
