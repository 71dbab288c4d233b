import {
  evaluateTemplates,
  StackModel,
  type AppModel,
  type EvaluateOptions,
  type StackInput,
} from '../checks';
import { availabilityEstimate } from './availability';
import { azFailover } from './az-failover';
import { checkBudgets } from './budgets';
import { capacityAfterAzLoss } from './capacity';
import { DOCUMENTED_CONSTANTS } from './constants';
import { costModel } from './cost';
import { PRICE_TABLE } from './prices';
import { profileMetadata } from './template-values';
import { invariantsByRegion } from './invariants';
import { presenceChecks } from './presence-checks';
import { regionFailover } from './region-failover';
import { recoveryPoints } from './rpo';
import type { AzFailoverModel, ResilienceReport } from './types';

export interface BuildReportOptions {
  /**
   * Options for the resilience rule pack (thresholds, acknowledgement source).
   * @default the pack's defaults (docs/architecture.md values, template-metadata acknowledgements)
   */
  readonly evaluate?: EvaluateOptions;
}

/**
 * The whole report from synthesized templates: invariant verdicts from the
 * resilience rule pack (plus presence checks for INV-OBS / INV-CHAOS), and
 * recovery times, recovery points, capacity and availability modeled from the
 * templates' own values and the constants table. Pure: no I/O.
 */
export function buildReport(
  stacks: readonly StackInput[],
  options: BuildReportOptions = {},
): ResilienceReport {
  const evaluation = evaluateTemplates(stacks, options.evaluate);
  const regions = invariantsByRegion(stacks, evaluation, presenceChecks(stacks));
  const app: AppModel = { stacks: stacks.map((s) => new StackModel(s)) };

  // RES-GDB1 passing means a global cluster has a secondary in another region.
  const globalDatabase = evaluation.results.some((r) => r.ruleId === 'RES-GDB1' && r.status !== 'fail');
  const az = app.stacks.map(azFailover).filter((m): m is AzFailoverModel => m !== undefined);
  const region = regionFailover(app, globalDatabase);
  const rpo = recoveryPoints(app, globalDatabase);
  const budgets = checkBudgets(az, region, rpo);
  const profiles = stacks.map(profileMetadata).filter((p) => p !== undefined);

  return {
    stacks: stacks.map((s) => ({ stackName: s.stackName, region: s.region })),
    regions,
    recovery: { az, region, rpo, capacity: app.stacks.flatMap(capacityAfterAzLoss) },
    availability: availabilityEstimate(app),
    budgets,
    constants: DOCUMENTED_CONSTANTS,
    cost: costModel(app, profiles[0] ? { assumptions: profiles[0].cost, source: 'template' } : undefined),
    prices: PRICE_TABLE,
    drStrategy: profiles[0]?.drStrategy,
    invariantsPass: regions.every((r) => r.invariants.every((i) => i.verdict !== 'fail')),
    budgetsPass: budgets.every((b) => b.pass),
  };
}
