import * as fs from 'fs';
import * as path from 'path';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import { ConstructIndex, treeAcknowledgement } from './acknowledgements';
import type { AcknowledgementLookup, CheckResult } from './evaluate';
import { evaluateTemplates, PACK_NAME, templateMetadataAcknowledgements } from './evaluate';
import type { ResilienceRule } from './rule';
import { RESILIENCE_RULES } from './rules';
import type { CfnTemplate, ResilienceOptions, StackInput } from './types';
import { resolveOptions } from './types';

export interface ResilienceChecksProps extends ResilienceOptions {
  /**
   * The rules to run (e.g. `RESILIENCE_RULES.filter(...)` in an app without a Global Database).
   * @default RESILIENCE_RULES
   */
  readonly rules?: readonly ResilienceRule[];
}

/**
 * The resilience rule pack as a cdk-nag v3 style validation plugin:
 * `Validations.of(app).addPlugins(new ResilienceChecks())`.
 *
 * It reads every synthesized template of the app at once (rules look across
 * stacks, e.g. Route 53 failover pairs and Global Database secondaries) and
 * honours `Validations.of(scope).acknowledge({ id: 'RES-DB1', reason })` on
 * the resource or any construct above it. An acknowledgement without a
 * reason is refused: the finding stays and says so.
 */
export class ResilienceChecks implements IPolicyValidationPlugin {
  public readonly name = PACK_NAME;
  public readonly version = '1.0.0';
  public readonly ruleIds: string[];
  private readonly props: ResilienceChecksProps;

  constructor(props: ResilienceChecksProps = {}) {
    resolveOptions(props); // fail at construction on bad thresholds
    this.props = props;
    this.ruleIds = (props.rules ?? RESILIENCE_RULES).map((r) => r.id);
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const index = new ConstructIndex(context.appConstruct);
    const entries =
      context.stackTemplates?.length > 0
        ? context.stackTemplates
        : context.templatePaths.map((templatePath) => ({ templatePath, region: context.region }));
    const stacks: StackInput[] = entries.map((entry) => {
      const file = path.basename(entry.templatePath);
      return {
        stackName: index.stackNames.get(file) ?? file.replace(/\.template\.json$/, ''),
        region: entry.region,
        templatePath: entry.templatePath,
        template: JSON.parse(fs.readFileSync(entry.templatePath, 'utf-8')) as CfnTemplate,
      };
    });
    const lookup: AcknowledgementLookup = (stack, logicalId, ruleId) => {
      const resource = index.resource(path.basename(stack.templatePath ?? ''), logicalId);
      return (
        (resource && treeAcknowledgement(resource, [ruleId], [PACK_NAME])) ??
        templateMetadataAcknowledgements(stack, logicalId, ruleId)
      );
    };
    const result = evaluateTemplates(stacks, { ...this.props, acknowledgements: lookup });
    const violations = toViolations(result.findings, index);
    return { success: !violations.some((v) => v.severity === 'error'), violations };
  }
}

/** One violation per finding, so the printed report carries what was found on each resource. */
function toViolations(findings: readonly CheckResult[], index: ConstructIndex): PolicyViolation[] {
  return findings.map((f) => ({
    // A refused (reasonless) acknowledgement gets its own finding id: otherwise the framework's
    // path-based suppression of 'Resilience::RES-X' would silence it regardless of the reason.
    ruleName: f.acknowledgement ? `${f.ruleId}[acknowledged-without-reason]` : f.ruleId,
    description: `${f.message}. Rule: ${f.description} [${f.invariant}]`,
    severity: f.level,
    ruleMetadata: { invariant: f.invariant },
    violatingResources: [
      {
        resourceLogicalId: f.logicalId,
        templatePath: f.templatePath,
        constructPath: index.resource(path.basename(f.templatePath ?? ''), f.logicalId)?.node.path,
        locations: ['Properties'],
      },
    ],
  }));
}
