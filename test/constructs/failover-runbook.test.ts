import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { DEFAULT_CONFIG, loadConfig, regionContext } from '../../lib/config';
import { FailoverRunbook } from '../../lib/constructs/failover-runbook';
import { failoverRunbookProps } from '../../lib/stacks/regional-props';
import { testContext } from '../helpers/context';

type Props = Record<string, any>;
let template: Template;
let runbook: FailoverRunbook;
let nagFindings: string[];

beforeAll(() => {
  // GIVEN the DR stack of the default config with the runbook, synthesized once
  const app = new App({ context: testContext(), builtinCloudFormationValidation: false });
  const ctx = regionContext(DEFAULT_CONFIG, 'secondary');
  const stack = new Stack(app, 'Dr', { env: { account: ctx.region.account, region: ctx.region.region } });
  runbook = new FailoverRunbook(stack, 'Runbook', failoverRunbookProps(DEFAULT_CONFIG));
  template = Template.fromStack(stack);
  const report = new AwsSolutionsChecks(app).validateScope(app) as unknown as Props;
  nagFindings = report.violations.flatMap((v: Props) =>
    v.violatingResources.map((r: Props) => `${v.ruleName} ${r.constructPath}`),
  );
});

describe('FailoverRunbook', () => {
  test('THEN cdk-nag AwsSolutions reports zero unacknowledged findings', () => {
    expect(nagFindings).toEqual([]);
  });

  test('THEN the function has the deterministic name the CLI uses, Node.js 22 on arm64, and the cluster names', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'ha-ref-failover-runbook',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 130,
      Environment: {
        Variables: {
          GLOBAL_CLUSTER_ID: 'ha-ref-global',
          PRIMARY_REGION: 'us-east-1',
          PRIMARY_CLUSTER_ID: 'ha-ref-us-east-1',
          PRIMARY_HEALTH_CHECK_FQDN: 'us-east-1.app.example.com',
          DR_REGION: 'us-west-2',
          DR_CLUSTER_ID: 'ha-ref-us-west-2',
          DR_HEALTH_CHECK_FQDN: 'us-west-2.app.example.com',
          // health-check interval 10 s + the ALB alias TTL 60 s
          FENCE_DRAIN_SECONDS: '70',
        },
      },
    });
    expect(runbook.functionName).toBe('ha-ref-failover-runbook');
  });

  test("THEN a failed promotion is never retried behind the operator's back", () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  test('THEN IAM allows promotion only of the global cluster and its two member clusters', () => {
    const statements: Props[] = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p: Props) => p.Properties.PolicyDocument.Statement,
    );
    const promote = statements.find((s) => [s.Action].flat().includes('rds:FailoverGlobalCluster'))!;
    expect([promote.Action].flat().sort()).toEqual([
      'rds:FailoverGlobalCluster',
      'rds:SwitchoverGlobalCluster',
    ]);
    expect([...promote.Resource].sort()).toEqual([
      'arn:aws:rds::111111111111:global-cluster:ha-ref-global',
      'arn:aws:rds:us-east-1:111111111111:cluster:ha-ref-us-east-1',
      'arn:aws:rds:us-west-2:111111111111:cluster:ha-ref-us-west-2',
    ]);
    const rdsActions = statements
      .flatMap((s) => [s.Action].flat())
      .filter((a: string) => a.startsWith('rds:'));
    expect(rdsActions.sort()).toEqual([
      'rds:DescribeGlobalClusters',
      'rds:FailoverGlobalCluster',
      'rds:SwitchoverGlobalCluster',
    ]);
    const wildcards = statements.filter((s) => [s.Resource].flat().includes('*'));
    expect(wildcards.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'route53:ListHealthChecks',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  test('THEN the fence may change health checks and nothing else in Route 53', () => {
    const statements: Props[] = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p: Props) => p.Properties.PolicyDocument.Statement,
    );
    const route53 = statements.flatMap((s) =>
      [s.Action]
        .flat()
        .filter((a: string) => a.startsWith('route53:'))
        .map((a: string) => ({ action: a, resources: [s.Resource].flat() })),
    );
    expect(route53).toEqual([
      { action: 'route53:ListHealthChecks', resources: ['*'] },
      { action: 'route53:UpdateHealthCheck', resources: ['arn:aws:route53:::healthcheck/*'] },
    ]);
  });

  test('THEN its log group keeps a year of promotion attempts', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test("GIVEN the primary region's context THEN it builds there too, with the same settings", () => {
    const app = new App({ context: testContext(), builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'P', { env: { account: '111111111111', region: 'us-east-1' } });
    new FailoverRunbook(stack, 'R', failoverRunbookProps(DEFAULT_CONFIG));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'ha-ref-failover-runbook',
      Environment: { Variables: Match.objectLike({ PRIMARY_REGION: 'us-east-1', DR_REGION: 'us-west-2' }) },
    });
  });

  test('GIVEN a stack in neither region of the pair THEN construction fails naming both', () => {
    const stack = new Stack(new App(), 'X', { env: { account: '111111111111', region: 'eu-west-1' } });
    expect(() => new FailoverRunbook(stack, 'R', failoverRunbookProps(DEFAULT_CONFIG))).toThrow(
      /the stack is in "eu-west-1"; allowed: the primary \("us-east-1"\) or the DR region \("us-west-2"\)/,
    );
  });

  describe('GIVEN pilot light (DR fleet 1 per AZ, headless secondary)', () => {
    const { config } = loadConfig({ overrides: { drStrategy: 'pilot-light' } });
    const build = (role: 'primary' | 'secondary', withScaleUp: boolean) => {
      const ctx = regionContext(config, role);
      const app = new App({ context: testContext(), builtinCloudFormationValidation: false });
      const stack = new Stack(app, role, { env: { account: ctx.region.account, region: ctx.region.region } });
      const group = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Fleet', 'dr-fleet');
      new FailoverRunbook(stack, 'R', {
        ...failoverRunbookProps(config),
        ...(withScaleUp
          ? {
              scaleUp: {
                autoScalingGroup: group,
                fleetMinSize: 6,
                databaseInstances: 2,
                databaseInstanceClass: 'db.r7g.large',
              },
            }
          : {}),
      });
      return Template.fromStack(stack);
    };

    test('THEN the DR copy knows what to restore and may change only that fleet and add instances to the DR cluster', () => {
      const dr = build('secondary', true);
      dr.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            DR_PILOT_LIGHT: 'true',
            PILOT_LIGHT_ASG_NAME: 'dr-fleet',
            PILOT_LIGHT_FLEET_MIN_SIZE: '6',
            PILOT_LIGHT_DB_INSTANCES: '2',
            PILOT_LIGHT_DB_INSTANCE_CLASS: 'db.r7g.large',
          }),
        },
      });
      const statements = Object.values(dr.findResources('AWS::IAM::Policy')).flatMap(
        (p: Props) => p.Properties.PolicyDocument.Statement as Props[],
      );
      const resourcesOf = (action: string) =>
        statements.filter((st) => [st.Action].flat().includes(action)).flatMap((st) => [st.Resource].flat());
      const update = statements.find((st) =>
        [st.Action].flat().includes('autoscaling:UpdateAutoScalingGroup'),
      )!;
      expect(update.Resource).toBe(
        'arn:aws:autoscaling:us-west-2:111111111111:autoScalingGroup:*:autoScalingGroupName/*',
      );
      // An imported group has no logical id: the grant is held to this stack's groups.
      expect(update.Condition).toEqual({
        StringEquals: { 'autoscaling:ResourceTag/aws:cloudformation:stack-name': 'secondary' },
      });
      const createOn = JSON.stringify(resourcesOf('rds:CreateDBInstance'));
      expect(createOn).toContain(':rds:us-west-2:111111111111:db:ha-ref-us-west-2-failover-*');
      expect(createOn).toContain(':rds:us-west-2:111111111111:cluster:ha-ref-us-west-2');
      expect(createOn).not.toContain('us-east-1');
    });

    test('THEN the primary copy knows DR is pilot light (so it refuses to promote it) but gets no scale-up rights', () => {
      const primary = build('primary', false);
      const fn = Object.values(primary.findResources('AWS::Lambda::Function')).find(
        (f: Props) => f.Properties.FunctionName === 'ha-ref-failover-runbook',
      ) as Props;
      expect(fn.Properties.Environment.Variables.DR_PILOT_LIGHT).toBe('true');
      expect(fn.Properties.Environment.Variables.PILOT_LIGHT_ASG_NAME).toBeUndefined();
      expect(JSON.stringify(primary.findResources('AWS::IAM::Policy'))).not.toMatch(
        /UpdateAutoScalingGroup|CreateDBInstance/,
      );
    });

    test('THEN the DR copy without scaleUp, or the primary with it, fails construction naming the fix', () => {
      expect(() => build('secondary', false)).toThrow(/us-west-2 is pilot light .*its copy needs scaleUp/);
      expect(() => build('primary', true)).toThrow(
        /scaleUp is only for the copy in a pilot-light region; us-east-1 is at production shape/,
      );
    });
  });
});
