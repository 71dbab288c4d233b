/** Invariant ids from docs/architecture.md that the rules enforce. */
export type Invariant =
  'INV-NET' | 'INV-ALB' | 'INV-ASG' | 'INV-DB' | 'INV-CACHE' | 'INV-DNS' | 'INV-BACKUP' | 'INV-BOOT';

/** How a failing rule is reported: `error` fails synth, `warning` is printed only. */
export type RuleLevel = 'error' | 'warning';

/** A subnet tier, classified from the subnet's default route. */
export type SubnetTier = 'public' | 'private' | 'isolated';

/** A CloudFormation template as synthesized (only the parts the rules read). */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResourceJson>;
  readonly Parameters?: Record<string, { readonly Default?: unknown }>;
  readonly [key: string]: unknown;
}

export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** One synthesized stack handed to `evaluateTemplates`. */
export interface StackInput {
  /** Display name (CloudFormation stack name or artifact id). */
  readonly stackName: string;
  /** The stack's region, when known (env-agnostic stacks leave it undefined). */
  readonly region?: string;
  readonly template: CfnTemplate;
  /** Path of the template on disk, reported back on violations. */
  readonly templatePath?: string;
}

/** Thresholds and names the rules use; every field has a default matching docs/architecture.md. */
export interface ResilienceOptions {
  /**
   * Minimum number of Availability Zones a VPC, ALB and ASG must span.
   * @default 2
   */
  readonly minAzs?: number;
  /**
   * Minimum in-service instances per AZ for an ASG behind a load balancer.
   * @default 2
   */
  readonly minInstancesPerAz?: number;
  /**
   * Minimum Aurora backup retention in days.
   * @default 7
   */
  readonly minBackupRetentionDays?: number;
  /**
   * Subnet tiers every VPC must have in every one of its AZs.
   * @default ['public', 'private', 'isolated']
   */
  readonly requiredSubnetTiers?: readonly SubnetTier[];
  /**
   * Lambda environment variables that name the region a scheduled snapshot function copies to.
   * @default DEFAULT_SNAPSHOT_REGION_ENV_VARS
   */
  readonly snapshotRegionEnvVars?: readonly string[];
  /**
   * Path (and query) the SECONDARY failover record's health check must request: the deep readiness check.
   * @default '/readyz'
   */
  readonly readinessPath?: string;
  /**
   * Path (and query) the PRIMARY failover record's health check must request: readiness that requires a writable database.
   * @default '/readyz?role=writer'
   */
  readonly writerReadinessPath?: string;
}

/** Environment variable names RES-BACKUP1 reads as the snapshot copy's destination region. */
export const DEFAULT_SNAPSHOT_REGION_ENV_VARS: readonly string[] = [
  'DESTINATION_REGION',
  'PEER_REGION',
  'TARGET_REGION',
  'DR_REGION',
  'COPY_REGION',
];

export type ResolvedOptions = Required<ResilienceOptions>;

export function resolveOptions(options: ResilienceOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    minAzs: options.minAzs ?? 2,
    minInstancesPerAz: options.minInstancesPerAz ?? 2,
    minBackupRetentionDays: options.minBackupRetentionDays ?? 7,
    requiredSubnetTiers: options.requiredSubnetTiers ?? ['public', 'private', 'isolated'],
    snapshotRegionEnvVars: options.snapshotRegionEnvVars ?? DEFAULT_SNAPSHOT_REGION_ENV_VARS,
    readinessPath: options.readinessPath ?? '/readyz',
    writerReadinessPath: options.writerReadinessPath ?? '/readyz?role=writer',
  };
  for (const key of ['minAzs', 'minInstancesPerAz', 'minBackupRetentionDays'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`ResilienceOptions.${key} must be an integer >= 1, got ${String(value)}`);
    }
  }
  if (resolved.snapshotRegionEnvVars.length === 0) {
    throw new Error('ResilienceOptions.snapshotRegionEnvVars must name at least one variable, got []');
  }
  for (const key of ['readinessPath', 'writerReadinessPath'] as const) {
    if (!resolved[key].startsWith('/')) {
      throw new Error(`ResilienceOptions.${key} must start with /, got ${JSON.stringify(resolved[key])}`);
    }
  }
  return resolved;
}

/** The outcome of one rule on one resource. */
export interface RuleCheck {
  readonly stackName: string;
  readonly logicalId: string;
  readonly compliant: boolean;
  /** What was found (why it passes or fails), for reports and violation text. */
  readonly message: string;
}

/** Static description of a rule, also exported as the rule list. */
export interface RuleInfo {
  readonly id: string;
  /** One line: what must hold. */
  readonly description: string;
  readonly invariant: Invariant;
  readonly level: RuleLevel;
}
