import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** GitHub Actions' OIDC issuer and the audience configure-aws-credentials asks for. */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** `owner/name` of a GitHub repository. */
export const GITHUB_REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/** A GitHub environment name, literally (a wildcard in a trust policy would widen it). */
export const GITHUB_ENVIRONMENT_PATTERN = /^[A-Za-z0-9_.-]{1,255}$/;

export interface GitHubDeployRoleProps {
  /** `owner/name` of the repository whose workflows may assume the role. */
  readonly repository: string;
  /** GitHub environments whose jobs may assume it (the token's `sub` is `repo:<repository>:environment:<name>`). */
  readonly environments: readonly string[];
  /** The only roles the role may assume: the CDK bootstrap roles of the target environments. */
  readonly assumableRoleArns: readonly string[];
  /**
   * GitHub's OIDC provider when the account already has one (an account holds one per issuer).
   * @default - a new provider for token.actions.githubusercontent.com
   */
  readonly existingProviderArn?: string;
  /** Role name, so the workflow's variable can be written before the first deploy. @default - generated */
  readonly roleName?: string;
  /**
   * Longest session: a first deploy of three stacks (Aurora Global Database, ElastiCache) takes
   * well over the default hour, and the CLI re-assumes the bootstrap roles with these credentials.
   * @default Duration.hours(4)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * A role GitHub Actions jobs of one repository and chosen environments assume through OIDC (no
 * stored keys), allowed nothing but `sts:AssumeRole` on the CDK bootstrap roles: what a deploy can
 * do is what those roles (and CloudFormation's execution role) can do, as with `cdk deploy` by hand.
 */
export class GitHubDeployRole extends Construct {
  public readonly provider: iam.IOidcProvider;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubDeployRoleProps) {
    super(scope, id);
    this.validate(props);
    this.provider = props.existingProviderArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, 'Provider', props.existingProviderArn)
      : new iam.OidcProviderNative(this, 'Provider', {
          url: `https://${GITHUB_OIDC_ISSUER}`,
          clientIds: [GITHUB_OIDC_AUDIENCE],
        });
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `GitHub Actions (${props.repository}, environments ${props.environments.join(', ')}): may only assume the CDK bootstrap roles`,
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(4),
      assumedBy: new iam.WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_ISSUER}:sub`]: props.environments.map(
            (e) => `repo:${props.repository}:environment:${e}`,
          ),
        },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRolesOnly',
        actions: ['sts:AssumeRole'],
        resources: [...props.assumableRoleArns],
      }),
    );
  }

  private validate(props: GitHubDeployRoleProps): void {
    if (!GITHUB_REPOSITORY_PATTERN.test(props.repository)) {
      throw new Error(
        `GitHubDeployRole: repository = "${props.repository}": must be "owner/name", e.g. octo-org/ha-ref`,
      );
    }
    if (props.environments.length === 0) {
      throw new Error(
        'GitHubDeployRole: environments is empty: name at least one GitHub environment (e.g. production)',
      );
    }
    const bad = props.environments.filter((e) => !GITHUB_ENVIRONMENT_PATTERN.test(e));
    if (bad.length > 0) {
      throw new Error(
        `GitHubDeployRole: environments ${JSON.stringify(bad)}: GitHub environment names are letters, digits, '.', '-', '_' (no wildcards)`,
      );
    }
    if (props.assumableRoleArns.length === 0) {
      throw new Error('GitHubDeployRole: assumableRoleArns is empty: the role would be useless');
    }
  }
}
