import type { CheckStatus, Invariant, RuleLevel } from '../checks';
import type { CostAssumptions } from '../config/profiles';
import type { ConstantId, DocumentedConstant } from './constants';
import type { PriceConstant, PriceId, PriceUnit } from './prices';

/** The invariants of docs/architecture.md the report covers: the rule pack's, plus two it detects itself. */
export type ReportInvariant = Invariant | 'INV-OBS' | 'INV-CHAOS';

export const REPORT_INVARIANTS: readonly ReportInvariant[] = [
  'INV-NET',
  'INV-ALB',
  'INV-ASG',
  'INV-DB',
  'INV-CACHE',
  'INV-DNS',
  'INV-BACKUP',
  'INV-OBS',
  'INV-CHAOS',
  'INV-BOOT',
];

/** One check behind an invariant: a rule-pack result or a report presence check. */
export interface InvariantCheck {
  readonly ruleId: string;
  /** `rule-pack` for lib/checks rules, `report` for the presence checks of INV-OBS / INV-CHAOS. */
  readonly origin: 'rule-pack' | 'report';
  readonly level: RuleLevel;
  readonly stackName: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** The DR strategy that relaxes this check on purpose (an acknowledgement a profile wrote). */
  readonly relaxedByProfile?: string;
}

/**
 * `warn`: only warning-level checks fail; `relaxed`: a check fails only because the DR strategy
 * relaxes it on purpose (never shown as a pass); `not-applicable`: nothing in the region to check.
 */
export type InvariantVerdict = 'pass' | 'warn' | 'relaxed' | 'fail' | 'not-applicable';

export interface InvariantStatus {
  readonly invariant: ReportInvariant;
  readonly verdict: InvariantVerdict;
  readonly checks: readonly InvariantCheck[];
}

export interface RegionInvariants {
  readonly region: string;
  readonly stacks: readonly string[];
  readonly invariants: readonly InvariantStatus[];
}

/** One addend of a modeled time, with where its value came from. */
export interface Term {
  readonly label: string;
  readonly seconds: number;
  /** `template` values name stack/logicalId.Property (one or more); `constant` values name a table id. */
  readonly source:
    | { readonly kind: 'template'; readonly refs: readonly string[] }
    | { readonly kind: 'constant'; readonly id: ConstantId };
}

export interface Sum {
  readonly seconds: number;
  readonly terms: readonly Term[];
}

/** One mechanism that acts when an AZ is lost. */
export interface AzComponent {
  readonly name: string;
  /**
   * `user-visible`: requests fail until it completes; `degraded`: the service keeps answering
   * (e.g. cache down, reads from the database); `capacity`: restores headroom, no user impact.
   */
  readonly impact: 'user-visible' | 'degraded' | 'capacity';
  /** Typical time. */
  readonly typical: Sum;
  /** Usual upper bound (equal to typical when only one figure exists). */
  readonly upper: Sum;
  /** Only part of the traffic is affected (e.g. writes, only if the writer was in the lost AZ). */
  readonly scope: string;
}

export interface AzFailoverModel {
  readonly region: string;
  readonly stackName: string;
  readonly components: readonly AzComponent[];
  /** Longest user-visible component (typical and upper); undefined when none could be modeled. */
  readonly userVisible?: {
    readonly typicalSeconds: number;
    readonly upperSeconds: number;
    readonly boundedBy: string;
  };
  /** Slowest capacity component. */
  readonly capacityRestoration?: { readonly seconds: number; readonly boundedBy: string };
  /** Values the model needed but could not read from the template (the budget then fails). */
  readonly unresolved: readonly string[];
}

export interface RegionFailoverModel {
  /** The region traffic leaves (the PRIMARY record's). */
  readonly fromRegion: string;
  readonly toRegions: readonly string[];
  readonly stackName: string;
  readonly record: string;
  readonly healthCheck: string;
  /** Detection + readiness grace + DNS: what Route 53 does alone. */
  readonly dns: Sum;
  /** The runbook's Global Database failover, started by an operator after the DNS move; listed separately. */
  readonly databaseFailover?: Sum;
  /** Values the model needed but could not read from the template (the budget then fails). */
  readonly unresolved: readonly string[];
}

export interface RpoModel {
  /** Data lost when the writer region is lost. */
  readonly regionLoss?: {
    readonly basis: 'global-database' | 'snapshot-copy';
    readonly sum: Sum;
    readonly note: string;
  };
  /** Data lost when a bad write must be undone from the scheduled snapshots. */
  readonly logicalCorruption?: {
    readonly region: string;
    readonly stackName: string;
    readonly schedule: string;
    /** Restore in the same region from the newest snapshot: the snapshot interval. */
    readonly inRegion: Sum;
    /** Restore in the other region from the newest copy: interval + copy time. */
    readonly crossRegion: Sum;
    /** In-region point-in-time restore, when the cluster keeps automated backups. */
    readonly pointInTime?: Sum;
  };
}

export interface CapacityModel {
  readonly region: string;
  readonly stackName: string;
  readonly autoScalingGroup: string;
  readonly minSize: number;
  readonly azs: readonly string[];
  readonly perAz: number;
  /** MinSize × (AZs − 1) / AZs. */
  readonly afterLosingOneAz: number;
  readonly fractionLeft: number;
}

export interface ServiceSla {
  readonly service: string;
  readonly constantId: ConstantId;
  readonly percent: number;
  /** The resource types that made the report count this service. */
  readonly evidence: string;
}

export interface AvailabilityModel {
  readonly label: 'SLA-based estimate';
  readonly regions: readonly {
    readonly region: string;
    readonly inSeries: readonly ServiceSla[];
    readonly percent: number;
  }[];
  /** The regions in parallel (either one serving is enough). */
  readonly parallelPercent: number;
  /** Global services in series with the pair (Route 53). */
  readonly global: readonly ServiceSla[];
  readonly overallPercent: number;
  readonly downtimeMinutesPerMonth: number;
  readonly assumptions: readonly string[];
}

export interface BudgetCheck {
  readonly id: string;
  readonly description: string;
  readonly budget: number;
  readonly modeled?: number;
  readonly unit: 'seconds';
  readonly pass: boolean;
  readonly note: string;
}

/** One priced quantity of one stack. */
export interface CostLine {
  readonly component: string;
  readonly detail: string;
  /** In the price's unit (hours, GB, GB-months, runs, million requests, items per month). */
  readonly quantity: number;
  readonly unit: PriceUnit;
  readonly priceId: PriceId;
  /** 0 when the price table has no row for it (listed in `unpriced`). */
  readonly usdPerMonth: number;
  /** Template values the quantity came from (stack/logicalId.Property). */
  readonly refs: readonly string[];
  /** The cost assumption the quantity rests on, when not on the template alone. */
  readonly assumption?: keyof CostAssumptions;
}

export interface RegionCost {
  readonly region: string;
  readonly stackName: string;
  readonly lines: readonly CostLine[];
  readonly usdPerMonth: number;
}

export interface CostModel {
  readonly label: string;
  readonly regions: readonly RegionCost[];
  readonly usdPerMonth: number;
  readonly assumptions: CostAssumptions;
  /** `template`: read from the stacks' profile metadata (the config's `cost`); `default`: the project defaults. */
  readonly assumptionsSource: 'template' | 'default';
  /** Resources of a type or class the price table has no row for (counted at 0). */
  readonly unpriced: readonly string[];
  readonly notes: readonly string[];
}

export interface ResilienceReport {
  readonly stacks: readonly { readonly stackName: string; readonly region?: string }[];
  readonly regions: readonly RegionInvariants[];
  readonly recovery: {
    readonly az: readonly AzFailoverModel[];
    readonly region: readonly RegionFailoverModel[];
    readonly rpo: RpoModel;
    readonly capacity: readonly CapacityModel[];
  };
  readonly availability?: AvailabilityModel;
  readonly budgets: readonly BudgetCheck[];
  readonly constants: readonly DocumentedConstant[];
  /** Monthly cost: an on-demand list-price estimate from the templates, not a bill. */
  readonly cost: CostModel;
  readonly prices: readonly PriceConstant[];
  /** The DR strategy the stacks record (HaRef::Profile metadata), when they record one. */
  readonly drStrategy?: string;
  /** Every invariant passes (warnings allowed). */
  readonly invariantsPass: boolean;
  readonly budgetsPass: boolean;
}

/** One DR strategy side by side with the others (`npm run report -- --compare`). */
export interface ProfileComparison {
  readonly drStrategy: string;
  readonly usdPerMonth: number;
  readonly usdByRegion: readonly {
    readonly region: string;
    readonly stackName: string;
    readonly usd: number;
  }[];
  /** Region loss: reads served from DR, and writes (after the Global Database failover). */
  readonly regionRto: { readonly reads: Sum; readonly writes: Sum; readonly modeled: boolean };
  readonly rpoSeconds?: number;
  /** Static stability of the serving region's fleet. */
  readonly capacityAfterAzLoss?: {
    readonly region: string;
    readonly minSize: number;
    readonly left: number;
    readonly fractionLeft: number;
  };
  /** Checks the profile relaxes on purpose ("INV-ASG RES-ASG2 (us-west-2)"). */
  readonly relaxed: readonly string[];
  readonly invariantsPass: boolean;
}
