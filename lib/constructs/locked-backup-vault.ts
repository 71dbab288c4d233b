/*
 * AWS Backup Vault Lock (compliance mode) for one region (INV-BACKUP, protection from inside the
 * account): once the lock's grace period ends, no one in the account, root included, can delete a
 * recovery point before its retention ends. In the configured writer region a plan backs up the
 * cluster and copies each recovery point to the other region's locked vault, named by ARN (no
 * cross-region reference).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** AWS Backup Vault Lock option (protection against deletion from inside the account). */
export interface LockedVaultOptions {
  /** Days every recovery point is kept and cannot be deleted (Vault Lock minimum retention), 1-36500. */
  readonly retentionDays: number;
  /**
   * Days after deployment during which the lock can still be removed (governance), 3-36500; after
   * that it is immutable (compliance mode). @default 3 (the minimum AWS allows)
   */
  readonly changeableForDays?: number;
  /** When the writer region's backup runs. @default daily at 05:00 UTC */
  readonly schedule?: events.Schedule;
}

/** Deterministic name of a region's locked vault, so the other region's plan can copy into it. */
export function lockedVaultName(appName: string, region: string): string {
  return `${appName}-locked-${region}`;
}

export interface LockedBackupVaultProps extends LockedVaultOptions {
  /** Vault name (lockedVaultName(appName, region)): the peer's plan copies into it by name. */
  readonly backupVaultName: string;
  /** Key of the recovery points in this vault. */
  readonly encryptionKey: kms.IKey;
}

/** What the writer region's plan backs up and where it copies to. */
export interface LockedBackupSource {
  /** ARN of the Aurora cluster to back up. */
  readonly clusterArn: string;
  /** ARN of the other region's locked vault (made by the other stack; named, not referenced). */
  readonly peerVaultArn: string;
}

/** A Vault Lock vault (retained); `backUp` adds the writer region's daily plan with its cross-region copy. */
export class LockedBackupVault extends backup.BackupVault {
  private readonly retentionDays: number;
  private readonly schedule?: events.Schedule;

  constructor(scope: Construct, id: string, props: LockedBackupVaultProps) {
    validateLockedVaultOptions(props);
    super(scope, id, {
      backupVaultName: props.backupVaultName,
      encryptionKey: props.encryptionKey,
      lockConfiguration: {
        minRetention: Duration.days(props.retentionDays),
        changeableFor: Duration.days(props.changeableForDays ?? 3),
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.retentionDays = props.retentionDays;
    this.schedule = props.schedule;
  }

  /**
   * The plan of the configured writer region (a plan cannot follow the writer at run time; the
   * writerRegion switch moves it after a failover): back up `source.clusterArn` into this vault and
   * copy each recovery point to the peer's vault, both kept `retentionDays`.
   */
  public backUp(source: LockedBackupSource): backup.BackupPlan {
    const peerVault = backup.BackupVault.fromBackupVaultArn(this, 'PeerVault', source.peerVaultArn);
    const deleteAfter = Duration.days(this.retentionDays);
    const plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'DailyToLockedVaults',
          scheduleExpression: this.schedule ?? events.Schedule.cron({ minute: '0', hour: '5' }),
          deleteAfter,
          copyActions: [{ destinationBackupVault: peerVault, deleteAfter }],
        }),
      ],
    });
    const selection = plan.addSelection('Cluster', {
      resources: [backup.BackupResource.fromArn(source.clusterArn)],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'AWS Backup needs its AWS-maintained service-role policy to snapshot and copy Aurora clusters; the selection limits it to this one cluster.',
    });
    return plan;
  }
}

/** Throws naming the field when a Vault Lock option is out of AWS's range. */
export function validateLockedVaultOptions({
  retentionDays,
  changeableForDays = 3,
}: LockedVaultOptions): void {
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36500) {
    throw new Error(
      `LockedBackupVault: lockedVault.retentionDays = ${retentionDays}; allowed: an integer 1-36500`,
    );
  }
  if (!Number.isInteger(changeableForDays) || changeableForDays < 3 || changeableForDays > 36500) {
    throw new Error(
      `LockedBackupVault: lockedVault.changeableForDays = ${changeableForDays}; allowed: an integer 3-36500`,
    );
  }
}
