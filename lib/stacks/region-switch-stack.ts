import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type { Construct } from 'constructs';
import { type AppConfig, clusterIdentifier, globalClusterIdentifier, regionSwitchPlanName } from '../config';
import { failoverRunbookFunctionName } from '../../lambda/shared/names';
import { RegionSwitchPlan, type RegionSwitchRegion } from '../constructs/region-switch-plan';
import type { RegionalStack } from './regional-stack';

export interface RegionSwitchStackProps extends StackProps {
  readonly config: AppConfig;
  readonly primary: RegionalStack;
  readonly secondary: RegionalStack;
}

/**
 * The optional ARC Region switch plan (`failover.regionSwitchPlan.enabled`), in a stack of its own in the DR region,
 * deployed after both regional stacks:
 *  - the plan names resources of both regions, and an Auto Scaling group's ARN carries a UUID that exists only once
 *    that region's stack is deployed, so the plan can only come after both (primary -> DR -> region-switch);
 *  - it is not on the failover path: a plan is executed from the activating region's Region switch data plane, never
 *    redeployed, so "deploy only what is reachable" with a region down (README) leaves this stack alone, and turning
 *    the option on or off never updates a regional stack's resources (only the cross-region reference parameters);
 *  - the DR region, because its alarm (the outside-in probe of the primary) triggers the plan and its topic receives
 *    the plan's events, both without a dependency on the primary region.
 */
export class RegionSwitchStack extends Stack {
  public readonly regionSwitch: RegionSwitchPlan;

  constructor(scope: Construct, id: string, props: RegionSwitchStackProps) {
    const { config, primary, secondary } = props;
    super(scope, id, {
      ...props,
      env: { account: config.dr.account, region: config.dr.region },
      crossRegionReferences: true,
    });
    const settings = config.failover.regionSwitchPlan;
    this.addStackDependency(
      primary,
      'The plan names the primary Auto Scaling group (its ARN exists once deployed)',
    );
    this.addStackDependency(secondary, 'The plan names the DR Auto Scaling group, alarms and topic');

    const region = (stack: RegionalStack): RegionSwitchRegion => ({
      region: stack.ctx.region.region,
      autoScalingGroupArn: (stack.fleet.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup)
        .attrAutoScalingGroupArn,
      databaseClusterArn: this.formatArn({
        service: 'rds',
        region: stack.ctx.region.region,
        resource: 'cluster',
        resourceName: clusterIdentifier(config, stack.ctx.region.region),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      runbookFunctionArn: this.formatArn({
        service: 'lambda',
        region: stack.ctx.region.region,
        resource: 'function',
        resourceName: failoverRunbookFunctionName(config.appName),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      healthAlarmArn: stack.monitoring.http5xxAlarm.alarmArn,
    });

    const peerCanary = secondary.peerCanary;
    if (settings.triggerOnAlarm && !peerCanary) {
      throw new Error(
        "RegionSwitchStack: triggerOnAlarm needs the DR stack's peer canary alarm, and the DR stack has none",
      );
    }
    this.regionSwitch = new RegionSwitchPlan(this, 'RegionSwitch', {
      planName: regionSwitchPlanName(config),
      primary: region(primary),
      standby: region(secondary),
      globalClusterIdentifier: globalClusterIdentifier(config),
      fenceDrainSeconds: secondary.runbook.fenceDrainSeconds,
      recoveryTimeObjective: Duration.minutes(settings.recoveryTimeObjectiveMinutes),
      approval: settings.approvalRequired
        ? {
            timeout: Duration.minutes(settings.approvalTimeoutMinutes),
            approverRoleArn: settings.approverRoleArn,
          }
        : undefined,
      trigger:
        settings.triggerOnAlarm && peerCanary
          ? {
              alarmArn: peerCanary.alarm.alarmArn,
              minDelayBetweenExecutions: Duration.minutes(settings.triggerMinDelayMinutes),
            }
          : undefined,
      notificationTopic: secondary.monitoring.alarmTopic.topic,
    });

    new CfnOutput(this, 'PlanArn', {
      value: this.regionSwitch.plan.attrArn,
      description:
        'aws arc-region-switch start-plan-execution --plan-arn <this> (README: ARC Region switch plan)',
    });
    if (this.regionSwitch.approverRoleArn) {
      new CfnOutput(this, 'ApproverRoleArn', {
        value: this.regionSwitch.approverRoleArn,
        description: 'Assume this role to approve the approve-activate-<region> steps',
      });
    }
  }
}
