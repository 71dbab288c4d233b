import type { StackModel } from './stack-model';
import type { ResolvedOptions, RuleCheck, RuleInfo } from './types';

/** Every stack of the app (or of the set of templates) under evaluation. */
export interface AppModel {
  readonly stacks: readonly StackModel[];
}

/** A rule: static info plus an evaluation over the whole app (some rules need cross-stack facts). */
export interface ResilienceRule extends RuleInfo {
  /** Returns one check per resource the rule applies to, compliant or not. */
  evaluate(app: AppModel, options: ResolvedOptions): RuleCheck[];
}

export interface Verdict {
  readonly compliant: boolean;
  readonly message: string;
}

/**
 * Runs `judge` on every resource of `type` in every stack; `judge` returns
 * undefined for resources the rule does not apply to.
 */
export function forEachResource(
  app: AppModel,
  type: string,
  judge: (stack: StackModel, logicalId: string, props: Record<string, unknown>) => Verdict | undefined,
): RuleCheck[] {
  const checks: RuleCheck[] = [];
  for (const stack of app.stacks) {
    for (const [logicalId, resource] of stack.ofType(type)) {
      const verdict = judge(stack, logicalId, resource.Properties ?? {});
      if (verdict) checks.push({ stackName: stack.stackName, logicalId, ...verdict });
    }
  }
  return checks;
}

/** Verdict from a list of problems: compliant when empty. */
export function verdict(problems: readonly string[], okMessage: string): Verdict {
  return problems.length === 0
    ? { compliant: true, message: okMessage }
    : { compliant: false, message: problems.join('; ') };
}
