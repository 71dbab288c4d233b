import {
  CreateDBInstanceCommand,
  DBInstanceAlreadyExistsFault,
  DescribeDBInstancesCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { CapacityApi, DatabaseInstanceView, FleetView } from './runbook';

/**
 * The pilot-light scale-up's calls, in the region the runbook runs in (the target: it never needs the failed
 * region). `@aws-sdk/client-auto-scaling` is the Lambda runtime's, not a dependency of this repository (as for
 * Route 53 in route53.ts), so the module is passed in and the tests pass a stand-in with the same shape.
 */

/** The part of `@aws-sdk/client-auto-scaling` the scale-up uses. */
export interface AutoScalingModule {
  readonly AutoScalingClient: new (config: Record<string, never>) => {
    send(command: unknown): Promise<unknown>;
  };
  readonly DescribeAutoScalingGroupsCommand: new (input: { AutoScalingGroupNames: string[] }) => unknown;
  readonly UpdateAutoScalingGroupCommand: new (input: {
    AutoScalingGroupName: string;
    MinSize: number;
    DesiredCapacity: number;
  }) => unknown;
}

interface DescribeAutoScalingGroupsOutput {
  readonly AutoScalingGroups?: readonly {
    readonly MinSize?: number;
    readonly DesiredCapacity?: number;
    readonly Instances?: readonly { readonly LifecycleState?: string; readonly HealthStatus?: string }[];
  }[];
}

export function capacityApi(autoScaling: AutoScalingModule, rds: RDSClient): CapacityApi {
  const asg = new autoScaling.AutoScalingClient({});
  return {
    async describeFleet(name: string): Promise<FleetView | undefined> {
      const out = (await asg.send(
        new autoScaling.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      )) as DescribeAutoScalingGroupsOutput;
      const group = out.AutoScalingGroups?.[0];
      if (!group) return undefined;
      return {
        minSize: group.MinSize ?? 0,
        desiredCapacity: group.DesiredCapacity ?? 0,
        inService: (group.Instances ?? []).filter(
          (i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy',
        ).length,
      };
    },
    async raiseFleet(name: string, size: number): Promise<void> {
      await asg.send(
        new autoScaling.UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          MinSize: size,
          DesiredCapacity: size,
        }),
      );
    },
    async databaseInstances(clusterId: string): Promise<readonly DatabaseInstanceView[]> {
      const found: DatabaseInstanceView[] = [];
      let marker: string | undefined;
      do {
        const out = await rds.send(
          new DescribeDBInstancesCommand({
            Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }],
            Marker: marker,
          }),
        );
        for (const i of out.DBInstances ?? []) {
          if (i.DBInstanceIdentifier)
            found.push({ id: i.DBInstanceIdentifier, status: i.DBInstanceStatus ?? '?' });
        }
        marker = out.Marker;
      } while (marker);
      return found;
    },
    async addDatabaseInstance(clusterId: string, instanceId: string, instanceClass: string): Promise<void> {
      try {
        // Engine, storage, encryption and subnets come from the cluster; the instance adds compute only.
        await rds.send(
          new CreateDBInstanceCommand({
            DBClusterIdentifier: clusterId,
            DBInstanceIdentifier: instanceId,
            DBInstanceClass: instanceClass,
            Engine: 'aurora-postgresql',
            PubliclyAccessible: false,
            AutoMinorVersionUpgrade: false,
            Tags: [{ Key: 'created-by', Value: 'failover-runbook (pilot light scale-up)' }],
          }),
        );
      } catch (e) {
        if (e instanceof DBInstanceAlreadyExistsFault) return; // a second run, or two operators: same instance
        throw e;
      }
    },
  };
}
