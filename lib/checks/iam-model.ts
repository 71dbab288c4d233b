import type { StackModel } from './stack-model';
import { isObject } from './stack-model';

/** True when an IAM action pattern (`rds:*`, `rds:Create*`, `*`) covers `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return regex.test(action);
}

/** Allowed actions of a policy document (Allow statements only; NotAction is ignored). */
function allowedActions(stack: StackModel, document: unknown): string[] {
  if (!isObject(document)) return [];
  const statements =
    stack.list(document.Statement) ?? (isObject(document.Statement) ? [document.Statement] : []);
  return statements.flatMap((s) => {
    if (!isObject(s) || stack.str(s.Effect) !== 'Allow') return [];
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    return actions.map((a) => stack.str(a)).filter((a): a is string => a !== undefined);
  });
}

/**
 * Actions a role is allowed by the policies of this template: its inline
 * Policies and every AWS::IAM::Policy / ManagedPolicy attached to it.
 */
export function roleActions(stack: StackModel, roleId: string): string[] {
  const role = stack.resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') return [];
  const inline = (stack.list(role.Properties?.Policies) ?? []).flatMap((p) =>
    allowedActions(stack, isObject(p) ? p.PolicyDocument : undefined),
  );
  const attached = Object.values(stack.resources)
    .filter(
      (r) =>
        (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
        stack.refTargets(r.Properties?.Roles).includes(roleId),
    )
    .flatMap((r) => allowedActions(stack, r.Properties?.PolicyDocument));
  return [...inline, ...attached];
}

/** True when the Lambda function's execution role (in this template) may call `action`. */
export function functionMayCall(stack: StackModel, functionId: string, action: string): boolean {
  const roleId = stack.refTarget(stack.prop(functionId, 'Role'));
  return roleId !== undefined && roleActions(stack, roleId).some((p) => actionMatches(p, action));
}
