import { DefaultStackSynthesizer } from 'aws-cdk-lib';

/**
 * The roles `cdk bootstrap` creates in each environment, by the name the CLI assumes them:
 * `cdk-<qualifier>-<kind>-<account>-<region>`. The deploy role of the GitHub workflow may assume
 * these and nothing else; the smoke test reads through the lookup role (ReadOnlyAccess).
 */
export const BOOTSTRAP_ROLE_KINDS = [
  'deploy-role',
  'file-publishing-role',
  'image-publishing-role',
  'lookup-role',
] as const;
export type BootstrapRoleKind = (typeof BOOTSTRAP_ROLE_KINDS)[number];

/** The context key through which a CDK app uses a custom bootstrap qualifier. */
export const BOOTSTRAP_QUALIFIER_CONTEXT = '@aws-cdk/core:bootstrapQualifier';

const QUALIFIER = /^[A-Za-z0-9_-]{1,10}$/;

/** The app's bootstrap qualifier: the context value when set, else CDK's default (hnb659fds). */
export function bootstrapQualifier(contextValue: unknown): string {
  if (contextValue === undefined) return DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  if (typeof contextValue !== 'string' || !QUALIFIER.test(contextValue)) {
    throw new Error(
      `context ${BOOTSTRAP_QUALIFIER_CONTEXT} = ${JSON.stringify(contextValue)}: must be 1-10 letters, digits, ` +
        "'-' or '_' (the qualifier passed to cdk bootstrap --qualifier)",
    );
  }
  return contextValue;
}

export function bootstrapRoleName(
  kind: BootstrapRoleKind,
  qualifier: string,
  account: string,
  region: string,
): string {
  return `cdk-${qualifier}-${kind}-${account}-${region}`;
}

export function bootstrapRoleArn(
  kind: BootstrapRoleKind,
  qualifier: string,
  account: string,
  region: string,
  partition = 'aws',
): string {
  return `arn:${partition}:iam::${account}:role/${bootstrapRoleName(kind, qualifier, account, region)}`;
}
