/*
 * The optional ARC Region switch plan (issue 17): the managed alternative to invoking the runbook Lambda by hand.
 * activePassive, one activation workflow per region, each:
 *
 *   [approve-activate-<region>]       ManualApproval: a human decides (optional)
 *   scale-fleet-<region>              EC2AutoScaling: the activating region's ASG to the other region's capacity
 *   fence-old-writer-<region>         CustomActionLambda: the runbook fences the other region's health check
 *   promote-database-<region>         AuroraGlobalDatabase: switchover (graceful) / failover (ungraceful)
 *   lift-new-writer-fence-<region>    CustomActionLambda: the runbook lifts this region's fence once it is the writer
 *
 * The Route53HealthCheck block is not used: it makes health checks of its own that the failover records would have
 * to carry instead of the writer-aware /readyz checks (and their ids exist only after the plan, while the records
 * are made before it, by the regional stacks). The runbook's fence flips this app's own checks, so DNS failover stays
 * health-check driven and the fence holds even if the old region comes back before Aurora demotes it.
 */
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as arcregionswitch from 'aws-cdk-lib/aws-arcregionswitch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { planStepName } from '../../lambda/failover/plan-step';

/** One region of the plan, in the plan's terms. */
export interface RegionSwitchRegion {
  readonly region: string;
  /** Full ARN of the region's Auto Scaling group (with its UUID: CloudFormation's AutoScalingGroupARN). */
  readonly autoScalingGroupArn: string;
  /** ARN of the region's member cluster of the global database. */
  readonly databaseClusterArn: string;
  /** ARN of the region's failover runbook function (runs the fence steps when this region activates). */
  readonly runbookFunctionArn: string;
  /**
   * Alarm that means this region's users see errors; Region switch shows it during an execution and measures the
   * actual recovery time with it (an applicationHealth alarm).
   * @default none
   */
  readonly healthAlarmArn?: string;
}

export interface RegionSwitchApproval {
  /** How long the approval step waits for a decision. */
  readonly timeout: Duration;
  /**
   * Role whose principals may approve.
   * @default a role the account's principals may assume, allowed only to approve steps of this plan
   */
  readonly approverRoleArn?: string;
}

export interface RegionSwitchTrigger {
  /** ARN of the alarm whose ALARM state starts the standby activation. */
  readonly alarmArn: string;
  /** Minimum time between two automatic executions. */
  readonly minDelayBetweenExecutions: Duration;
}

export interface RegionSwitchPlanProps {
  /** Plan name: 1-32 letters, digits, hyphens. */
  readonly planName: string;
  /** The region the application normally runs in (the plan's primaryRegion). */
  readonly primary: RegionSwitchRegion;
  /** The standby region. */
  readonly standby: RegionSwitchRegion;
  readonly globalClusterIdentifier: string;
  /** Seconds the runbook waits after fencing (its function timeout covers it); sizes the fence step's timeout. */
  readonly fenceDrainSeconds: number;
  readonly recoveryTimeObjective: Duration;
  /** A manual approval first in each workflow. @default no approval step */
  readonly approval?: RegionSwitchApproval;
  /** Start the standby activation automatically on an alarm. @default manual execution only */
  readonly trigger?: RegionSwitchTrigger;
  /**
   * Topic that receives Region switch's plan evaluation and execution events (EventBridge, this stack's region).
   * @default no notification
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Share of the other region's capacity an ungraceful execution waits for before it moves on (target tracking
   * keeps scaling afterwards).
   * @default 50
   */
  readonly ungracefulMinimumCapacityPercent?: number;
}

const PLAN_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/;
/** The map key of the trigger alarm in AssociatedAlarms (the trigger's condition names it). */
export const TRIGGER_ALARM_NAME = 'standby-trigger';

export class RegionSwitchPlan extends Construct {
  public readonly plan: arcregionswitch.CfnPlan;
  public readonly executionRole: iam.Role;
  /** The approver role made here (undefined when approverRoleArn was given or there is no approval step). */
  public readonly approverRole?: iam.Role;
  /** ARN of the role that approves (made here or given). */
  public readonly approverRoleArn?: string;
  public readonly eventsRule?: events.Rule;

  constructor(scope: Construct, id: string, props: RegionSwitchPlanProps) {
    super(scope, id);
    validate(props);
    const stack = Stack.of(this);
    const { primary, standby } = props;
    const regions = [primary, standby];
    // Matches the plan's ARN whatever its 6-character suffix: arn:aws:arc-region-switch::<account>:plan/<name>:<id>.
    const planArnPattern = `arn:${stack.partition}:arc-region-switch::${stack.account}:plan/${props.planName}:*`;

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('arc-region-switch.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Assumed by ARC Region switch to evaluate and execute plan ${props.planName}`,
    });
    const role = this.executionRole;
    // A policy of its own, so the plan can depend on it: evaluation starts as soon as the plan exists.
    const policy = new iam.Policy(this, 'ExecutionPolicy', { roles: [role] });
    const allow = (
      actions: string[],
      resources: string[],
      conditions?: Record<string, Record<string, string>>,
    ) => policy.addStatements(new iam.PolicyStatement({ actions, resources, conditions }));

    // EC2AutoScaling block: reads both groups, raises the activating one.
    allow(['autoscaling:DescribeAutoScalingGroups'], ['*']);
    allow(
      ['autoscaling:UpdateAutoScalingGroup'],
      regions.map((r) => r.autoScalingGroupArn),
    );
    allow(['cloudwatch:GetMetricStatistics'], ['*'], {
      StringEquals: { 'cloudwatch:namespace': 'AWS/AutoScaling' },
    });
    // AuroraGlobalDatabase block: promotes only the global cluster and its two members.
    allow(['rds:DescribeGlobalClusters', 'rds:DescribeDBClusters'], ['*']);
    allow(
      ['rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster'],
      [
        `arn:${stack.partition}:rds::${stack.account}:global-cluster:${props.globalClusterIdentifier}`,
        ...regions.map((r) => r.databaseClusterArn),
      ],
    );
    // CustomActionLambda blocks: the two runbook functions, nothing else.
    allow(
      ['lambda:InvokeFunction', 'lambda:GetFunction'],
      regions.map((r) => r.runbookFunctionArn),
    );
    // Plan evaluation and execution read the plan and simulate this role's own permissions.
    allow(
      [
        'arc-region-switch:GetPlan',
        'arc-region-switch:GetPlanExecution',
        'arc-region-switch:ListPlanExecutions',
        ...(props.trigger ? ['arc-region-switch:StartPlanExecution'] : []),
      ],
      [planArnPattern],
    );
    allow(['iam:SimulatePrincipalPolicy'], [role.roleArn]);
    const alarmArns = [
      ...regions.flatMap((r) => (r.healthAlarmArn ? [r.healthAlarmArn] : [])),
      ...(props.trigger ? [props.trigger.alarmArn] : []),
    ];
    if (alarmArns.length > 0)
      allow(['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'], alarmArns);
    acknowledgeWildcards(policy, planArnPattern);

    if (props.approval && !props.approval.approverRoleArn) {
      this.approverRole = new iam.Role(this, 'ApproverRole', {
        assumedBy: new iam.AccountPrincipal(stack.account),
        description: `Assumed by an on-call engineer to approve or decline the steps of plan ${props.planName}`,
        maxSessionDuration: Duration.hours(1),
      });
    }
    this.approverRoleArn = this.approverRole?.roleArn ?? props.approval?.approverRoleArn;

    this.plan = new arcregionswitch.CfnPlan(this, 'Plan', {
      name: props.planName,
      description: `Activate ${standby.region} (failover) or ${primary.region} (fail back): scale, fence, promote, unfence`,
      executionRole: role.roleArn,
      recoveryApproach: 'activePassive',
      primaryRegion: primary.region,
      regions: [primary.region, standby.region],
      recoveryTimeObjectiveMinutes: props.recoveryTimeObjective.toMinutes(),
      workflows: [
        this.activation(props, standby, primary, 'Failover'),
        this.activation(props, primary, standby, 'Fail back'),
      ],
      associatedAlarms: associatedAlarms(props),
      triggers: props.trigger
        ? [
            {
              action: 'activate',
              targetRegion: standby.region,
              description: `Activate ${standby.region} when the outside-in probe of ${primary.region} alarms`,
              conditions: [{ associatedAlarmName: TRIGGER_ALARM_NAME, condition: 'red' }],
              minDelayMinutesBetweenExecutions: props.trigger.minDelayBetweenExecutions.toMinutes(),
            },
          ]
        : undefined,
    });
    this.plan.node.addDependency(policy);

    if (this.approverRole) {
      this.approverRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'arc-region-switch:ApprovePlanExecutionStep',
            'arc-region-switch:GetPlan',
            'arc-region-switch:GetPlanExecution',
            'arc-region-switch:ListPlanExecutions',
            'arc-region-switch:ListPlanExecutionEvents',
          ],
          resources: [this.plan.attrArn],
        }),
      );
    }

    if (props.notificationTopic) {
      // Evaluation warnings (a role that lost a permission, a missing resource) and every execution step.
      this.eventsRule = new events.Rule(this, 'PlanEvents', {
        description: `ARC Region switch evaluation and execution events to the alarm topic (${stack.region})`,
        eventPattern: {
          source: ['aws.arc-region-switch'],
          detailType: ['ARC Region Switch Plan Evaluation', 'ARC Region Switch Plan Execution'],
        },
      });
      // EventBridge publishes as this role, so the topic's resource policy (in its own stack) stays unchanged.
      const publisher = new iam.Role(this, 'EventsPublisherRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
        description: `EventBridge publishes plan ${props.planName}'s events to the alarm topic`,
      });
      this.eventsRule.addTarget(new targets.SnsTopic(props.notificationTopic, { role: publisher }));
      Validations.of(publisher).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "Publishing to the KMS-encrypted alarm topic needs GenerateDataKey (the topic grant's GenerateDataKey*) on that one key only",
      });
    }
  }

  /** The workflow that activates `target` and deactivates `other`. */
  private activation(
    props: RegionSwitchPlanProps,
    target: RegionSwitchRegion,
    other: RegionSwitchRegion,
    label: string,
  ): arcregionswitch.CfnPlan.WorkflowProperty {
    const lambdas = [{ arn: props.primary.runbookFunctionArn }, { arn: props.standby.runbookFunctionArn }];
    const steps: arcregionswitch.CfnPlan.StepProperty[] = [];
    if (props.approval) {
      steps.push({
        name: `approve-activate-${target.region}`,
        description: `A human decides to move the writer and the traffic to ${target.region}`,
        executionBlockType: 'ManualApproval',
        executionBlockConfiguration: {
          executionApprovalConfig: {
            approvalRole: this.approverRoleArn!,
            timeoutMinutes: props.approval.timeout.toMinutes(),
          },
        },
      });
    }
    steps.push(
      {
        name: `scale-fleet-${target.region}`,
        description: `Scale the ${target.region} fleet to the ${other.region} fleet's capacity before it takes traffic`,
        executionBlockType: 'EC2AutoScaling',
        executionBlockConfiguration: {
          ec2AsgCapacityIncreaseConfig: {
            asgs: [{ arn: props.primary.autoScalingGroupArn }, { arn: props.standby.autoScalingGroupArn }],
            targetPercent: 100,
            capacityMonitoringApproach: 'sampledMaxInLast24Hours',
            timeoutMinutes: 30,
            ungraceful: { minimumSuccessPercentage: props.ungracefulMinimumCapacityPercent ?? 50 },
          },
        },
      },
      {
        name: planStepName('fence', target.region),
        description: `The runbook forces ${other.region}'s health check unhealthy and waits for DNS to drop it, before any promotion`,
        executionBlockType: 'CustomActionLambda',
        // No Ungraceful setting: its only value (skip) would skip the fence exactly when it matters.
        executionBlockConfiguration: {
          customActionLambdaConfig: {
            lambdas,
            regionToRun: 'activatingRegion',
            retryIntervalMinutes: 1,
            timeoutMinutes: Math.ceil(props.fenceDrainSeconds / 60) + 10,
          },
        },
      },
      {
        name: `promote-database-${target.region}`,
        description: `Switchover (graceful, no data loss) or failover (ungraceful, allows data loss) of ${props.globalClusterIdentifier} to ${target.region}`,
        executionBlockType: 'AuroraGlobalDatabase',
        executionBlockConfiguration: {
          globalAuroraConfig: {
            behavior: 'switchoverOnly',
            ungraceful: { ungraceful: 'failover' },
            globalClusterIdentifier: props.globalClusterIdentifier,
            databaseClusterArns: [props.primary.databaseClusterArn, props.standby.databaseClusterArn],
            timeoutMinutes: 60,
          },
        },
      },
      {
        name: planStepName('liftFence', target.region),
        description: `The runbook lifts ${target.region}'s own fence (left by an earlier failover) once its cluster is the writer`,
        executionBlockType: 'CustomActionLambda',
        executionBlockConfiguration: {
          customActionLambdaConfig: {
            lambdas,
            regionToRun: 'activatingRegion',
            retryIntervalMinutes: 1,
            timeoutMinutes: 30,
          },
        },
      },
    );
    return {
      workflowTargetAction: 'activate',
      workflowTargetRegion: target.region,
      workflowDescription: `${label}: activate ${target.region}, deactivate ${other.region}`,
      steps,
    };
  }
}

function associatedAlarms(
  props: RegionSwitchPlanProps,
): Record<string, arcregionswitch.CfnPlan.AssociatedAlarmProperty> | undefined {
  const alarms: Record<string, arcregionswitch.CfnPlan.AssociatedAlarmProperty> = {};
  for (const r of [props.primary, props.standby]) {
    if (r.healthAlarmArn)
      alarms[`health-${r.region}`] = { alarmType: 'applicationHealth', resourceIdentifier: r.healthAlarmArn };
  }
  if (props.trigger)
    alarms[TRIGGER_ALARM_NAME] = { alarmType: 'trigger', resourceIdentifier: props.trigger.alarmArn };
  return Object.keys(alarms).length > 0 ? alarms : undefined;
}

function acknowledgeWildcards(policy: iam.Policy, planArnPattern: string): void {
  const acks: [string, string][] = [
    [
      'Resource::*',
      'Region switch reads both Auto Scaling groups and the global cluster with Describe calls (read-only; its documented execution-block policies use "*"), and GetMetricStatistics has no resource type (the condition limits it to the AWS/AutoScaling namespace)',
    ],
    [
      `Resource::${planArnPattern}`,
      'The plan ARN ends in an id Region switch chooses at creation; the pattern pins it to this plan name (the role must exist before the plan)',
    ],
  ];
  for (const [finding, reason] of acks) {
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }
}

function validate(props: RegionSwitchPlanProps): void {
  const fail = (field: string, value: unknown, rule: string) => {
    throw new Error(`RegionSwitchPlan: ${field} = ${JSON.stringify(value)}; ${rule}`);
  };
  if (!PLAN_NAME.test(props.planName))
    fail('planName', props.planName, 'must be 1-32 letters, digits or inner hyphens');
  if (!Token.isUnresolved(props.primary.region) && props.primary.region === props.standby.region) {
    fail(
      'standby.region',
      props.standby.region,
      'must differ from primary.region: a plan switches between two regions',
    );
  }
  const rto = props.recoveryTimeObjective.toMinutes();
  if (rto < 1 || rto > 10080) fail('recoveryTimeObjective (minutes)', rto, 'must be 1-10080 minutes');
  if (props.approval) {
    const t = props.approval.timeout.toMinutes();
    if (t < 1) fail('approval.timeout (minutes)', t, 'must be at least 1 minute');
  }
  if (props.trigger && props.trigger.minDelayBetweenExecutions.toMinutes() < 1) {
    fail(
      'trigger.minDelayBetweenExecutions (minutes)',
      props.trigger.minDelayBetweenExecutions.toMinutes(),
      'must be at least 1 minute',
    );
  }
  const pct = props.ungracefulMinimumCapacityPercent;
  if (pct !== undefined && (!Number.isInteger(pct) || pct < 0 || pct > 99)) {
    fail('ungracefulMinimumCapacityPercent', pct, "must be an integer 0-99 (Region switch's range)");
  }
  if (!Number.isInteger(props.fenceDrainSeconds) || props.fenceDrainSeconds < 0) {
    fail('fenceDrainSeconds', props.fenceDrainSeconds, 'must be a whole number of seconds, 0 or more');
  }
}
