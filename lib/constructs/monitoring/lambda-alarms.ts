/* Lambda tier: any error or throttle of a function whose failure means a backup or runbook step did not run. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type AlarmFactory, FIVE_MINUTES, graph } from './alarm-factory';

export interface LambdaAlarmsProps {
  /** Functions by a short alphanumeric label (alarm names use it). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
}

export class LambdaAlarms {
  /** Dashboard widgets: errors and throttles of every function (none without functions). */
  public readonly widgets: cloudwatch.IWidget[];

  constructor(alarms: AlarmFactory, props: LambdaAlarmsProps) {
    const functions = Object.entries(props.functions).map(([name, fn]) => ({
      name,
      errors: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      throttles: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
    }));
    for (const { name, errors, throttles } of functions) {
      alarms.add(`LambdaErrors-${name}`, {
        metric: errors,
        threshold: 0,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // Scheduled/on-demand functions: no invocation means no error.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `Function ${name} failed at least once in 5 minutes. First check: its log group for the error and ` +
          'whether the next scheduled run (or a manual re-run; they are idempotent) succeeds.',
      });
      alarms.add(`LambdaThrottles-${name}`, {
        metric: throttles,
        threshold: 0,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `Function ${name} was throttled in the last 5 minutes, so a snapshot or runbook step did not run. ` +
          "First check: account concurrency (ConcurrentExecutions) and the function's reserved concurrency.",
      });
    }
    this.widgets =
      functions.length === 0
        ? []
        : [
            graph(
              'Lambda errors and throttles',
              functions.map((f) => f.errors.with({ label: `${f.name} errors` })),
              { right: functions.map((f) => f.throttles.with({ label: `${f.name} throttles` })) },
            ),
          ];
  }
}
