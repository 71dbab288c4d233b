import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';

/** Construct id of the one SecretsKey at the root of each stack. */
const SECRETS_KEY_ID = 'SecretsKey';

/**
 * The one customer-managed KMS key of a stack's Secrets Manager secrets (NIST/HIPAA/PCI
 * SecretsManagerUsingKMSKey): the master and app-user secrets in the primary, the cache AUTH
 * token in each region. With a customer key, reading a secret needs kms:Decrypt on it as well as
 * secretsmanager:GetSecretValue, and only the roles that read a secret get it (`grantRead` adds it
 * to the reader's policy, limited to calls through Secrets Manager in this region): the instances,
 * the RDS Proxy, the rotation functions and the bootstrap. The key policy keeps the account's
 * IAM delegation and no other principal.
 *
 * Replicas in the DR region stay on that region's AWS managed key: the primary stack, which
 * replicates, deploys before the DR stack, so no key of the DR stack exists yet when the replica
 * is made (docs/compliance.md, "Secrets").
 */
export class SecretsKey extends Construct {
  /** The stack's secrets key, created at the stack root on first use. */
  public static of(scope: IConstruct): SecretsKey {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SECRETS_KEY_ID);
    if (existing instanceof SecretsKey) return existing;
    if (existing)
      throw new Error(`SecretsKey: ${stack.node.path}/${SECRETS_KEY_ID} exists and is not a SecretsKey`);
    return new SecretsKey(stack, SECRETS_KEY_ID);
  }

  public readonly key: kms.Key;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the Secrets Manager secrets of ${scope.stackName}`,
      enableKeyRotation: true,
      // A deleted key makes every secret (and retained copy) under it unreadable: retained.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
