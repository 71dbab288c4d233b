import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContext,
  IPolicyValidationContextBeta1,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import { ConstructIndex, treeAcknowledgement } from './acknowledgements';
import { templateScope, type CfnTemplate } from './guard-scope';

/** Plugin name, also the namespace of `acknowledge({ id: 'ControlTower::CT.S3.PR.9' })`. */
export const CONTROL_TOWER_PLUGIN_NAME = 'ControlTower';

/** One AWS Control Tower proactive control shipped as a cfn-guard rule file. */
export interface ControlTowerRuleFile {
  readonly file: string;
  /** cfn-guard rule name, e.g. `s3_bucket_versioning_enabled_check`. */
  readonly ruleName: string;
  /** Control id, e.g. `CT.S3.PR.11`. */
  readonly controlId?: string;
  /** CloudFormation resource types the rule reads. */
  readonly resourceTypes: readonly string[];
}

let ruleFileCache: ControlTowerRuleFile[] | undefined;

/** The Control Tower rule files bundled with @cdklabs/cdk-validator-cfnguard. */
export function controlTowerRuleFiles(): readonly ControlTowerRuleFile[] {
  if (ruleFileCache) return ruleFileCache;
  const root = path.join(
    path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
    'rules',
    'control-tower',
    'cfn-guard',
  );
  const files: ControlTowerRuleFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.guard')) {
        const text = fs.readFileSync(file, 'utf-8');
        files.push({
          file,
          ruleName: /^rule (\w+) when/m.exec(text)?.[1] ?? path.basename(file, '.guard'),
          controlId: /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(text)?.[1],
          resourceTypes: [
            ...new Set([...text.matchAll(/["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']/g)].map((m) => m[1])),
          ],
        });
      }
    }
  };
  walk(root);
  ruleFileCache = files.sort((a, b) => a.file.localeCompare(b.file));
  return ruleFileCache;
}

/** A finding suppressed by a reasoned acknowledgement. */
export interface ControlTowerAcknowledgement {
  /** Control id (`CT.S3.PR.9`), or the rule name when the rule file names no control. */
  readonly controlId: string;
  readonly ruleName: string;
  readonly templatePath: string;
  readonly logicalId: string;
  /** Path of the acknowledged resource in the construct tree. */
  readonly constructPath: string;
  readonly reason: string;
  /** Construct path the acknowledgement was recorded on (the resource or an ancestor). */
  readonly source: string;
}

/** Everything one run found: what fails (as plugin violations) and what was acknowledged. */
export interface ControlTowerResult {
  readonly violations: PolicyViolation[];
  readonly acknowledged: ControlTowerAcknowledgement[];
}

export interface ControlTowerChecksProps {
  /**
   * Controls to skip for the whole app, by control id (`CT.SQS.PR.1`) or rule name
   * (`sqs_dlq_check`). Prefer a per-resource acknowledgement with a reason.
   * @default none
   */
  readonly disabledRules?: readonly string[];
  /**
   * Output buffer for the cfn-guard process, in bytes.
   * @default 64 MiB
   */
  readonly maxBuffer?: number;
}

/**
 * The AWS Control Tower proactive controls (cfn-guard rules bundled with
 * @cdklabs/cdk-validator-cfnguard, run offline) as a validation plugin, with:
 * - only the rule files whose resource types occur in the app (cfn-guard cost grows with rules x templates);
 * - per-resource acknowledgements by control id or rule name, which must carry a reason:
 *   `Validations.of(bucket).acknowledge({ id: 'CT.S3.PR.9', reason: '...' })`
 *   (Control Tower rules ignore cfn-guard's `Metadata.guard.SuppressedRules`);
 * - findings reported as errors, so one acknowledgement does not turn the rest into
 *   passes (the framework counts severity-less plugin violations as non-errors once it
 *   has suppressed anything).
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  public readonly name = CONTROL_TOWER_PLUGIN_NAME;
  public readonly version = '1.0.0';
  private readonly disabled: ReadonlySet<string>;
  private readonly maxBuffer: number;

  constructor(props: ControlTowerChecksProps = {}) {
    const known = new Set(controlTowerRuleFiles().flatMap((r) => [r.ruleName, r.controlId ?? r.ruleName]));
    const unknown = (props.disabledRules ?? []).filter((r) => !known.has(r));
    if (unknown.length > 0) {
      throw new Error(
        `ControlTowerChecks.disabledRules: unknown control(s) ${unknown.join(', ')}; use a control id like CT.SQS.PR.1 or a rule name like sqs_dlq_check`,
      );
    }
    this.disabled = new Set(props.disabledRules ?? []);
    this.maxBuffer = props.maxBuffer ?? 64 * 1024 * 1024;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const { violations } = this.evaluate(context);
    return { success: violations.length === 0, violations };
  }

  /**
   * Runs the relevant rule files over the templates; returns the unacknowledged findings and the
   * acknowledged ones (so tests and docs can list every acknowledgement with its reason).
   */
  public evaluate(context: IPolicyValidationContext): ControlTowerResult {
    const templates = context.templatePaths.map((templatePath) => ({
      templatePath,
      template: JSON.parse(fs.readFileSync(templatePath, 'utf-8')) as CfnTemplate,
    }));
    const types = new Set(
      templates.flatMap(({ template }) => Object.values(template.Resources ?? {}).map((r) => r.Type)),
    );
    const rules = controlTowerRuleFiles().filter(
      (r) =>
        r.resourceTypes.some((t) => types.has(t)) &&
        !this.disabled.has(r.ruleName) &&
        !(r.controlId && this.disabled.has(r.controlId)),
    );
    if (rules.length === 0) return { violations: [], acknowledged: [] };

    const raw = runScopedGuard(rules, templates, context.appConstruct, this.maxBuffer);

    const index = new ConstructIndex(context.appConstruct);
    const byName = new Map(rules.map((r) => [r.ruleName, r]));
    const violations: PolicyViolation[] = [];
    const acknowledged: ControlTowerAcknowledgement[] = [];
    for (const v of raw) {
      const controlId = byName.get(v.ruleName)?.controlId ?? /\[(CT\.[^\]]+)\]/.exec(v.description)?.[1];
      const ids = controlId ? [controlId, v.ruleName] : [v.ruleName];
      for (const r of v.violatingResources) {
        // cfn-guard sometimes reports a check with no resource path: keep it, unsuppressible.
        const logicalId =
          r.resourceLogicalId && r.resourceLogicalId !== 'undefined' ? r.resourceLogicalId : undefined;
        const resource = logicalId ? index.resource(path.basename(r.templatePath), logicalId) : undefined;
        const ack = resource ? treeAcknowledgement(resource, ids, [CONTROL_TOWER_PLUGIN_NAME]) : undefined;
        const reasonless = ack !== undefined && ack.reason.trim().length === 0;
        if (ack && !reasonless && resource && logicalId) {
          acknowledged.push({
            controlId: controlId ?? v.ruleName,
            ruleName: v.ruleName,
            templatePath: r.templatePath,
            logicalId,
            constructPath: resource.node.path,
            reason: ack.reason,
            source: ack.source,
          });
          continue;
        }
        violations.push({
          ruleName: `${controlId ?? v.ruleName}${reasonless ? '[acknowledged-without-reason]' : ''}`,
          description:
            `${v.description} (${v.ruleName})` +
            (reasonless ? ` (acknowledgement at ${ack.source} refused: no reason given)` : '') +
            (logicalId
              ? ''
              : ' (reported by cfn-guard without a resource: fix it, it cannot be acknowledged)'),
          fix: v.fix,
          severity: 'error',
          ruleMetadata: v.ruleMetadata,
          violatingResources: [
            {
              resourceLogicalId: logicalId,
              templatePath: r.templatePath,
              constructPath: resource?.node.path,
              locations: [...new Set(r.locations)],
            },
          ],
        });
      }
    }
    return { violations, acknowledged };
  }
}

/** cfn-guard's findings, as CfnGuardValidator reports them. */
export type GuardViolations = ReturnType<CfnGuardValidator['validate']>['violations'];

/**
 * Runs each rule file over its scope of each template (guard-scope.ts): rule files whose scopes are
 * the same share one cfn-guard process (35 processes for the default app's 105 rule files, not 105).
 * The scopes are written under the templates' own file names and findings point at the original
 * templates, so the result reads as one run over the whole templates would.
 */
export function runScopedGuard(
  rules: readonly ControlTowerRuleFile[],
  templates: readonly { readonly templatePath: string; readonly template: CfnTemplate }[],
  appConstruct: IPolicyValidationContextBeta1['appConstruct'],
  maxBuffer: number,
): GuardViolations {
  const batches = new Map<string, { scopes: (CfnTemplate | undefined)[]; files: string[] }>();
  for (const rule of rules) {
    const scopes = templates.map(({ template }) => templateScope(template, new Set(rule.resourceTypes)));
    if (scopes.every((scope) => scope === undefined)) continue;
    const key = JSON.stringify(scopes);
    const batch = batches.get(key) ?? { scopes, files: [] };
    batch.files.push(rule.file);
    batches.set(key, batch);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  const raw: GuardViolations = [];
  try {
    [...batches.values()].forEach(({ scopes, files }, i) => {
      const dir = path.join(scratch, String(i));
      fs.mkdirSync(dir);
      const scoped = templates.flatMap(({ templatePath }, t) => {
        const scope = scopes[t];
        if (!scope) return [];
        const file = path.join(dir, path.basename(templatePath));
        fs.writeFileSync(file, JSON.stringify(scope));
        return [{ file, templatePath }];
      });
      const guard = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: files, maxBuffer });
      const original = new Map(scoped.map((t) => [t.file, t.templatePath]));
      for (const v of guard.validate({ templatePaths: scoped.map((t) => t.file), appConstruct }).violations) {
        raw.push({
          ...v,
          violatingResources: v.violatingResources.map((r) => ({
            ...r,
            templatePath: original.get(r.templatePath) ?? r.templatePath,
          })),
        });
      }
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return raw;
}
