import type { EvaluationResult, StackInput } from '../checks';
import { relaxingProfile } from '../config/profiles';
import type {
  InvariantCheck,
  InvariantStatus,
  InvariantVerdict,
  RegionInvariants,
  ReportInvariant,
} from './types';
import { REPORT_INVARIANTS } from './types';

/** Region label for stacks whose template has no concrete region (env-agnostic). */
export const UNKNOWN_REGION = 'region-agnostic';

/**
 * Fail when an error-level check fails; relaxed when a profile relaxes a check on purpose; warn
 * when only warning-level checks fail; pass otherwise; n/a when nothing was checked.
 */
export function verdictOf(checks: readonly InvariantCheck[]): InvariantVerdict {
  if (checks.length === 0) return 'not-applicable';
  const failing = checks.filter((c) => c.status === 'fail');
  if (failing.some((c) => c.level === 'error')) return 'fail';
  if (checks.some((c) => c.relaxedByProfile !== undefined)) return 'relaxed';
  return failing.length > 0 ? 'warn' : 'pass';
}

/**
 * Groups the rule pack's results and the report's presence checks by region
 * and invariant, in docs/architecture.md order. Regions keep the order of the
 * stacks that first name them.
 */
export function invariantsByRegion(
  stacks: readonly StackInput[],
  evaluation: EvaluationResult,
  presence: readonly (InvariantCheck & { readonly invariant: ReportInvariant })[],
): RegionInvariants[] {
  const regionOf = new Map(stacks.map((s) => [s.stackName, s.region ?? UNKNOWN_REGION]));
  const regions: string[] = [];
  for (const s of stacks) {
    const r = s.region ?? UNKNOWN_REGION;
    if (!regions.includes(r)) regions.push(r);
  }
  const all: { invariant: ReportInvariant; region: string; check: InvariantCheck }[] = [
    ...evaluation.results.map((r) => ({
      invariant: r.invariant,
      region: r.region ?? regionOf.get(r.stackName) ?? UNKNOWN_REGION,
      check: {
        ruleId: r.ruleId,
        origin: 'rule-pack' as const,
        level: r.level,
        stackName: r.stackName,
        logicalId: r.logicalId,
        resourceType: r.resourceType,
        status: r.status,
        message: r.acknowledgement ? `${r.message} (acknowledged: ${r.acknowledgement.reason})` : r.message,
        relaxedByProfile:
          r.status === 'acknowledged' ? relaxingProfile(r.acknowledgement?.reason) : undefined,
      },
    })),
    ...presence.map(({ invariant, ...check }) => ({
      invariant,
      region: regionOf.get(check.stackName) ?? UNKNOWN_REGION,
      check,
    })),
  ];
  return regions.map((region) => {
    const inRegion = all.filter((c) => c.region === region);
    const invariants: InvariantStatus[] = REPORT_INVARIANTS.map((invariant) => {
      const checks = inRegion.filter((c) => c.invariant === invariant).map((c) => c.check);
      return { invariant, verdict: verdictOf(checks), checks };
    });
    return {
      region,
      stacks: stacks.filter((s) => (s.region ?? UNKNOWN_REGION) === region).map((s) => s.stackName),
      invariants,
    };
  });
}
