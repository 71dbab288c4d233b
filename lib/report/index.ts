export {
  AssemblyError,
  missingStacks,
  PartialAssemblyError,
  regionOfEnvironment,
  stacksFromManifest,
} from './assembly';
export { compareProfiles, drScaleUp } from './compare';
export type { ProfileRun } from './compare';
export { costModel, COST_LABEL, vcpusOfClass } from './cost';
export { REPORT_EXIT, reportExitCode } from './exit-code';
export { findPrice, HOURS_PER_MONTH, PRICE_TABLE, PRICED_REGIONS } from './prices';
export type { PriceConstant, PriceId } from './prices';
export { availabilityEstimate } from './availability';
export { albDetection, azFailover } from './az-failover';
export { BUDGETS, checkBudgets } from './budgets';
export { capacityAfterAzLoss } from './capacity';
export { constant, DOCUMENTED_CONSTANTS } from './constants';
export type { ConstantBasis, ConstantId, DocumentedConstant } from './constants';
export { invariantsByRegion, UNKNOWN_REGION, verdictOf } from './invariants';
export { buildReport } from './model';
export type { BuildReportOptions } from './model';
export { presenceChecks } from './presence-checks';
export { regionFailover } from './region-failover';
export { renderJson, REPORT_JSON_VERSION } from './render-json';
export { formatUsd, renderComparison, renderMarkdown } from './render-markdown';
export { recoveryPoints } from './rpo';
export { profileMetadata, readinessGrace, snapshotSchedule } from './template-values';
export * from './types';
