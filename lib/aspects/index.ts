import { AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { LogsKey } from '../constructs/logs-key';
import { FunctionLogGroups } from './function-log-groups';
import { LogGroupDefaults } from './log-group-defaults';
import { RestrictKmsGrantsToAwsServices } from './restrict-kms-grants';

export * from './function-log-groups';
export * from './log-group-defaults';
export * from './restrict-kms-grants';

/**
 * The app-wide secure defaults the AWS Control Tower proactive controls ask for, registered in
 * one place (the app builder) after every stack exists:
 * - each stack with a log group gets one `LogsKey` and `LogGroupDefaults` (CT.CLOUDWATCH.PR.2/3);
 * - every Lambda function (CDK's handlers and the rotation functions included) logs to a log group
 *   created explicitly with that key and retention (`FunctionLogGroups`);
 * - every KMS key policy denies CreateGrant except for AWS services (CT.KMS.PR.3), the logs
 *   keys included.
 */
export function applySecureDefaults(root: IConstruct): void {
  for (const stack of root.node.findAll().filter(Stack.isStack)) {
    const hasLogGroup = stack.node
      .findAll()
      .some((c) => c instanceof logs.CfnLogGroup && Stack.of(c) === stack);
    if (!hasLogGroup) continue;
    const { key } = LogsKey.of(stack);
    Aspects.of(stack).add(new LogGroupDefaults({ key }), { priority: AspectPriority.MUTATING });
  }
  Aspects.of(root).add(new FunctionLogGroups(), { priority: AspectPriority.MUTATING });
  Aspects.of(root).add(new RestrictKmsGrantsToAwsServices(), { priority: AspectPriority.MUTATING });
}
