import { CfnOutput, type CfnResource, Stack } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { Construct } from 'constructs';
import { PROFILE_METADATA_KEY, type ProfileMetadata, RELAXED_BY_PROFILE } from '../config';

/** One invariant check a profile relaxes on purpose, with the reason the report prints. */
export interface RelaxedRule {
  readonly resource: CfnResource;
  /** Resilience pack rule id, e.g. RES-ASG2. */
  readonly ruleId: string;
  readonly reason: string;
}

export interface DrProfileProps {
  readonly metadata: ProfileMetadata;
  /** The fleet's group, named in an output when the runbook must scale it. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** Checks this profile relaxes in this stack. @default none */
  readonly relaxed?: readonly RelaxedRule[];
}

/**
 * Makes the DR strategy visible in the synthesized template: stack metadata for the report,
 * outputs the failover runbook reads in pilot light (group name and the size to scale to,
 * the database instances to add), and one acknowledgement per relaxed check, scoped to the
 * resource and rule, in the template (`cdk_nag.rules_to_suppress`) so the resilience pack at
 * synth and the report on cdk.out both see it.
 */
export class DrProfile extends Construct {
  constructor(scope: Construct, id: string, props: DrProfileProps) {
    super(scope, id);
    const stack = Stack.of(this);
    stack.templateOptions.metadata = {
      ...(stack.templateOptions.metadata ?? {}),
      [PROFILE_METADATA_KEY]: props.metadata,
    };
    for (const r of props.relaxed ?? []) {
      const existing = (r.resource.getMetadata('cdk_nag') ?? {}) as { rules_to_suppress?: unknown[] };
      r.resource.addMetadata('cdk_nag', {
        ...existing,
        rules_to_suppress: [
          ...(existing.rules_to_suppress ?? []),
          { id: r.ruleId, reason: `${RELAXED_BY_PROFILE} ${props.metadata.drStrategy}: ${r.reason}` },
        ],
      });
    }
    const scaleUp = props.metadata.scaleUp;
    if (scaleUp) {
      new CfnOutput(stack, 'PilotLightAutoScalingGroupName', {
        value: props.autoScalingGroup.autoScalingGroupName,
        description: 'Pilot light: the group the failover runbook scales up before traffic moves',
      });
      new CfnOutput(stack, 'PilotLightFleetMinSize', {
        value: String(scaleUp.fleetMinSize),
        description: 'Pilot light: MinSize and DesiredCapacity the runbook sets on the group',
      });
      new CfnOutput(stack, 'PilotLightDatabaseInstances', {
        value: String(scaleUp.databaseInstances),
        description: 'Pilot light: Aurora instances the runbook adds to the headless secondary first',
      });
      new CfnOutput(stack, 'PilotLightDatabaseInstanceClass', {
        value: scaleUp.databaseInstanceClass,
        description: 'Pilot light: class of the Aurora instances the runbook adds',
      });
    }
  }
}
