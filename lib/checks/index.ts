export { ResilienceChecks } from './resilience-checks';
export type { ResilienceChecksProps } from './resilience-checks';
export { evaluateTemplates, templateMetadataAcknowledgements, acknowledgesRule, PACK_NAME } from './evaluate';
export type {
  AcknowledgementLookup,
  AcknowledgementRecord,
  CheckResult,
  CheckStatus,
  EvaluateOptions,
  EvaluationResult,
} from './evaluate';
export { RESILIENCE_RULES } from './rules';
export type { AppModel, ResilienceRule } from './rule';
export { StackModel } from './stack-model';
export { DEFAULT_SNAPSHOT_REGION_ENV_VARS, resolveOptions } from './types';
export type {
  CfnResourceJson,
  CfnTemplate,
  Invariant,
  ResilienceOptions,
  RuleCheck,
  RuleInfo,
  RuleLevel,
  StackInput,
  SubnetTier,
} from './types';

import { RESILIENCE_RULES } from './rules';
import type { RuleInfo } from './types';

/** The rule list without behaviour: id, one-line description, invariant, level. */
export const RULE_INFO: readonly RuleInfo[] = RESILIENCE_RULES.map(
  ({ id, description, invariant, level }) => ({
    id,
    description,
    invariant,
    level,
  }),
);
