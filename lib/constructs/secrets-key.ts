import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';

/** Construct id of the one SecretsKey at the root of each stack. */
const SECRETS_KEY_ID = 'SecretsKey';

/** What Secrets Manager calls KMS for: reading a secret (Decrypt) and storing a new version (GenerateDataKey, Encrypt). */
const READ_ACTIONS = ['kms:Decrypt'];
const READ_WRITE_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

/**
 * The one customer-managed KMS key of a stack's Secrets Manager secrets (NIST/HIPAA/PCI
 * SecretsManagerUsingKMSKey): the master and app-user secrets in the primary, the cache AUTH
 * token in each region. With a customer key, reading a secret needs kms:Decrypt on it as well as
 * secretsmanager:GetSecretValue, and only the roles that read a secret get it, limited to calls
 * through Secrets Manager in this region: the instances, the RDS Proxy, the rotation functions and
 * the bootstrap.
 *
 * Two kinds:
 * - the stack's own key (the primary): `grantRead` on a secret puts the reader into the key policy;
 *   the key policy keeps the account's IAM delegation and no other principal.
 * - a shared key (the DR region): the key of the region's keys stack ({@link RegionSecretsKey}),
 *   which also encrypts the primary's replicas there. Its key policy cannot name this stack's
 *   roles (the keys stack deploys first), so `grantRead` on a secret adds nothing for the key and
 *   the readers get kms:Decrypt on exactly that key in their own IAM policy instead:
 *   {@link SecretsKey.grantRead} / {@link SecretsKey.grantReadWrite}.
 */
export class SecretsKey extends Construct {
  /** The stack's secrets key: the shared one if {@link SecretsKey.useShared} set it, else the stack's own, created on first use. */
  public static of(scope: IConstruct): SecretsKey {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SECRETS_KEY_ID);
    if (existing instanceof SecretsKey) return existing;
    if (existing)
      throw new Error(`SecretsKey: ${stack.node.path}/${SECRETS_KEY_ID} exists and is not a SecretsKey`);
    return new SecretsKey(stack, SECRETS_KEY_ID);
  }

  /**
   * Makes `sharedKeyArn` (the region's keys stack key, a key ARN) the secrets key of `stack`.
   * Call before anything in the stack uses `SecretsKey.of`.
   */
  public static useShared(stack: Stack, sharedKeyArn: string): SecretsKey {
    if (stack.node.tryFindChild(SECRETS_KEY_ID)) {
      throw new Error(`SecretsKey: ${stack.node.path} already has a secrets key; useShared must come first`);
    }
    return new SecretsKey(stack, SECRETS_KEY_ID, sharedKeyArn);
  }

  /**
   * The key a replica of one of this stack's secrets is encrypted with in `region`: the secrets key
   * of that region's keys stack, named by its alias ARN (Secrets Manager takes a key ARN, key id or
   * alias as a replica's KmsKeyId). Only `keyArn` (the alias ARN) is read from it.
   */
  public static replicaKey(scope: Construct, id: string, region: string, aliasName: string): kms.IKey {
    if (!aliasName.startsWith('alias/')) throw new Error(`SecretsKey: "${aliasName}" is not an alias name`);
    const aliasArn = Stack.of(scope).formatArn({
      service: 'kms',
      region,
      resource: 'alias',
      resourceName: aliasName.slice('alias/'.length),
    });
    return kms.Key.fromKeyArn(scope, id, aliasArn);
  }

  public readonly key: kms.IKey;
  /** True when the key is the region's keys stack key (grants go to the readers' IAM policies). */
  public readonly shared: boolean;

  private constructor(scope: Stack, id: string, sharedKeyArn?: string) {
    super(scope, id);
    this.shared = sharedKeyArn !== undefined;
    this.key = sharedKeyArn
      ? kms.Key.fromKeyArn(this, 'Key', sharedKeyArn)
      : new kms.Key(this, 'Key', {
          description: `Encrypts the Secrets Manager secrets of ${scope.stackName}`,
          enableKeyRotation: true,
          // A deleted key makes every secret (and retained copy) under it unreadable: retained.
          removalPolicy: RemovalPolicy.RETAIN,
        });
  }

  /**
   * The key side of reading a secret under this key: nothing with the stack's own key (the
   * secret's `grantRead` put the reader into the key policy), kms:Decrypt on the shared key through
   * Secrets Manager of this region otherwise. Call beside the secret's own grant.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant | undefined {
    return this.grantViaSecretsManager(grantee, READ_ACTIONS);
  }

  /** As {@link grantRead}, for a role that also writes new versions (a rotation function). */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant | undefined {
    return this.grantViaSecretsManager(grantee, READ_WRITE_ACTIONS);
  }

  private grantViaSecretsManager(grantee: iam.IGrantable, actions: string[]): iam.Grant | undefined {
    if (!this.shared) return undefined;
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': secretsManagerService(Stack.of(this).region) } },
    });
  }
}

export interface RegionSecretsKeyProps {
  /** Fixed alias the primary's replica entries name, e.g. `alias/<app>/secrets` (secretsKeyAlias). */
  readonly alias: string;
  /** The region of the key; Secrets Manager may use it only there. */
  readonly region: string;
  /** @default "Encrypts the Secrets Manager secrets and secret replicas in <region>" */
  readonly description?: string;
}

/**
 * The secrets key of a replica region, in that region's keys stack (deployed before the primary):
 * rotated, retained, with a fixed alias. It encrypts the primary's secret replicas in the region
 * and that region's own secrets. Its policy holds the account's IAM delegation and lets the
 * account's principals use it through Secrets Manager of the region only (what replicating a
 * secret into the region and storing its new versions needs; a caller still needs an IAM allow).
 * Readers get kms:Decrypt in their own IAM policies (SecretsKey.grantRead).
 */
export class RegionSecretsKey extends kms.Key {
  constructor(scope: Construct, id: string, props: RegionSecretsKeyProps) {
    super(scope, id, {
      alias: props.alias,
      description:
        props.description ?? `Encrypts the Secrets Manager secrets and secret replicas in ${props.region}`,
      enableKeyRotation: true,
      // Every replica and secret of the region is unreadable without it: a stack deletion must not destroy it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AccountPrincipalsViaSecretsManager',
        principals: [new iam.AccountRootPrincipal()],
        actions: [
          'kms:Decrypt',
          'kms:Encrypt',
          'kms:GenerateDataKey*',
          'kms:ReEncrypt*',
          'kms:CreateGrant',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:ViaService': secretsManagerService(props.region),
            'kms:CallerAccount': Stack.of(this).account,
          },
        },
      }),
    );
  }
}

/** The Secrets Manager endpoint of a region, as kms:ViaService names it. */
export function secretsManagerService(region: string): string {
  return `secretsmanager.${region}.amazonaws.com`;
}
