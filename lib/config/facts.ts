import { z } from 'zod';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import auroraPostgresql from './facts/aurora-postgresql.json';
import availabilityZones from './facts/availability-zones.json';
import ec2InstanceTypes from './facts/ec2-instance-types.json';
import elasticache from './facts/elasticache.json';
import route53HealthCheckers from './facts/route53-health-checker-regions.json';

/**
 * What AWS offers, known offline: regions from aws-cdk-lib's region-info, the rest from the small
 * data files in facts/ (each names its source page and the date it was checked). Validation refuses
 * any value outside these before a construct exists; a fork that needs a newer value adds it to
 * the data file (test/config/aws-facts.test.ts keeps the files consistent with the code).
 */

/** Partition of every region the app deploys to (the monitoring stack is in us-east-1). */
export const PARTITION = 'aws';

/** Regions of the aws partition that this aws-cdk-lib release knows. */
export const AWS_REGIONS: readonly string[] = RegionInfo.regions
  .filter((r) => r.partition === PARTITION)
  .map((r) => r.name);

/** AZ names of a region, or undefined when the data file does not list the region. */
export function availabilityZonesOf(region: string): readonly string[] | undefined {
  return (availabilityZones.zones as Record<string, string[] | undefined>)[region];
}

/** The command that lists a region's AZ names for an account (the data file cites it). */
export const AZ_CHECK_COMMAND = availabilityZones.check;

/** Regions Route 53 health checkers run from. */
export const ROUTE53_HEALTH_CHECKER_REGIONS: readonly string[] = route53HealthCheckers.regions;

/** Aurora PostgreSQL versions (major.minor) with Global Database support. */
export const GLOBAL_DATABASE_ENGINE_VERSIONS: readonly string[] =
  auroraPostgresql.globalDatabaseEngineVersions;

/** Instance classes (without "db.") a Global Database accepts, e.g. r6g.large. */
export const GLOBAL_DATABASE_INSTANCE_CLASSES: readonly string[] = Object.entries(
  auroraPostgresql.globalDatabaseInstanceClasses,
).flatMap(([family, sizes]) => sizes.map((size) => `${family}.${size}`));

export type CacheEngine = keyof typeof elasticache.engineVersions;

/** ElastiCache engine versions (major.minor) per engine. */
export const CACHE_ENGINE_VERSIONS: Readonly<Record<CacheEngine, readonly string[]>> =
  elasticache.engineVersions;

/** ElastiCache node types, e.g. cache.r7g.large. */
export const CACHE_NODE_TYPES: readonly string[] = Object.entries(elasticache.nodeTypes).flatMap(
  ([family, sizes]) => sizes.map((size) => `cache.${family}.${size}`),
);

export type CpuArchitecture = 'arm64' | 'x86_64';

/** The architecture of the fleet's AMI (Amazon Linux 2023 arm64, lib/constructs/fleet.ts). */
export const FLEET_ARCHITECTURE: CpuArchitecture = 'arm64';

const INSTANCE_FAMILIES = ec2InstanceTypes.families as Record<
  string,
  { readonly architecture: CpuArchitecture; readonly sizes: readonly string[] } | undefined
>;

/** Every EC2 instance type the data file lists, e.g. m7g.large. */
export const EC2_INSTANCE_TYPES: readonly string[] = Object.entries(INSTANCE_FAMILIES).flatMap(
  ([family, f]) => (f?.sizes ?? []).map((size) => `${family}.${size}`),
);

/** The CPU architecture of an EC2 instance type, or undefined when the data file does not list it. */
export function instanceArchitecture(instanceType: string): CpuArchitecture | undefined {
  const [family, size] = instanceType.split('.');
  const f = INSTANCE_FAMILIES[family];
  return f && f.sizes.includes(size) ? f.architecture : undefined;
}

/**
 * The candidate closest to `value` by edit distance (a swap of two neighbours counts as one
 * edit), when it is close enough to be a typo: at most 2 edits, and fewer than a third of its
 * length. Undefined otherwise.
 */
export function nearest(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(value.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= 2 && bestDistance * 3 < best.length ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * "must be <what> (<allowed>); did you mean "<nearest>"?" for a value outside `allowed`. Lists
 * of up to 16 are spelled out; longer ones are named by `where`.
 */
export function notOneOf(value: string, what: string, allowed: readonly string[], where: string): string {
  const list = allowed.length <= 16 ? allowed.join(', ') : `${allowed.length} listed in ${where}`;
  const guess = nearest(value, allowed);
  return `must be ${what} (${list})${guess ? `; did you mean "${guess}"?` : ''}`;
}

/** A string schema that accepts only `allowed`, refusing anything else with the nearest valid value. */
export function oneOfFacts(allowed: readonly string[], what: string, where: string): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    if (!allowed.includes(value)) {
      ctx.addIssue({ code: 'custom', message: notOneOf(value, what, allowed, where), input: value });
    }
  });
}
