import { ConfigError, type ConfigProblem } from '../config';
import { GITHUB_ENVIRONMENT_PATTERN, GITHUB_REPOSITORY_PATTERN } from '../constructs/github-deploy-role';
import type { DeployRoleOptions } from '../stacks/deploy-role-stack';
import { BOOTSTRAP_QUALIFIER_CONTEXT, bootstrapQualifier } from './bootstrap-roles';

/** Context keys of the optional deploy-role stack. */
export const DEPLOY_ROLE_CONTEXT = {
  enabled: 'deployRole',
  repository: 'githubRepository',
  environments: 'githubEnvironments',
  providerArn: 'githubOidcProviderArn',
} as const;

const OIDC_PROVIDER_ARN =
  /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

/**
 * The deploy-role stack's inputs from CDK context, validated (every problem at once, named by its
 * context key), or undefined when `-c deployRole=true` is not given:
 *
 *   npx cdk deploy <app>-deploy-role -c deployRole=true -c githubRepository=owner/name \
 *     -c githubEnvironments=production,test [-c githubOidcProviderArn=arn:aws:iam::...]
 */
export function deployRoleFromContext(context: (key: string) => unknown): DeployRoleOptions | undefined {
  const enabled = context(DEPLOY_ROLE_CONTEXT.enabled);
  if (enabled === undefined || enabled === false || enabled === 'false') return undefined;
  const problems: ConfigProblem[] = [];
  if (enabled !== true && enabled !== 'true') {
    problems.push({
      path: `context.${DEPLOY_ROLE_CONTEXT.enabled}`,
      value: enabled,
      message: 'must be true or false',
    });
  }
  const repository = context(DEPLOY_ROLE_CONTEXT.repository);
  if (typeof repository !== 'string' || !GITHUB_REPOSITORY_PATTERN.test(repository)) {
    problems.push({
      path: `context.${DEPLOY_ROLE_CONTEXT.repository}`,
      value: repository,
      message: 'must be the GitHub repository as owner/name (-c githubRepository=octo-org/ha-ref)',
    });
  }
  const rawEnvironments = context(DEPLOY_ROLE_CONTEXT.environments);
  const environments = (
    Array.isArray(rawEnvironments)
      ? rawEnvironments
      : typeof rawEnvironments === 'string'
        ? rawEnvironments.split(',')
        : []
  )
    .map((e) => String(e).trim())
    .filter((e) => e.length > 0);
  if (environments.length === 0 || environments.some((e) => !GITHUB_ENVIRONMENT_PATTERN.test(e))) {
    problems.push({
      path: `context.${DEPLOY_ROLE_CONTEXT.environments}`,
      value: rawEnvironments,
      message:
        'must list the GitHub environments allowed to deploy, comma-separated, no wildcards (-c githubEnvironments=production,test)',
    });
  }
  const providerArn = context(DEPLOY_ROLE_CONTEXT.providerArn);
  if (
    providerArn !== undefined &&
    (typeof providerArn !== 'string' || !OIDC_PROVIDER_ARN.test(providerArn))
  ) {
    problems.push({
      path: `context.${DEPLOY_ROLE_CONTEXT.providerArn}`,
      value: providerArn,
      message:
        "must be the ARN of the account's GitHub OIDC provider (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)",
    });
  }
  let qualifier = '';
  try {
    qualifier = bootstrapQualifier(context(BOOTSTRAP_QUALIFIER_CONTEXT));
  } catch (e) {
    problems.push({
      path: `context.${BOOTSTRAP_QUALIFIER_CONTEXT}`,
      value: context(BOOTSTRAP_QUALIFIER_CONTEXT),
      message: (e as Error).message,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    repository: repository as string,
    environments,
    existingProviderArn: providerArn as string | undefined,
    qualifier,
  };
}
