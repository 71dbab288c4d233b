import { Annotations, type IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';

/** Sid of the statement this aspect adds to every key policy. */
export const RESTRICT_KMS_GRANTS_SID = 'DenyGrantsNotForAwsServices';

/**
 * The key-policy statement AWS Control Tower control CT.KMS.PR.3 asks for: nobody may
 * `kms:CreateGrant` unless the grant is for an AWS resource (an integrated service such as RDS,
 * ElastiCache or AWS Backup creating it on the caller's behalf) or the caller is an AWS service.
 * A grant delegates key use outside the key policy, so only services should make them.
 */
export function restrictKmsGrantsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: RESTRICT_KMS_GRANTS_SID,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/**
 * Adds {@link restrictKmsGrantsStatement} to the policy of every KMS key in scope (L2 `kms.Key`
 * and bare `CfnKey` with a literal policy). One aspect instead of one line per key, so a key
 * added later cannot forget it.
 */
export class RestrictKmsGrantsToAwsServices implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof kms.Key) {
      node.addToResourcePolicy(restrictKmsGrantsStatement());
      return;
    }
    if (!(node instanceof kms.CfnKey) || node.node.scope instanceof kms.Key) return;
    const stack = Stack.of(node);
    const policy = stack.resolve(node.keyPolicy) as { Statement?: unknown[] } | undefined;
    if (!policy || !Array.isArray(policy.Statement)) {
      Annotations.of(node).addWarningV2(
        'aspects:kms-grant-restriction',
        'Key policy is not a literal document; add the CT.KMS.PR.3 CreateGrant deny statement yourself.',
      );
      return;
    }
    if (policy.Statement.some((s) => (s as { Sid?: string }).Sid === RESTRICT_KMS_GRANTS_SID)) return;
    node.addPropertyOverride('KeyPolicy', {
      ...policy,
      Statement: [...policy.Statement, stack.resolve(restrictKmsGrantsStatement().toStatementJson())],
    });
  }
}
