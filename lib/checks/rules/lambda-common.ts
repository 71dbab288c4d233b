import type { StackModel } from '../stack-model';

export const LAMBDA_FUNCTION = 'AWS::Lambda::Function';

/** The Lambda function of this template an ARN value points at, through an alias or version. */
export function functionOf(stack: StackModel, arn: unknown): string | undefined {
  let fn = stack.refTarget(arn);
  const type = fn ? stack.resources[fn]?.Type : undefined;
  if (fn && (type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version')) {
    fn = stack.refTarget(stack.prop(fn, 'FunctionName'));
  }
  return fn && stack.resources[fn]?.Type === LAMBDA_FUNCTION ? fn : undefined;
}
