/*
 * Global Database failover runbook (INV-DNS, issues 4 and 17): a Lambda in EACH region, so a failover or a
 * fail-back runs from the region that is to become the writer and never needs the failed region's APIs.
 * `npm run failover -- --planned|--unplanned` invokes the copy in the target region.
 * planned -> SwitchoverGlobalCluster (no data loss); unplanned -> fence the old writer's Route 53 health check
 * (Disabled + Inverted, through Route 53's global control plane), then FailoverGlobalCluster with AllowDataLoss.
 * Promotion stays operator-triggered: promoting on a DNS health signal alone risks split brain (the ARC Region
 * switch plan, RegionSwitchPlan, is the managed alternative).
 */
import { type CfnResource, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fenceDrainSeconds, scaleUpInstanceIds } from '../../lambda/failover/runbook';
import { constant } from '../report/constants';
import { lambdaEntry } from './lambda-defaults';
import { ObservedFunction } from './observed-function';

/** One member of the Global Database, as the runbook names it. */
export interface RunbookMember {
  readonly region: string;
  /** The member's cluster identifier in that region. */
  readonly clusterIdentifier: string;
  /** FQDN the member region's Route 53 health check probes (the fence finds the check by it). */
  readonly healthCheckFqdn: string;
  /**
   * The member region is kept small at rest (pilot light): only its own copy can scale it up, so a promotion to
   * it runs there (and that copy needs `scaleUp`). @default false
   */
  readonly pilotLight?: boolean;
}

/** What the copy in a pilot-light region restores before it fences and promotes that region. */
export interface RunbookScaleUp {
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** MinSize and DesiredCapacity the group is raised to (production shape). */
  readonly fleetMinSize: number;
  /** Aurora instances the region's cluster must have, available, before it is promoted (0: it keeps its own). */
  readonly databaseInstances: number;
  /** e.g. db.r7g.large */
  readonly databaseInstanceClass: string;
}

export interface FailoverRunbookProps {
  /** Fixed function name (failoverRunbookFunctionName(appName)), so the CLI finds it from config alone. */
  readonly functionName: string;
  readonly globalClusterIdentifier: string;
  /** The configured primary region's member. */
  readonly primary: RunbookMember;
  /** The DR region's member. The stack must be in one of the two regions (each has its own copy). */
  readonly dr: RunbookMember;
  /** Route 53 health-check request interval in seconds (10 or 30): the fence waits it out (fenceDrainSeconds). */
  readonly healthCheckIntervalSeconds: number;
  /**
   * VPC whose private-with-egress subnets the runbook runs in (AWS Control Tower CT.LAMBDA.PR.3),
   * HTTPS out only; it reaches the RDS and Route 53 APIs through its own region's NAT gateways.
   * @default not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Pilot light, in the copy that runs in the pilot-light member's region: the fleet it raises and the Aurora
   * instances it adds to the headless secondary BEFORE it fences and promotes.
   * @default none: this region is at production shape
   */
  readonly scaleUp?: RunbookScaleUp;
}

export class FailoverRunbook extends Construct {
  /** Named `functionName`, so the CLI finds it from config alone. */
  public readonly function: lambda.IFunction;
  public readonly functionName: string;
  /** Seconds an unplanned failover waits between fencing the old writer and promoting (see fenceDrainSeconds). */
  public readonly fenceDrainSeconds: number;

  constructor(scope: Construct, id: string, props: FailoverRunbookProps) {
    super(scope, id);
    const { primary, dr } = props;
    const stack = Stack.of(this);
    const members = [primary.region, dr.region];
    if (!Token.isUnresolved(stack.region) && !members.includes(stack.region)) {
      throw new Error(
        `FailoverRunbook: the stack is in "${stack.region}"; allowed: the primary ("${primary.region}") or the DR region ("${dr.region}")`,
      );
    }

    const here = [primary, dr].find((m) => m.region === stack.region);
    if (props.scaleUp && here && !here.pilotLight) {
      throw new Error(
        `FailoverRunbook: scaleUp is only for the copy in a pilot-light region; ${stack.region} is at production shape (pilotLight not set)`,
      );
    }
    if (!props.scaleUp && here?.pilotLight) {
      throw new Error(
        `FailoverRunbook: ${stack.region} is pilot light (drCapacity.fleetMinPerAz below fleet.minPerAz or database.drInstances 0), so its copy needs scaleUp: the fleet to raise and the Aurora instances to add before promoting`,
      );
    }

    const partition = stack.partition;
    const account = stack.account;
    const globalId = props.globalClusterIdentifier;
    this.functionName = props.functionName;
    // Alias records to the ALB carry the ALB's TTL (DnsFailover), the same figure the report models.
    this.fenceDrainSeconds = fenceDrainSeconds(
      props.healthCheckIntervalSeconds,
      constant('elbAliasTtl').value,
    );

    const runbook = new ObservedFunction(this, 'Runbook', {
      entry: lambdaEntry('failover'),
      functionName: this.functionName,
      description: `Switchover (planned) or failover (unplanned) of ${globalId} to a member cluster`,
      // The fence's drain wait plus the API calls around it.
      timeout: Duration.seconds(this.fenceDrainSeconds + 60),
      // Invoked synchronously by an operator: a silent retry of a promotion is never wanted.
      retryAttempts: 0,
      logRetention: logs.RetentionDays.ONE_YEAR, // an audit trail of every promotion attempt
      vpc: props.vpc,
      environment: {
        GLOBAL_CLUSTER_ID: globalId,
        PRIMARY_REGION: primary.region,
        PRIMARY_CLUSTER_ID: primary.clusterIdentifier,
        PRIMARY_HEALTH_CHECK_FQDN: primary.healthCheckFqdn,
        DR_REGION: dr.region,
        DR_CLUSTER_ID: dr.clusterIdentifier,
        DR_HEALTH_CHECK_FQDN: dr.healthCheckFqdn,
        FENCE_DRAIN_SECONDS: String(this.fenceDrainSeconds),
        ...(dr.pilotLight ? { DR_PILOT_LIGHT: 'true' } : {}),
        ...(props.scaleUp
          ? {
              PILOT_LIGHT_ASG_NAME: props.scaleUp.autoScalingGroup.autoScalingGroupName,
              PILOT_LIGHT_FLEET_MIN_SIZE: String(props.scaleUp.fleetMinSize),
              PILOT_LIGHT_DB_INSTANCES: String(props.scaleUp.databaseInstances),
              PILOT_LIGHT_DB_INSTANCE_CLASS: props.scaleUp.databaseInstanceClass,
            }
          : {}),
      },
    });
    const globalArn = `arn:${partition}:rds::${account}:global-cluster:${globalId}`;
    const clusterArns = [primary, dr].map(
      (m) => `arn:${partition}:rds:${m.region}:${account}:cluster:${m.clusterIdentifier}`,
    );
    runbook.allow([globalArn], ['rds:DescribeGlobalClusters']);
    runbook.allow([globalArn, ...clusterArns], ['rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster']);
    // The fence: each region's health check is made by its own stack, so its id is not known here (and a
    // cross-region reference would put the failed region's stack on the failover path); the runbook finds the
    // check by the FQDN it probes (deterministic from config).
    runbook.allow(
      ['*'],
      ['route53:ListHealthChecks'],
      'ListHealthChecks has no resource type; it only reads health-check configurations',
    );
    runbook.allow(
      [`arn:${partition}:route53:::healthcheck/*`],
      ['route53:UpdateHealthCheck'],
      "the two regions' health-check ids are made by two stacks and not known to either at synth; the runbook only flips Disabled and Inverted of the check whose FQDN is a regional name of this app",
    );
    if (props.scaleUp) {
      const region = stack.region;
      runbook.allow(
        ['*'],
        ['autoscaling:DescribeAutoScalingGroups'],
        'DescribeAutoScalingGroups has no resource-level permissions; it only reads group sizes',
      );
      // The group's ARN carries a generated id and its name is a token; the tags CloudFormation puts on the
      // group pin the grant to this stack's fleet.
      const fleet = props.scaleUp.autoScalingGroup.node.defaultChild as CfnResource | undefined;
      runbook.allow(
        [`arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/*`],
        ['autoscaling:UpdateAutoScalingGroup'],
        "limited by condition to the group CloudFormation tagged with this stack's name and the fleet's logical id",
        {
          StringEquals: {
            'autoscaling:ResourceTag/aws:cloudformation:stack-name': stack.stackName,
            ...(fleet
              ? { 'autoscaling:ResourceTag/aws:cloudformation:logical-id': stack.getLogicalId(fleet) }
              : {}),
          },
        },
      );
      const instancePattern = scaleUpInstanceIds(dr.clusterIdentifier, 1)[0].replace(/-1$/, '-*');
      runbook.allow(
        [`arn:${partition}:rds:${region}:${account}:db:*`],
        ['rds:DescribeDBInstances'],
        'DescribeDBInstances is filtered by cluster at run time; it only reads instance states',
      );
      runbook.allow(
        [
          `arn:${partition}:rds:${region}:${account}:db:${instancePattern}`,
          `arn:${partition}:rds:${region}:${account}:cluster:${dr.clusterIdentifier}`,
        ],
        ['rds:CreateDBInstance', 'rds:AddTagsToResource'],
        'the scale-up adds instances named <cluster>-failover-N (deterministic, so reruns find them) to the DR cluster only',
      );
      // Instances without a parameter or option group of their own use the engine's defaults.
      runbook.allow(
        [
          `arn:${partition}:rds:${region}:${account}:pg:default.*`,
          `arn:${partition}:rds:${region}:${account}:og:default:*`,
          `arn:${partition}:rds:${region}:${account}:subgrp:*`,
        ],
        ['rds:CreateDBInstance'],
        "CreateDBInstance is also authorized against the default parameter and option groups and the cluster's subnet group, whose generated name is not known here",
      );
    }
    this.function = runbook.fn;
  }
}
