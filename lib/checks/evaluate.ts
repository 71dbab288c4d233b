import { acknowledgesRuleIn } from './acknowledgements';
import type { AppModel, ResilienceRule } from './rule';
import { RESILIENCE_RULES } from './rules';
import { StackModel } from './stack-model';
import type { Invariant, ResilienceOptions, RuleLevel, StackInput } from './types';
import { resolveOptions } from './types';

/** An acknowledgement found for a resource and rule; `reason` may be empty (then it is refused). */
export interface AcknowledgementRecord {
  readonly reason: string;
  /** Where it was recorded (construct path or "template metadata"). */
  readonly source: string;
}

/** Looks up an acknowledgement of `ruleId` for one resource. */
export type AcknowledgementLookup = (
  stack: StackModel,
  logicalId: string,
  ruleId: string,
) => AcknowledgementRecord | undefined;

export type CheckStatus = 'pass' | 'fail' | 'acknowledged';

/** One rule's result on one resource. */
export interface CheckResult {
  readonly ruleId: string;
  readonly description: string;
  readonly invariant: Invariant;
  readonly level: RuleLevel;
  readonly stackName: string;
  readonly region?: string;
  readonly templatePath?: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: CheckStatus;
  readonly message: string;
  readonly acknowledgement?: AcknowledgementRecord;
}

export interface EvaluationResult {
  /** Every check, passing or not (the report lists the resources behind each invariant). */
  readonly results: readonly CheckResult[];
  /** Failing, unacknowledged checks (errors and warnings). */
  readonly findings: readonly CheckResult[];
  /** Failing checks suppressed by an acknowledgement with a reason. */
  readonly acknowledged: readonly CheckResult[];
}

export interface EvaluateOptions extends ResilienceOptions {
  /**
   * Where acknowledgements come from.
   * @default templateMetadataAcknowledgements (cdk-nag's `cdk_nag.rules_to_suppress` resource metadata)
   */
  readonly acknowledgements?: AcknowledgementLookup;
  /**
   * The rules to run.
   * @default RESILIENCE_RULES
   */
  readonly rules?: readonly ResilienceRule[];
}

/** Plugin name, also the namespace of `Validations.of(x).acknowledge({ id: 'Resilience::RES-DB1' })`. */
export const PACK_NAME = 'Resilience';

/** True when an acknowledged id (bare, `Annotation::` or `Resilience::`) names the rule. */
export function acknowledgesRule(acknowledgedId: string, ruleId: string): boolean {
  return acknowledgesRuleIn(acknowledgedId, ruleId, [PACK_NAME]);
}

/**
 * Acknowledgements persisted in the template, in the cdk-nag v2 audit format
 * (`Metadata.cdk_nag.rules_to_suppress: [{ id, reason }]`), which cdk-nag v3
 * writes with `writeSuppressionsToCloudFormation: true`. Lets tools that only
 * read cdk.out see the same acknowledgements.
 */
export const templateMetadataAcknowledgements: AcknowledgementLookup = (stack, logicalId, ruleId) => {
  const nag = stack.metadata(logicalId, 'cdk_nag') as { rules_to_suppress?: unknown } | undefined;
  const entries = Array.isArray(nag?.rules_to_suppress) ? nag.rules_to_suppress : [];
  for (const entry of entries) {
    const e = (entry ?? {}) as { id?: unknown; reason?: unknown };
    if (typeof e.id === 'string' && acknowledgesRule(e.id, ruleId)) {
      return { reason: typeof e.reason === 'string' ? e.reason : '', source: 'template metadata' };
    }
  }
  return undefined;
};

/**
 * Evaluates the resilience rules over a set of synthesized templates (the
 * whole app: some rules look across stacks). Independent of the CDK plugin,
 * so a report can run it over cdk.out.
 */
export function evaluateTemplates(
  stacks: readonly StackInput[],
  options: EvaluateOptions = {},
): EvaluationResult {
  const resolved = resolveOptions(options);
  const lookup = options.acknowledgements ?? templateMetadataAcknowledgements;
  const models = stacks.map((s) => new StackModel(s));
  const byName = new Map(models.map((m) => [m.stackName, m]));
  const app: AppModel = { stacks: models };

  const results: CheckResult[] = [];
  for (const rule of options.rules ?? RESILIENCE_RULES) {
    for (const check of rule.evaluate(app, resolved)) {
      const stack = byName.get(check.stackName);
      const base = {
        ruleId: rule.id,
        description: rule.description,
        invariant: rule.invariant,
        level: rule.level,
        stackName: check.stackName,
        region: stack?.region,
        templatePath: stack?.templatePath,
        logicalId: check.logicalId,
        resourceType: stack?.resources[check.logicalId]?.Type ?? 'unknown',
      };
      if (check.compliant) {
        results.push({ ...base, status: 'pass', message: check.message });
        continue;
      }
      const ack = stack ? lookup(stack, check.logicalId, rule.id) : undefined;
      if (ack && ack.reason.trim().length > 0) {
        results.push({ ...base, status: 'acknowledged', message: check.message, acknowledgement: ack });
      } else if (ack) {
        // An acknowledgement must say why; without a reason it does not count.
        results.push({
          ...base,
          status: 'fail',
          message: `${check.message} (acknowledgement at ${ack.source} refused: no reason given)`,
          acknowledgement: ack,
        });
      } else {
        results.push({ ...base, status: 'fail', message: check.message });
      }
    }
  }
  return {
    results,
    findings: results.filter((r) => r.status === 'fail'),
    acknowledged: results.filter((r) => r.status === 'acknowledged'),
  };
}
