import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';

/** Construct id of the one LogsKey at the root of each stack. */
const LOGS_KEY_ID = 'LogsKey';

/**
 * The one customer-managed KMS key of a stack's CloudWatch log groups (Control Tower
 * CT.CLOUDWATCH.PR.3; NIST/HIPAA/PCI CloudWatchLogGroupEncrypted). Every log group of the stack
 * uses it: the ones constructs create (`LogsKey.of(this).key`), those aspects give a key to and
 * those pre-created for functions AWS would otherwise log to implicitly
 * (lib/aspects/function-log-groups.ts).
 *
 * CloudWatch Logs encrypts with the key itself, so the key policy lets the regional Logs service
 * principal use it, only for log groups of this account and region
 * (kms:EncryptionContext:aws:logs:arn). Writers and readers of the logs need no KMS permission.
 */
export class LogsKey extends Construct {
  /** The stack's logs key, created at the stack root on first use. */
  public static of(scope: IConstruct): LogsKey {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(LOGS_KEY_ID);
    if (existing instanceof LogsKey) return existing;
    if (existing) throw new Error(`LogsKey: ${stack.node.path}/${LOGS_KEY_ID} exists and is not a LogsKey`);
    return new LogsKey(stack, LOGS_KEY_ID);
  }

  public readonly key: kms.Key;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the CloudWatch log groups of ${scope.stackName}`,
      enableKeyRotation: true,
      // Retained log groups (and their audit trail) stay readable after a stack deletion.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccountAndRegion',
        principals: [new iam.ServicePrincipal(`logs.${scope.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': scope.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}
