/*
 * Global Database failover runbook (INV-DNS, issue 4 point 4): a Lambda in the DR region, so it
 * works when the primary region's APIs do not. `npm run failover -- --planned|--unplanned` invokes it.
 * planned -> SwitchoverGlobalCluster (no data loss); unplanned -> FailoverGlobalCluster with
 * AllowDataLoss. Promotion stays operator-triggered: promoting on a DNS health signal alone risks
 * split brain (AWS ARC Region switch is the managed alternative).
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { clusterIdentifier, globalClusterIdentifier, type AppConfig, type RegionContext } from '../config';
import { failoverRunbookFunctionName } from '../../lambda/shared/names';
import { lambdaEntry } from './lambda-defaults';
import { ObservedFunction } from './snapshot-replication';

export interface FailoverRunbookProps {
  readonly config: AppConfig;
  /** Must be the DR region's context (role "secondary"). */
  readonly ctx: RegionContext;
  /**
   * VPC whose private-with-egress subnets the runbook runs in (AWS Control Tower CT.LAMBDA.PR.3),
   * HTTPS out only; it reaches the RDS API through the DR region's NAT gateways.
   * @default not in a VPC
   */
  readonly vpc?: ec2.IVpc;
}

export class FailoverRunbook extends Construct {
  /** Named failoverRunbookFunctionName(config.appName), so the CLI finds it from config alone. */
  public readonly function: lambda.IFunction;
  public readonly functionName: string;

  constructor(scope: Construct, id: string, props: FailoverRunbookProps) {
    super(scope, id);
    const { config, ctx } = props;
    const stack = Stack.of(this);
    if (ctx.role !== 'secondary' || ctx.region.region !== config.dr.region) {
      throw new Error(
        `FailoverRunbook: ctx.role = "${ctx.role}" (${ctx.region.region}); allowed: "secondary" (${config.dr.region}) only — the runbook must run in the DR region so it works when the primary region is down`,
      );
    }
    if (!Token.isUnresolved(stack.region) && stack.region !== config.dr.region) {
      throw new Error(
        `FailoverRunbook: the stack is in "${stack.region}"; allowed: the DR region "${config.dr.region}"`,
      );
    }

    const partition = stack.partition;
    const account = ctx.region.account;
    const globalId = globalClusterIdentifier(config);
    const primaryCluster = clusterIdentifier(config, config.primary.region);
    const drCluster = clusterIdentifier(config, config.dr.region);
    this.functionName = failoverRunbookFunctionName(config.appName);

    const runbook = new ObservedFunction(this, 'Runbook', {
      entry: lambdaEntry('failover'),
      functionName: this.functionName,
      description: `Switchover (planned) or failover (unplanned) of ${globalId} to a member cluster`,
      timeout: Duration.seconds(30),
      // Invoked synchronously by an operator: a silent retry of a promotion is never wanted.
      retryAttempts: 0,
      logRetention: logs.RetentionDays.ONE_YEAR, // an audit trail of every promotion attempt
      vpc: props.vpc,
      environment: {
        GLOBAL_CLUSTER_ID: globalId,
        PRIMARY_REGION: config.primary.region,
        PRIMARY_CLUSTER_ID: primaryCluster,
        DR_REGION: config.dr.region,
        DR_CLUSTER_ID: drCluster,
      },
    });
    const globalArn = `arn:${partition}:rds::${account}:global-cluster:${globalId}`;
    const clusterArns = [
      `arn:${partition}:rds:${config.primary.region}:${account}:cluster:${primaryCluster}`,
      `arn:${partition}:rds:${config.dr.region}:${account}:cluster:${drCluster}`,
    ];
    runbook.allow([globalArn], ['rds:DescribeGlobalClusters']);
    runbook.allow([globalArn, ...clusterArns], ['rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster']);
    this.function = runbook.fn;
  }
}
