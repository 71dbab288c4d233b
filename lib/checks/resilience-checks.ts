import * as fs from 'fs';
import * as path from 'path';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { AcknowledgementLookup, CheckResult } from './evaluate';
import { acknowledgesRule, evaluateTemplates, PACK_NAME, templateMetadataAcknowledgements } from './evaluate';
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
    const index = indexConstructs(context.appConstruct);
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
      const resource = index.resources.get(resourceKey(path.basename(stack.templatePath ?? ''), logicalId));
      return (
        (resource && treeAcknowledgement(resource, ruleId)) ??
        templateMetadataAcknowledgements(stack, logicalId, ruleId)
      );
    };
    const result = evaluateTemplates(stacks, { ...this.props, acknowledgements: lookup });
    const violations = toViolations(result.findings, index);
    return { success: !violations.some((v) => v.severity === 'error'), violations };
  }
}

interface ConstructIndex {
  /** template file name -> stack name */
  readonly stackNames: Map<string, string>;
  /** template file name + logical id -> the L1 resource */
  readonly resources: Map<string, CfnResource>;
}

function resourceKey(templateFile: string, logicalId: string): string {
  return `${templateFile}\u0000${logicalId}`;
}

/** Maps template logical ids back to constructs (acknowledgements live on the construct tree). */
function indexConstructs(root: IConstruct | undefined): ConstructIndex {
  const index: ConstructIndex = { stackNames: new Map(), resources: new Map() };
  if (!root) return index;
  for (const node of root.node.findAll()) {
    if (Stack.isStack(node)) index.stackNames.set(node.templateFile, node.stackName);
    if (CfnResource.isCfnResource(node)) {
      const stack = Stack.of(node);
      index.resources.set(resourceKey(stack.templateFile, stack.resolve(node.logicalId) as string), node);
    }
  }
  return index;
}

/** The closest acknowledgement of `ruleId` on the resource or its ancestors. */
function treeAcknowledgement(
  resource: IConstruct,
  ruleId: string,
): { reason: string; source: string } | undefined {
  for (let current: IConstruct | undefined = resource; current; current = current.node.scope) {
    for (const entry of current.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        if (acknowledgesRule(id, ruleId)) {
          return { reason: typeof reason === 'string' ? reason : '', source: current.node.path || '(app)' };
        }
      }
    }
  }
  return undefined;
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
        constructPath: index.resources.get(resourceKey(path.basename(f.templatePath ?? ''), f.logicalId))
          ?.node.path,
        locations: ['Properties'],
      },
    ],
  }));
}
