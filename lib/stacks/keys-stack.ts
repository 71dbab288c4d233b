import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type AppConfig, secretsKeyAlias } from '../config';
import { RegionSecretsKey } from '../constructs/secrets-key';

export interface KeysStackProps extends StackProps {
  readonly config: AppConfig;
  /** The replica region this stack holds the secrets key of (one of secretReplicaRegions). */
  readonly region: string;
}

/**
 * The secrets key of one replica region (the DR region), alone in a small stack deployed before
 * the primary: the primary's secret replicas are encrypted with it (their KmsKeyId is its fixed
 * alias, `secretsKeyAlias`, as an ARN in this region), so it must exist when the primary creates
 * them. The DR regional stack uses the same key for its own secrets and grants its readers
 * kms:Decrypt on it (a stack reference in the one region: the DR stack depends on this one).
 * Nothing else lives here, so the stack never needs to change with the app.
 */
export class KeysStack extends Stack {
  public readonly secretsKey: RegionSecretsKey;

  constructor(scope: Construct, id: string, props: KeysStackProps) {
    const { config, region } = props;
    super(scope, id, { ...props, env: { account: config.dr.account, region } });
    this.secretsKey = new RegionSecretsKey(this, 'SecretsKey', {
      alias: secretsKeyAlias(config),
      region,
      description: `${config.appName}: Secrets Manager secrets and the primary's secret replicas in ${region}`,
    });
    new CfnOutput(this, 'SecretsKeyAlias', { value: secretsKeyAlias(config) });
  }
}
