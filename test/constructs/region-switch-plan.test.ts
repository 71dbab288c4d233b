import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  RegionSwitchPlan,
  TRIGGER_ALARM_NAME,
  type RegionSwitchPlanProps,
} from '../../lib/constructs/region-switch-plan';
import { testContext } from '../helpers/context';

type Props = Record<string, any>;
const ACCOUNT = '111111111111';
const asg = (region: string, name: string) =>
  `arn:aws:autoscaling:${region}:${ACCOUNT}:autoScalingGroup:0b7f5a2e-1111-2222-3333-444455556666:autoScalingGroupName/${name}`;
const region = (name: string) => ({
  region: name,
  autoScalingGroupArn: asg(name, `fleet-${name}`),
  databaseClusterArn: `arn:aws:rds:${name}:${ACCOUNT}:cluster:ha-ref-${name}`,
  runbookFunctionArn: `arn:aws:lambda:${name}:${ACCOUNT}:function:ha-ref-failover-runbook`,
  healthAlarmArn: `arn:aws:cloudwatch:${name}:${ACCOUNT}:alarm:ha-ref-Http5xxRatio`,
});
const PRIMARY = region('us-east-1');
const STANDBY = region('us-west-2');
const TRIGGER_ALARM = `arn:aws:cloudwatch:us-west-2:${ACCOUNT}:alarm:ha-ref-peer-canary`;
const BASE: RegionSwitchPlanProps = {
  planName: 'ha-ref-switch',
  primary: PRIMARY,
  standby: STANDBY,
  globalClusterIdentifier: 'ha-ref-global',
  fenceDrainSeconds: 70,
  recoveryTimeObjective: Duration.minutes(30),
};

interface Built {
  readonly template: Template;
  readonly nag: string[];
  readonly construct: RegionSwitchPlan;
}

function build(overrides: Partial<RegionSwitchPlanProps> = {}, withTopic = false): Built {
  // Built-in CloudFormation validation off: region-switch-stack.test.ts runs cfn-lint over the
  // synthesized stack, and an engine start per build would cost ~0.4 s each.
  const app = new App({ context: testContext(), builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Switch', { env: { account: ACCOUNT, region: 'us-west-2' } });
  const topic = withTopic ? new sns.Topic(stack, 'Topic', { enforceSSL: true }) : undefined;
  const construct = new RegionSwitchPlan(stack, 'Plan', { ...BASE, notificationTopic: topic, ...overrides });
  const report = new AwsSolutionsChecks(app).validateScope(app) as unknown as Props;
  const nag = (report.violations as Props[]).flatMap((v) =>
    (v.violatingResources as Props[]).map((r) => `${v.ruleName} ${r.constructPath}`),
  );
  return { template: Template.fromStack(stack), nag, construct };
}

const planOf = (t: Template): Props =>
  Object.values(t.findResources('AWS::ARCRegionSwitch::Plan'))[0].Properties;
const workflow = (plan: Props, target: string): Props =>
  plan.Workflows.find((w: Props) => w.WorkflowTargetRegion === target);
const stepTypes = (wf: Props): string[] => wf.Steps.map((s: Props) => `${s.ExecutionBlockType} ${s.Name}`);
const statements = (t: Template, policyIdPrefix: string): Props[] =>
  Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(policyIdPrefix))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Props[]);
const actionsOn = (stmts: Props[], action: string): unknown[] =>
  stmts
    .filter((s) => [s.Action].flat().includes(action))
    .flatMap((s) => [s.Resource].flat())
    .map((r) => JSON.stringify(r));

describe('RegionSwitchPlan with approval, trigger and notifications', () => {
  let built: Built;
  let plan: Props;
  beforeAll(() => {
    built = build(
      {
        approval: { timeout: Duration.minutes(45) },
        trigger: { alarmArn: TRIGGER_ALARM, minDelayBetweenExecutions: Duration.minutes(120) },
      },
      true,
    );
    plan = planOf(built.template);
  });

  test('THEN cdk-nag AwsSolutions reports zero unacknowledged findings', () => {
    expect(built.nag).toEqual([]);
  });

  test('THEN it is an activePassive plan of the two regions, primary first, with the RTO', () => {
    expect(plan).toEqual(
      expect.objectContaining({
        Name: 'ha-ref-switch',
        RecoveryApproach: 'activePassive',
        PrimaryRegion: 'us-east-1',
        Regions: ['us-east-1', 'us-west-2'],
        RecoveryTimeObjectiveMinutes: 30,
      }),
    );
    expect(plan.Workflows.map((w: Props) => [w.WorkflowTargetAction, w.WorkflowTargetRegion])).toEqual([
      ['activate', 'us-west-2'],
      ['activate', 'us-east-1'],
    ]);
  });

  test.each([
    ['us-west-2', 'failover'],
    ['us-east-1', 'fail back'],
  ])('THEN activating %s (%s) approves, scales, fences, promotes and unfences, in that order', (target) => {
    expect(stepTypes(workflow(plan, target))).toEqual([
      `ManualApproval approve-activate-${target}`,
      `EC2AutoScaling scale-fleet-${target}`,
      `CustomActionLambda fence-old-writer-${target}`,
      `AuroraGlobalDatabase promote-database-${target}`,
      `CustomActionLambda lift-new-writer-fence-${target}`,
    ]);
  });

  test('THEN the approval step uses the approver role made here, with the timeout', () => {
    const approve = workflow(plan, 'us-west-2').Steps[0].ExecutionBlockConfiguration.ExecutionApprovalConfig;
    expect(approve.TimeoutMinutes).toBe(45);
    const roleId = approve.ApprovalRole['Fn::GetAtt'][0];
    expect(built.template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { AWS: 'arn:aws:iam::111111111111:root' } }),
    ]);
    // The approver may approve this plan's steps, and do nothing else.
    const stmts = statements(built.template, 'PlanApproverRole');
    expect(stmts).toHaveLength(1);
    expect(stmts[0].Action).toContain('arc-region-switch:ApprovePlanExecutionStep');
    const [planId] = Object.keys(built.template.findResources('AWS::ARCRegionSwitch::Plan'));
    expect(stmts[0].Resource).toEqual({ 'Fn::GetAtt': [planId, 'Arn'] });
  });

  test('THEN the fleet step scales the activating group to all of the other region capacity, and half of it suffices ungracefully', () => {
    const scale = workflow(plan, 'us-west-2').Steps[1].ExecutionBlockConfiguration
      .Ec2AsgCapacityIncreaseConfig;
    expect(scale).toEqual({
      Asgs: [{ Arn: PRIMARY.autoScalingGroupArn }, { Arn: STANDBY.autoScalingGroupArn }],
      TargetPercent: 100,
      CapacityMonitoringApproach: 'sampledMaxInLast24Hours',
      TimeoutMinutes: 30,
      Ungraceful: { MinimumSuccessPercentage: 50 },
    });
  });

  test('THEN both runbook steps run the runbook of the activating region, retried every minute, and are never skipped ungracefully', () => {
    for (const target of ['us-west-2', 'us-east-1']) {
      for (const step of workflow(plan, target).Steps.filter(
        (s: Props) => s.ExecutionBlockType === 'CustomActionLambda',
      )) {
        const cfg = step.ExecutionBlockConfiguration.CustomActionLambdaConfig;
        expect(cfg.Lambdas).toEqual([
          { Arn: PRIMARY.runbookFunctionArn },
          { Arn: STANDBY.runbookFunctionArn },
        ]);
        expect(cfg.RegionToRun).toBe('activatingRegion');
        expect(cfg.RetryIntervalMinutes).toBe(1);
        expect(cfg.Ungraceful).toBeUndefined();
      }
    }
    // The fence step outlasts the runbook's drain wait (70 s) with room for retries.
    const fence = workflow(plan, 'us-west-2').Steps[2].ExecutionBlockConfiguration.CustomActionLambdaConfig;
    expect(fence.TimeoutMinutes).toBeGreaterThanOrEqual(Math.ceil(70 / 60) + 1);
  });

  test('THEN the database step switches over when graceful and fails over when ungraceful, for this global cluster only', () => {
    const db = workflow(plan, 'us-east-1').Steps[3].ExecutionBlockConfiguration.GlobalAuroraConfig;
    expect(db).toEqual({
      Behavior: 'switchoverOnly',
      Ungraceful: { Ungraceful: 'failover' },
      GlobalClusterIdentifier: 'ha-ref-global',
      DatabaseClusterArns: [PRIMARY.databaseClusterArn, STANDBY.databaseClusterArn],
      TimeoutMinutes: 60,
    });
  });

  test('THEN the trigger activates only the standby, on the trigger alarm turning red, at most every 120 minutes', () => {
    expect(plan.Triggers).toEqual([
      expect.objectContaining({
        Action: 'activate',
        TargetRegion: 'us-west-2',
        Conditions: [{ AssociatedAlarmName: TRIGGER_ALARM_NAME, Condition: 'red' }],
        MinDelayMinutesBetweenExecutions: 120,
      }),
    ]);
    expect(plan.AssociatedAlarms).toEqual({
      [TRIGGER_ALARM_NAME]: { AlarmType: 'trigger', ResourceIdentifier: TRIGGER_ALARM },
      'health-us-east-1': { AlarmType: 'applicationHealth', ResourceIdentifier: PRIMARY.healthAlarmArn },
      'health-us-west-2': { AlarmType: 'applicationHealth', ResourceIdentifier: STANDBY.healthAlarmArn },
    });
  });

  test('THEN the execution role can change only the two groups, the global cluster and its members, invoke only the two runbooks and start only this plan', () => {
    const stmts = statements(built.template, 'PlanExecutionPolicy');
    expect(actionsOn(stmts, 'autoscaling:UpdateAutoScalingGroup').sort()).toEqual(
      [PRIMARY.autoScalingGroupArn, STANDBY.autoScalingGroupArn].map((a) => JSON.stringify(a)).sort(),
    );
    expect(actionsOn(stmts, 'rds:FailoverGlobalCluster')).toEqual(
      [
        'arn:aws:rds::111111111111:global-cluster:ha-ref-global',
        PRIMARY.databaseClusterArn,
        STANDBY.databaseClusterArn,
      ].map((a) => JSON.stringify(a)),
    );
    expect(actionsOn(stmts, 'rds:SwitchoverGlobalCluster')).toEqual(
      actionsOn(stmts, 'rds:FailoverGlobalCluster'),
    );
    expect(actionsOn(stmts, 'lambda:InvokeFunction')).toEqual(
      [PRIMARY.runbookFunctionArn, STANDBY.runbookFunctionArn].map((a) => JSON.stringify(a)),
    );
    expect(actionsOn(stmts, 'arc-region-switch:StartPlanExecution')).toEqual([
      JSON.stringify('arn:aws:arc-region-switch::111111111111:plan/ha-ref-switch:*'),
    ]);
    // Only read-only actions, and GetMetricStatistics limited to a namespace, are on "*".
    const onStar = stmts.filter((s) => [s.Resource].flat().includes('*'));
    expect(onStar.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'autoscaling:DescribeAutoScalingGroups',
      'cloudwatch:GetMetricStatistics',
      'rds:DescribeDBClusters',
      'rds:DescribeGlobalClusters',
    ]);
    expect(
      onStar.find((s) => [s.Action].flat().includes('cloudwatch:GetMetricStatistics'))?.Condition,
    ).toEqual({
      StringEquals: { 'cloudwatch:namespace': 'AWS/AutoScaling' },
    });
    // Nothing outside the blocks' needs: no iam:PassRole, no write to any other service.
    expect(
      stmts.flatMap((s) => [s.Action].flat()).filter((a) => /PassRole|:Delete|:Put|:Create/.test(a)),
    ).toEqual([]);
  });

  test('THEN the plan is created only after its execution policy (evaluation starts at creation)', () => {
    const [planId] = Object.keys(built.template.findResources('AWS::ARCRegionSwitch::Plan'));
    const dependsOn: string[] = built.template.toJSON().Resources[planId].DependsOn;
    expect(dependsOn.some((d) => d.startsWith('PlanExecutionPolicy'))).toBe(true);
  });

  test('THEN evaluation and execution events of Region switch reach the topic through a role allowed to publish there', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.arc-region-switch'],
        'detail-type': ['ARC Region Switch Plan Evaluation', 'ARC Region Switch Plan Execution'],
      },
    });
    const publish = statements(built.template, 'PlanEventsPublisherRole');
    expect(publish.map((s) => s.Action)).toContain('sns:Publish');
  });
});

describe('RegionSwitchPlan without approval or trigger (the defaults)', () => {
  test('THEN there is no approval step, no approver role, no trigger and no StartPlanExecution permission', () => {
    const { template, nag } = build();
    const plan = planOf(template);
    expect(nag).toEqual([]);
    expect(stepTypes(workflow(plan, 'us-west-2'))[0]).toBe('EC2AutoScaling scale-fleet-us-west-2');
    expect(plan.Triggers).toBeUndefined();
    expect(Object.keys(plan.AssociatedAlarms)).toEqual(['health-us-east-1', 'health-us-west-2']);
    expect(
      template.findResources('AWS::IAM::Role', {
        Properties: { Description: { 'Fn::Join': expect.anything() } },
      }),
    );
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toHaveLength(1);
    expect(
      actionsOn(statements(template, 'PlanExecutionPolicy'), 'arc-region-switch:StartPlanExecution'),
    ).toEqual([]);
    expect(template.findResources('AWS::Events::Rule')).toEqual({});
  });

  test('GIVEN an approver role WHEN approval is required THEN the step uses it and no role is made', () => {
    const approver = 'arn:aws:iam::111111111111:role/oncall';
    const { template, construct } = build({
      approval: { timeout: Duration.minutes(30), approverRoleArn: approver },
    });
    const approve = workflow(planOf(template), 'us-east-1').Steps[0].ExecutionBlockConfiguration
      .ExecutionApprovalConfig;
    expect(approve.ApprovalRole).toBe(approver);
    expect(construct.approverRole).toBeUndefined();
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toHaveLength(1);
  });
});

describe('RegionSwitchPlan validation', () => {
  test.each<[string, Partial<RegionSwitchPlanProps>, RegExp]>([
    [
      'a plan name over 32 characters',
      { planName: 'a'.repeat(33) },
      /planName = "a{33}"; must be 1-32 letters/,
    ],
    [
      'the same region twice',
      { standby: { ...STANDBY, region: 'us-east-1' } },
      /standby.region = "us-east-1"; must differ from primary.region/,
    ],
    [
      'an RTO beyond a week',
      { recoveryTimeObjective: Duration.days(8) },
      /recoveryTimeObjective \(minutes\) = 11520; must be 1-10080/,
    ],
    [
      'an ungraceful capacity of 100 %',
      { ungracefulMinimumCapacityPercent: 100 },
      /ungracefulMinimumCapacityPercent = 100; must be an integer 0-99/,
    ],
  ])('GIVEN %s THEN construction fails naming the field and the rule', (_label, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });
});
