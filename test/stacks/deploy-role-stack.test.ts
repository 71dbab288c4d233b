import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { applySecureDefaults } from '../../lib/aspects';
import { addValidationPlugins, CONTROL_TOWER_CONTEXT_KEY } from '../../lib/checks/plugins';
import { loadConfig, type AppConfig } from '../../lib/config';
import { GitHubDeployRole } from '../../lib/constructs/github-deploy-role';
import { deployRoleFromContext } from '../../lib/delivery/deploy-role-context';
import { DeployRoleStack, type DeployRoleOptions } from '../../lib/stacks/deploy-role-stack';
import { testContext } from '../helpers/context';

/**
 * The deploy-role stack alone, with the app's flags, secure defaults and every policy pack (Control
 * Tower too). Its template against the CloudFormation specification (cfn-lint and aws-cdk-lib's
 * built-in validator): test/app/cloudformation-contract.int.test.ts.
 */
function build(
  options: Partial<DeployRoleOptions> = {},
  config: AppConfig = loadConfig().config,
  mutate?: (s: DeployRoleStack) => void,
) {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-role-')),
    context: { ...testContext(), [CONTROL_TOWER_CONTEXT_KEY]: 'true' },
    builtinCloudFormationValidation: false,
  });
  const stack = new DeployRoleStack(app, `${config.appName}-deploy-role`, {
    config,
    deployRole: {
      repository: 'octo-org/ha-ref',
      environments: ['production', 'test'],
      qualifier: 'hnb659fds',
      ...options,
    },
  });
  mutate?.(stack);
  applySecureDefaults(app);
  addValidationPlugins(app);
  // Synth fails on any unacknowledged cdk-nag, resilience-pack or Control Tower finding.
  const assembly = app.synth();
  return { stack, template: Template.fromJSON(assembly.getStackByName(stack.stackName).template) };
}

describe('DeployRoleStack (default config: us-east-1 + us-west-2, account 111111111111)', () => {
  // GIVEN the stack WHEN synthesized with every policy pack (build() throws on any finding)
  const { template } = build();

  test('THEN GitHub OIDC provider exists for the sts.amazonaws.com audience', () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  test('THEN only jobs of this repository in the named environments can assume the role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': [
                  'repo:octo-org/ha-ref:environment:production',
                  'repo:octo-org/ha-ref:environment:test',
                ],
              },
            },
          },
        ],
      },
    });
    // No StringLike: a wildcard subject would let any branch or fork's workflow in.
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('StringLike');
  });

  test('THEN the role may do one thing: assume the CDK bootstrap roles of this account in the regions the app deploys to', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole' });
    const expected = ['us-east-1', 'us-west-2'].flatMap((r) =>
      ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].map(
        (k) => `arn:aws:iam::111111111111:role/cdk-hnb659fds-${k}-111111111111-${r}`,
      ),
    );
    expect([...statements[0].Resource].sort()).toEqual(expected.sort());
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
  });

  test('THEN the role ARN is an output, for the GitHub environment variable AWS_DEPLOY_ROLE_ARN', () => {
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    template.hasOutput('DeployRoleArn', { Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });
});

test('GIVEN a config in other regions and a custom bootstrap qualifier THEN the assumable roles follow both, us-east-1 included for the monitoring stack', () => {
  const config = loadConfig({
    configFile: path.join(__dirname, '..', '..', 'config', 'example.json'),
  }).config;
  const { template } = build({ qualifier: 'shopq1' }, config);
  const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
  const resources: string[] = policy.Properties.PolicyDocument.Statement[0].Resource;
  expect(new Set(resources.map((a) => a.replace(/^.*-123456789012-/, '')))).toEqual(
    new Set(['eu-west-1', 'eu-central-1', 'us-east-1']),
  );
  expect(resources.every((a) => a.startsWith('arn:aws:iam::123456789012:role/cdk-shopq1-'))).toBe(true);
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'shop-github-deploy' });
});

test("GIVEN the account's existing GitHub provider THEN none is created and the trust names that provider", () => {
  const arn = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
  const { template } = build({ existingProviderArn: arn });
  template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Federated: arn } })] },
  });
});

test('GIVEN a fork that widens the role to every resource WHEN synthesized THEN cdk-nag fails synth (the packs run on this stack)', () => {
  expect(() =>
    build({}, undefined, (s) =>
      s.deployRole.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: ['*'] }),
      ),
    ),
  ).toThrow(/AwsSolutions-IAM5/);
});

describe('GitHubDeployRole validation', () => {
  const props = {
    repository: 'octo-org/ha-ref',
    environments: ['production'],
    assumableRoleArns: ['arn:aws:iam::1:role/x'],
  };
  const make = (over: object) => () =>
    new GitHubDeployRole(new Stack(new App(), 'S'), 'R', { ...props, ...over });

  test.each([
    [{ repository: 'ha-ref' }, /repository = "ha-ref": must be "owner\/name"/],
    [{ environments: [] }, /environments is empty/],
    [{ environments: ['prod*'] }, /environments \["prod\*"\].*no wildcards/],
    [{ assumableRoleArns: [] }, /assumableRoleArns is empty/],
  ])('GIVEN %j THEN construction fails naming the prop and the fix', (over, message) => {
    expect(make(over)).toThrow(message);
  });
});

describe('deployRoleFromContext (-c deployRole=true ...)', () => {
  const ctx = (values: Record<string, unknown>) => (key: string) => values[key];

  test('GIVEN no deployRole key THEN there is no deploy-role stack', () => {
    expect(deployRoleFromContext(ctx({ githubRepository: 'a/b' }))).toBeUndefined();
    expect(deployRoleFromContext(ctx({ deployRole: 'false' }))).toBeUndefined();
  });

  test('GIVEN the keys as the CLI passes them (strings) THEN the options are parsed, the default qualifier applied', () => {
    expect(
      deployRoleFromContext(
        ctx({
          deployRole: 'true',
          githubRepository: 'octo-org/ha-ref',
          githubEnvironments: 'production, test',
        }),
      ),
    ).toEqual({
      repository: 'octo-org/ha-ref',
      environments: ['production', 'test'],
      existingProviderArn: undefined,
      qualifier: 'hnb659fds',
    });
  });

  test('GIVEN every key wrong THEN one error names each key, its value and the fix', () => {
    expect(() =>
      deployRoleFromContext(
        ctx({
          deployRole: 'yes',
          githubRepository: 'nope',
          githubEnvironments: '*',
          githubOidcProviderArn: 'arn:aws:iam::1:oidc-provider/x',
          '@aws-cdk/core:bootstrapQualifier': 'far-too-long-qualifier',
        }),
      ),
    ).toThrow(
      new RegExp(
        [
          'Invalid config \\(5 problems\\)',
          'context.deployRole = "yes": must be true or false',
          'context.githubRepository = "nope": must be the GitHub repository as owner/name',
          'context.githubEnvironments = "\\*": must list the GitHub environments',
          'context.githubOidcProviderArn = .*: must be the ARN',
          'context.@aws-cdk/core:bootstrapQualifier = "far-too-long-qualifier": .*must be 1-10',
        ].join('[\\s\\S]*'),
      ),
    );
  });
});
