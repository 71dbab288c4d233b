/*
 * The KMS key that cross-region Aurora snapshot copies land under in one region (INV-BACKUP). The
 * copies are made by the OTHER region's copy role, which the key policy names by its fixed ARN (no
 * cross-region reference; aws:PrincipalArn may name a role that does not exist yet), through RDS in
 * this region only.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface SnapshotCopyKeyProps {
  /** Alias the peer's copy function names the key by, e.g. `alias/<app>/snapshot-copies`. */
  readonly alias: string;
  /** The region the key is in; it may be used only through RDS there (kms:ViaService). */
  readonly region: string;
  /** ARN of the peer region's copy role (fixed name, so it can be named before it exists). */
  readonly peerCopyRoleArn: string;
  /** @default "Encrypts cross-region Aurora snapshot copies landing in <region>" */
  readonly description?: string;
}

/** A rotated, retained key that only the peer's copy role may use, and only through RDS in `region`. */
export class SnapshotCopyKey extends kms.Key {
  constructor(scope: Construct, id: string, props: SnapshotCopyKeyProps) {
    super(scope, id, {
      alias: props.alias,
      description:
        props.description ?? `Encrypts cross-region Aurora snapshot copies landing in ${props.region}`,
      enableKeyRotation: true,
      // Copies are unreadable without it; a stack deletion must not destroy the backups' key.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const viaRds = { 'kms:ViaService': `rds.${props.region}.amazonaws.com` };
    const isPeerCopyRole = { 'aws:PrincipalArn': props.peerCopyRoleArn };
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PeerCopyRoleDescribeViaRds',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { ArnEquals: isPeerCopyRole, StringEquals: viaRds },
      }),
    );
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PeerCopyRoleGrantsForRds',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          ArnEquals: isPeerCopyRole,
          StringEquals: viaRds,
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }),
    );
  }
}
