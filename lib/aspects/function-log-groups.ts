import { CfnResource, type IAspect, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sam from 'aws-cdk-lib/aws-sam';
import type { IConstruct } from 'constructs';
import { LogsKey } from '../constructs/logs-key';
import { MIN_LOG_RETENTION_DAYS } from './log-group-defaults';

/** Construct id of the log group this aspect adds next to a function (or rotation application). */
export const FUNCTION_LOG_GROUP_ID_SUFFIX = 'Logs';

/**
 * Every Lambda function logs to a log group created explicitly in its stack, with the stack's
 * `LogsKey` and one year of retention, instead of one Lambda would create on the first invocation
 * (no key, kept forever):
 * - a function resource (`AWS::Lambda::Function`, the L1 of `lambda.Function` or a bare
 *   `CfnResource` such as aws-cdk-lib's CustomResourceProvider handlers) that names no
 *   `LoggingConfig.LogGroup` gets a sibling log group and `LoggingConfig.LogGroup` pointing at it;
 * - a Secrets Manager rotation application (`AWS::Serverless::Application` with a literal
 *   `functionName` parameter, what `SecretRotation` deploys) gets `/aws/lambda/<functionName>`,
 *   created before the application, so the nested function finds it in place.
 * `lambda.CfnFunction`s that already name a log group (our BundledFunctions) are left as they are.
 */
export class FunctionLogGroups implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof sam.CfnApplication) {
      this.preCreateRotationLogGroup(node);
      return;
    }
    if (
      !CfnResource.isCfnResource(node) ||
      node.cfnResourceType !== lambda.CfnFunction.CFN_RESOURCE_TYPE_NAME
    ) {
      return;
    }
    if (node instanceof lambda.CfnFunction) {
      const config = Stack.of(node).resolve(node.loggingConfig) as
        lambda.CfnFunction.LoggingConfigProperty | undefined;
      if (config?.logGroup !== undefined) return;
      const logGroup = functionLogGroup(node);
      node.loggingConfig = { ...(node.loggingConfig ?? {}), logGroup: logGroup.logGroupName };
      return;
    }
    // A bare CfnResource of the function type (aws-cdk-lib's CustomResourceProvider handlers, which
    // set no LoggingConfig): its properties are not readable, so the log group is set by override.
    const logGroup = functionLogGroup(node);
    node.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
  }

  private preCreateRotationLogGroup(app: sam.CfnApplication): void {
    const parameters = Stack.of(app).resolve(app.parameters) as Record<string, unknown> | undefined;
    const functionName = parameters?.functionName;
    if (typeof functionName !== 'string' || Token.isUnresolved(functionName)) return;
    const logGroup = functionLogGroup(app, `/aws/lambda/${functionName}`);
    app.node.addDependency(logGroup);
  }
}

/** The log group of one function, next to `resource`, on the stack's logs key. */
function functionLogGroup(resource: CfnResource, logGroupName?: string): logs.LogGroup {
  const scope = resource.node.scope!;
  return new logs.LogGroup(scope, `${resource.node.id}${FUNCTION_LOG_GROUP_ID_SUFFIX}`, {
    logGroupName,
    encryptionKey: LogsKey.of(resource).key,
    retention: MIN_LOG_RETENTION_DAYS as logs.RetentionDays,
    // Goes with its function; a retained group would block a redeploy under the same fixed name.
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
