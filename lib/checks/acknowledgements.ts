import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * True when an acknowledged id names the rule: bare (`RES-DB1`, which aws-cdk-lib
 * records as `Annotation::RES-DB1`) or prefixed with one of `namespaces` (a plugin name).
 */
export function acknowledgesRuleIn(
  acknowledgedId: string,
  ruleId: string,
  namespaces: readonly string[],
): boolean {
  const sep = acknowledgedId.indexOf('::');
  if (sep === -1) return acknowledgedId === ruleId;
  const namespace = acknowledgedId.substring(0, sep).toLowerCase();
  return (
    (namespace === 'annotation' || namespaces.some((n) => n.toLowerCase() === namespace)) &&
    acknowledgedId.substring(sep + 2) === ruleId
  );
}

export interface TreeAcknowledgement {
  readonly reason: string;
  /** Construct path the acknowledgement was recorded on. */
  readonly source: string;
}

/**
 * The closest `Validations.of(scope).acknowledge(...)` of any of `ruleIds` on
 * the resource or one of its ancestors (the `aws:cdk:acknowledged-rules` metadata).
 */
export function treeAcknowledgement(
  resource: IConstruct,
  ruleIds: readonly string[],
  namespaces: readonly string[],
): TreeAcknowledgement | undefined {
  for (let current: IConstruct | undefined = resource; current; current = current.node.scope) {
    for (const entry of current.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        if (ruleIds.some((ruleId) => acknowledgesRuleIn(id, ruleId, namespaces))) {
          return { reason: typeof reason === 'string' ? reason : '', source: current.node.path || '(app)' };
        }
      }
    }
  }
  return undefined;
}

/** Maps synthesized templates back to the construct tree (acknowledgements live there). */
export class ConstructIndex {
  /** template file name -> stack name */
  public readonly stackNames = new Map<string, string>();
  private readonly resources = new Map<string, CfnResource>();

  constructor(root: IConstruct | undefined) {
    if (!root) return;
    for (const node of root.node.findAll()) {
      if (Stack.isStack(node)) this.stackNames.set(node.templateFile, node.stackName);
      if (CfnResource.isCfnResource(node)) {
        const stack = Stack.of(node);
        this.resources.set(
          ConstructIndex.key(stack.templateFile, stack.resolve(node.logicalId) as string),
          node,
        );
      }
    }
  }

  /** The L1 resource of a template file name (basename) and logical id. */
  public resource(templateFile: string, logicalId: string): CfnResource | undefined {
    return this.resources.get(ConstructIndex.key(templateFile, logicalId));
  }

  private static key(templateFile: string, logicalId: string): string {
    return `${templateFile}\u0000${logicalId}`;
  }
}
