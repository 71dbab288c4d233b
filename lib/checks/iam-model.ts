import type { StackModel } from './stack-model';
import { isObject } from './stack-model';

/** A regex for an IAM-style wildcard pattern: `*` any run of characters, `?` one character. */
export function globRegex(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** True when an IAM action pattern (`rds:*`, `rds:Create*`, `*`) covers `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  // Action names are case-insensitive.
  return globRegex(pattern, 'i').test(action);
}

/** One Allow statement of a policy in this template. */
export interface AllowStatement {
  /** The role (inline policy) or AWS::IAM::Policy / ManagedPolicy that holds it. */
  readonly policy: string;
  readonly actions: readonly string[];
  /** Resource entries as written (literal ARNs, Refs, Fn::Join). */
  readonly resources: readonly unknown[];
}

/** Allow statements of a policy document (NotAction and NotResource are ignored). */
function allowStatements(stack: StackModel, policy: string, document: unknown): AllowStatement[] {
  if (!isObject(document)) return [];
  const statements =
    stack.list(document.Statement) ?? (isObject(document.Statement) ? [document.Statement] : []);
  return statements.flatMap((s) => {
    if (!isObject(s) || stack.str(s.Effect) !== 'Allow') return [];
    const actions = (Array.isArray(s.Action) ? s.Action : [s.Action])
      .map((a) => stack.str(a))
      .filter((a): a is string => a !== undefined);
    const resources = Array.isArray(s.Resource) ? s.Resource : s.Resource === undefined ? [] : [s.Resource];
    return [{ policy, actions, resources }];
  });
}

/**
 * Allow statements that apply to a role from this template: its inline Policies and every
 * AWS::IAM::Policy / ManagedPolicy attached to it.
 */
export function roleStatements(stack: StackModel, roleId: string): AllowStatement[] {
  const role = stack.resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') return [];
  const inline = (stack.list(role.Properties?.Policies) ?? []).flatMap((p) =>
    allowStatements(stack, roleId, isObject(p) ? p.PolicyDocument : undefined),
  );
  const attached = Object.entries(stack.resources)
    .filter(
      ([, r]) =>
        (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
        stack.refTargets(r.Properties?.Roles).includes(roleId),
    )
    .flatMap(([id, r]) => allowStatements(stack, id, r.Properties?.PolicyDocument));
  return [...inline, ...attached];
}

/** Actions a role is allowed by the policies of this template. */
export function roleActions(stack: StackModel, roleId: string): string[] {
  return roleStatements(stack, roleId).flatMap((s) => s.actions);
}

/** The resource entries of a role's statements that allow `action`, with the policy that allows each. */
export function resourcesAllowed(
  stack: StackModel,
  roleId: string,
  action: string,
): { readonly resource: unknown; readonly policy: string }[] {
  return roleStatements(stack, roleId)
    .filter((s) => s.actions.some((a) => actionMatches(a, action)))
    .flatMap((s) => s.resources.map((resource) => ({ resource, policy: s.policy })));
}

/** True when the Lambda function's execution role (in this template) may call `action`. */
export function functionMayCall(stack: StackModel, functionId: string, action: string): boolean {
  const roleId = stack.refTarget(stack.prop(functionId, 'Role'));
  return roleId !== undefined && roleActions(stack, roleId).some((p) => actionMatches(p, action));
}
