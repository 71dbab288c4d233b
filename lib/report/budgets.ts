import type { AzFailoverModel, BudgetCheck, RegionFailoverModel, RpoModel } from './types';

/** The recovery budgets of docs/architecture.md ("Budgets"), in seconds. */
export const BUDGETS = {
  regionFailoverSeconds: 120,
  azFailoverSeconds: 60,
  regionLossRpoSeconds: 1,
} as const;

function max(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : Math.max(...values);
}

/**
 * Compares the modeled numbers with the budgets. A budget fails when the
 * model exceeds it, or when the model could not be built from the templates.
 */
export function checkBudgets(
  az: readonly AzFailoverModel[],
  region: readonly RegionFailoverModel[],
  rpo: RpoModel,
): BudgetCheck[] {
  const regionUnresolved = region.flatMap((r) => r.unresolved);
  const regionModeled = regionUnresolved.length === 0 ? max(region.map((r) => r.dns.seconds)) : undefined;
  const azUnresolved = az.flatMap((a) => a.unresolved);
  const azVisible = az.map((a) => a.userVisible?.upperSeconds).filter((s): s is number => s !== undefined);
  const azModeled = azUnresolved.length === 0 && azVisible.length === az.length ? max(azVisible) : undefined;
  const corruption = rpo.logicalCorruption;

  const budget = (
    id: string,
    description: string,
    limit: number,
    modeled: number | undefined,
    ok: string,
    missing: string,
  ): BudgetCheck => ({
    id,
    description,
    budget: limit,
    modeled,
    unit: 'seconds',
    pass: modeled !== undefined && modeled <= limit,
    note: modeled === undefined ? missing : ok,
  });

  return [
    budget(
      'BUDGET-REGION-RTO',
      'Region failover (detection + grace + DNS)',
      BUDGETS.regionFailoverSeconds,
      regionModeled,
      'slowest PRIMARY record; the Global Database failover that follows is operator-triggered and not included',
      regionUnresolved.length > 0
        ? `not modeled: ${regionUnresolved.join('; ')}`
        : 'not modeled: no PRIMARY failover record in the app',
    ),
    budget(
      'BUDGET-AZ-RTO',
      'AZ failover, user-visible (usual upper bound)',
      BUDGETS.azFailoverSeconds,
      azModeled,
      'slowest region; capacity restoration is not user-visible and not included',
      azUnresolved.length > 0
        ? `not modeled: ${azUnresolved.join('; ')}`
        : 'not modeled: no fleet behind a load balancer target group',
    ),
    budget(
      'BUDGET-RPO-REGION',
      'RPO on region loss',
      BUDGETS.regionLossRpoSeconds,
      rpo.regionLoss?.sum.seconds,
      rpo.regionLoss?.note ?? '',
      'not modeled: no Global Database and no snapshot schedule',
    ),
    budget(
      'BUDGET-RPO-CORRUPTION',
      'RPO on logical corruption ≤ snapshot interval',
      corruption?.inRegion.seconds ?? 0,
      corruption?.inRegion.seconds,
      'restore from the newest in-region snapshot; equals the interval when a schedule exists',
      'not modeled: no scheduled snapshot of the writer cluster',
    ),
  ];
}
