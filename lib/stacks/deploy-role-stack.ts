import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { BOOTSTRAP_ROLE_KINDS, bootstrapRoleArn } from '../delivery/bootstrap-roles';
import { GitHubDeployRole } from '../constructs/github-deploy-role';
import { ROUTE53_METRICS_REGION } from './global-monitoring-stack';

/** Who may deploy from GitHub Actions: the deploy-role stack's own inputs (context, see bin/app.ts). */
export interface DeployRoleOptions {
  /** `owner/name` of the GitHub repository. */
  readonly repository: string;
  /** GitHub environments whose jobs may deploy, e.g. ["production", "test"]. */
  readonly environments: readonly string[];
  /** The account's existing GitHub OIDC provider. @default - the stack creates one */
  readonly existingProviderArn?: string;
  /** The app's CDK bootstrap qualifier. */
  readonly qualifier: string;
}

export interface DeployRoleStackProps extends StackProps {
  readonly config: AppConfig;
  readonly deployRole: DeployRoleOptions;
}

/** The regions the app deploys to: both regions of the pair and us-east-1 (the monitoring stack). */
export function deployRegions(config: AppConfig): string[] {
  return [...new Set([config.primary.region, config.dr.region, ROUTE53_METRICS_REGION])];
}

/**
 * Optional (`-c deployRole=true`): the GitHub OIDC provider and the role the deploy workflow
 * assumes, allowed to assume only the CDK bootstrap roles of the configured account in the
 * regions the app deploys to. Deployed once, by hand, before the first workflow run.
 */
export class DeployRoleStack extends Stack {
  public readonly deployRole: GitHubDeployRole;

  constructor(scope: Construct, id: string, props: DeployRoleStackProps) {
    const { config, deployRole } = props;
    super(scope, id, { ...props, env: { account: config.primary.account, region: config.primary.region } });
    const account = config.primary.account;
    this.deployRole = new GitHubDeployRole(this, 'GitHubDeploy', {
      repository: deployRole.repository,
      environments: deployRole.environments,
      existingProviderArn: deployRole.existingProviderArn,
      roleName: `${config.appName}-github-deploy`,
      assumableRoleArns: deployRegions(config).flatMap((region) =>
        BOOTSTRAP_ROLE_KINDS.map((kind) =>
          bootstrapRoleArn(kind, deployRole.qualifier, account, region, this.partition),
        ),
      ),
    });
    // The value of the GitHub environment variable AWS_DEPLOY_ROLE_ARN.
    new CfnOutput(this, 'DeployRoleArn', { value: this.deployRole.role.roleArn });
  }
}
