/*
 * Global Database failover runbook (INV-DNS, issues 4 and 17): a Lambda in EACH region, so a failover or a
 * fail-back runs from the region that is to become the writer and never needs the failed region's APIs.
 * `npm run failover -- --planned|--unplanned` invokes the copy in the target region.
 * planned -> SwitchoverGlobalCluster (no data loss); unplanned -> fence the old writer's Route 53 health check
 * (Disabled + Inverted, through Route 53's global control plane), then FailoverGlobalCluster with AllowDataLoss.
 * Promotion stays operator-triggered: promoting on a DNS health signal alone risks split brain (the ARC Region
 * switch plan, RegionSwitchPlan, is the managed alternative).
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  clusterIdentifier,
  globalClusterIdentifier,
  regionalRecordName,
  type AppConfig,
  type RegionContext,
} from '../config';
import { fenceDrainSeconds } from '../../lambda/failover/runbook';
import { failoverRunbookFunctionName } from '../../lambda/shared/names';
import { constant } from '../report/constants';
import { lambdaEntry } from './lambda-defaults';
import { ObservedFunction } from './observed-function';

export interface FailoverRunbookProps {
  readonly config: AppConfig;
  /** The context of the region the stack is in (either role: each region has its own copy). */
  readonly ctx: RegionContext;
  /**
   * VPC whose private-with-egress subnets the runbook runs in (AWS Control Tower CT.LAMBDA.PR.3),
   * HTTPS out only; it reaches the RDS and Route 53 APIs through its own region's NAT gateways.
   * @default not in a VPC
   */
  readonly vpc?: ec2.IVpc;
}

export class FailoverRunbook extends Construct {
  /** Named failoverRunbookFunctionName(config.appName), so the CLI finds it from config alone. */
  public readonly function: lambda.IFunction;
  public readonly functionName: string;
  /** Seconds an unplanned failover waits between fencing the old writer and promoting (see fenceDrainSeconds). */
  public readonly fenceDrainSeconds: number;

  constructor(scope: Construct, id: string, props: FailoverRunbookProps) {
    super(scope, id);
    const { config, ctx } = props;
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region) && stack.region !== ctx.region.region) {
      throw new Error(
        `FailoverRunbook: the stack is in "${stack.region}"; allowed: the region of ctx (${ctx.role}, "${ctx.region.region}")`,
      );
    }

    const partition = stack.partition;
    const account = ctx.region.account;
    const globalId = globalClusterIdentifier(config);
    const primaryCluster = clusterIdentifier(config, config.primary.region);
    const drCluster = clusterIdentifier(config, config.dr.region);
    this.functionName = failoverRunbookFunctionName(config.appName);
    // Alias records to the ALB carry the ALB's TTL (DnsFailover), the same figure the report models.
    this.fenceDrainSeconds = fenceDrainSeconds(
      config.dns.healthCheck.requestIntervalSeconds,
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
        PRIMARY_REGION: config.primary.region,
        PRIMARY_CLUSTER_ID: primaryCluster,
        PRIMARY_HEALTH_CHECK_FQDN: regionalRecordName(config, config.primary.region),
        DR_REGION: config.dr.region,
        DR_CLUSTER_ID: drCluster,
        DR_HEALTH_CHECK_FQDN: regionalRecordName(config, config.dr.region),
        FENCE_DRAIN_SECONDS: String(this.fenceDrainSeconds),
      },
    });
    const globalArn = `arn:${partition}:rds::${account}:global-cluster:${globalId}`;
    const clusterArns = [
      `arn:${partition}:rds:${config.primary.region}:${account}:cluster:${primaryCluster}`,
      `arn:${partition}:rds:${config.dr.region}:${account}:cluster:${drCluster}`,
    ];
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
    this.function = runbook.fn;
  }
}
