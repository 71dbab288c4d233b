import { type IAspect, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/** Shortest retention AWS Control Tower control CT.CLOUDWATCH.PR.2 accepts (days). */
export const MIN_LOG_RETENTION_DAYS = 365;

export interface LogGroupDefaultsProps {
  /** Key for log groups that name none (CT.CLOUDWATCH.PR.3). */
  readonly key: kms.IKey;
  /**
   * Retention floor: set on log groups that name none or a shorter one.
   * @default MIN_LOG_RETENTION_DAYS (365)
   */
  readonly minRetentionDays?: number;
}

/**
 * Secure defaults for every CloudWatch log group in scope, applied in one place so a group
 * added later (by us, by a CDK construct, by a provider framework) cannot miss them:
 * - no KMS key -> `key`;
 * - no retention, or a shorter one -> `minRetentionDays` (a bounded cost rather than "never
 *   expire"; raising only ever keeps logs longer, so constructs we do not own, such as a provider
 *   framework's log group, comply without forking them). Our own constructs state one year
 *   themselves, so their code reads true.
 */
export class LogGroupDefaults implements IAspect {
  private readonly minRetentionDays: number;

  constructor(private readonly props: LogGroupDefaultsProps) {
    this.minRetentionDays = props.minRetentionDays ?? MIN_LOG_RETENTION_DAYS;
  }

  public visit(node: IConstruct): void {
    if (!(node instanceof logs.CfnLogGroup)) return;
    if (node.kmsKeyId === undefined) node.kmsKeyId = this.props.key.keyArn;
    const retention = node.retentionInDays;
    if (retention === undefined || (!Token.isUnresolved(retention) && retention < this.minRetentionDays)) {
      node.retentionInDays = this.minRetentionDays;
    }
  }
}
