import { Validations } from 'aws-cdk-lib';
import {
  HIPAASecurityChecks,
  type IApplyRule,
  NagPack,
  NagRuleCompliance,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { treeAcknowledgement } from './acknowledgements';

/**
 * Context key that also runs cdk-nag's compliance packs at synth:
 * `npx cdk synth -c complianceChecks=true` (`npm run check`). Off for plain synth to keep it fast;
 * `npm test` runs them once (test/checks/compliance-app.test.ts). See docs/compliance.md.
 */
export const COMPLIANCE_CONTEXT_KEY = 'complianceChecks';

/** cdk-nag's compliance packs this app is held to, besides AwsSolutions (always on). */
export const COMPLIANCE_PACKS = [
  NIST80053R5Checks,
  HIPAASecurityChecks,
  PCIDSS321Checks,
  ServerlessChecks,
] as const;

/** Rule-id prefixes of the compliance packs (`NIST.800.53.R5-IAMNoInlinePolicy`). */
export const COMPLIANCE_PACK_NAMES = [
  'NIST.800.53.R5',
  'HIPAA.Security',
  'PCI.DSS.321',
  'Serverless',
] as const;
export type CompliancePackName = (typeof COMPLIANCE_PACK_NAMES)[number];

/** A new instance of each compliance pack, to register as validation plugins. */
export function compliancePacks(): NagPack[] {
  return COMPLIANCE_PACKS.map((Pack) => new Pack());
}

/** One rule of one pack on one resource. */
export interface ComplianceFinding {
  readonly pack: CompliancePackName;
  /** Full rule id as cdk-nag reports it, e.g. `HIPAA.Security-LambdaDLQ`. */
  readonly ruleId: string;
  /** Rule name without the pack prefix, e.g. `LambdaDLQ`. */
  readonly rule: string;
  readonly constructPath: string;
  /** Set when the rule threw (usually an unresolvable intrinsic). */
  readonly error?: string;
}

/** A finding suppressed by a reasoned acknowledgement. */
export interface AcknowledgedComplianceFinding extends ComplianceFinding {
  readonly reason: string;
  /** Construct path the acknowledgement was recorded on (the resource or an ancestor). */
  readonly source: string;
}

export interface ComplianceResult {
  readonly findings: ComplianceFinding[];
  readonly acknowledged: AcknowledgedComplianceFinding[];
}

/**
 * Runs one compliance pack over a synthesized construct tree and returns both the unacknowledged
 * findings and the acknowledged ones with their reasons (cdk-nag's own report drops the latter),
 * so tests and docs can list every acknowledgement. Acknowledgements are read exactly as cdk-nag
 * reads them (`Validations.of(resource).acknowledge`, on the resource or an ancestor).
 */
export function evaluateCompliancePack(
  Pack: (typeof COMPLIANCE_PACKS)[number],
  root: IConstruct,
): ComplianceResult {
  const findings: ComplianceFinding[] = [];
  const acknowledged: AcknowledgedComplianceFinding[] = [];
  const pack = new (recordingPack(Pack as typeof NIST80053R5Checks))((params, packName) => {
    const rule = params.ruleSuffixOverride ?? params.rule.name;
    const record = (ruleId: string, error?: string): void => {
      const finding: ComplianceFinding = {
        pack: packName as CompliancePackName,
        ruleId,
        rule,
        constructPath: params.node.node.path,
        ...(error ? { error } : {}),
      };
      const ack = treeAcknowledgement(params.node, [ruleId], []);
      if (ack && ack.reason.trim().length > 0) acknowledged.push({ ...finding, ...ack });
      else findings.push(finding);
    };
    const ruleId = `${packName}-${rule}`;
    try {
      const result = params.rule(params.node);
      if (result === NagRuleCompliance.NON_COMPLIANT) record(ruleId);
      else if (Array.isArray(result)) for (const f of result) record(`${ruleId}[${f}]`);
    } catch (e) {
      record(ruleId, (e as Error).message);
    }
  });
  pack.validateScope(root);
  return { findings, acknowledged };
}

type RuleObserver = (params: IApplyRule, packName: string) => void;

/** The pack with its rule application observed instead of reported (same rules, same resources). */
function recordingPack(Pack: new () => NIST80053R5Checks) {
  // Typed as one concrete pack: the packs differ only in which rules checkResource applies.
  return class extends Pack {
    constructor(private readonly observe: RuleObserver) {
      super();
    }
    protected override applyRule(params: IApplyRule): void {
      this.observe(params, this.packName);
    }
  };
}

/** Acknowledges `rule` (without pack prefix) on `resource` in every compliance pack that has it. */
export function acknowledgeCompliance(resource: IConstruct, rule: string, reason: string): void {
  for (const pack of COMPLIANCE_PACK_NAMES)
    Validations.of(resource).acknowledge({ id: `${pack}-${rule}`, reason });
}

/** Where an acknowledgement is listed in docs/compliance.md: the rule and the path below the stack. */
export function acknowledgementKey(a: Pick<ComplianceFinding, 'rule' | 'constructPath'>): string {
  return `${a.rule} ${a.constructPath.split('/').slice(1).join('/')}`;
}

/**
 * The acknowledgement table of docs/compliance.md: one row per rule and resource path (both
 * regional stacks share paths), with the packs that report it and the stacks it occurs in.
 */
export function acknowledgementTable(acknowledged: readonly AcknowledgedComplianceFinding[]): string {
  const rows = new Map<string, { rule: string; path: string; packs: Set<string>; stacks: Set<string> }>();
  for (const a of acknowledged) {
    const key = acknowledgementKey(a);
    const [stack, ...rest] = a.constructPath.split('/');
    const row = rows.get(key) ?? { rule: a.rule, path: rest.join('/'), packs: new Set(), stacks: new Set() };
    row.packs.add(a.pack);
    row.stacks.add(stack);
    rows.set(key, row);
  }
  const lines = ['| Rule | Resource | Packs | Stacks |', '| --- | --- | --- | --- |'];
  for (const key of [...rows.keys()].sort()) {
    const r = rows.get(key)!;
    lines.push(
      `| ${r.rule} | \`${r.path}\` | ${[...r.packs].sort().join(', ')} | ${[...r.stacks].sort().join(', ')} |`,
    );
  }
  return lines.join('\n') + '\n';
}
