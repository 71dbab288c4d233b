import type { CfnResource } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { type AppConfig, DEFAULT_CONFIG, drFleetMinPerAz, drScaledDown, type RegionRole } from '../config';
import type { DrProfileProps, RelaxedRule } from '../constructs/dr-profile';
import type { Database } from '../constructs/database';
import type { Fleet } from '../constructs/fleet';

/** The parts of a regional stack the profile reads. */
interface ProfileScope {
  readonly fleet: Fleet;
  readonly database: Database;
}

/**
 * Maps the config's DR strategy onto DrProfile for one regional stack: the metadata the report
 * reads, the pilot-light scale-up the runbook performs, and each check the profile relaxes on
 * purpose (scoped to the one DR resource it concerns).
 */
export function profileProps(config: AppConfig, role: RegionRole, scope: ProfileScope): DrProfileProps {
  const azs = (role === 'primary' ? config.primary : config.dr).availabilityZones.length;
  const dr = role === 'secondary';
  const resting = dr ? drFleetMinPerAz(config) : config.fleet.minPerAz;
  const scaledDown = dr && drScaledDown(config);
  const relaxed: RelaxedRule[] = [];
  const asg = scope.fleet.autoScalingGroup.node.defaultChild as CfnResource;
  const drCluster = scope.database.node
    .findAll()
    .find((c): c is rds.CfnDBCluster => c instanceof rds.CfnDBCluster);

  if (dr && resting < config.fleet.minPerAz) {
    relaxed.push({
      resource: asg,
      ruleId: 'RES-ASG2',
      reason: `the DR fleet rests at ${resting} per AZ; the failover runbook raises MinSize to ${config.fleet.minPerAz * azs} before traffic moves (INV-ASG capacity holds after scale-up)`,
    });
  }
  if (dr && drCluster && config.database.drInstances === 0) {
    relaxed.push({
      resource: drCluster,
      ruleId: 'RES-DB1',
      reason:
        'headless Global Database secondary (storage kept in sync, no instances); the runbook adds instances before failing over',
    });
  }
  if (dr && drCluster && config.database.drInstances === 1 && config.drStrategy === 'minimal') {
    relaxed.push({
      resource: drCluster,
      ruleId: 'RES-DB2',
      reason: 'one DR instance: after a promotion the DR writer has no in-region reader until one is added',
    });
  }
  return {
    metadata: {
      drStrategy: config.drStrategy,
      role,
      cost: config.cost,
      scaleUp: scaledDown
        ? {
            fleetMinSize: config.fleet.minPerAz * azs,
            databaseInstances: config.database.drInstances === 0 ? DEFAULT_CONFIG.database.drInstances : 0,
            databaseInstanceClass: `db.${config.database.instanceClass}`,
          }
        : undefined,
    },
    autoScalingGroup: scope.fleet.autoScalingGroup,
    relaxed,
  };
}
