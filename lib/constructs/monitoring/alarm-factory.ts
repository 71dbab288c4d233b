import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export const ONE_MINUTE = Duration.minutes(1);
export const FIVE_MINUTES = Duration.minutes(5);

/** One alarm of a tier: what it watches, when it fires, and what the on-call checks first. */
export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default evaluationPeriods (every period must breach) */
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** Shown in the notification: what breached and what to check first. */
  readonly description: string;
}

/**
 * Makes the alarms of every tier in one scope, named `<namePrefix>-<key>`, and keeps them by key.
 * Actions are not added here: the stack's AlarmTopic routes every alarm (AlarmTopic.routeAlarmsIn).
 */
export class AlarmFactory {
  private readonly byKey: Record<string, cloudwatch.Alarm> = {};

  constructor(
    private readonly scope: Construct,
    private readonly namePrefix: string,
  ) {}

  /** Every alarm made so far, by key (e.g. 'Http5xxRatio', 'HealthyHosts-us-east-1a'). */
  public get alarms(): Readonly<Record<string, cloudwatch.Alarm>> {
    return this.byKey;
  }

  public add(key: string, spec: AlarmSpec): cloudwatch.Alarm {
    if (this.byKey[key]) throw new Error(`Monitoring: two alarms have the key "${key}"`);
    const alarm = new cloudwatch.Alarm(this.scope, `Alarm${key.replace(/[^A-Za-z0-9]/g, '')}`, {
      alarmName: `${this.namePrefix}-${key}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
    });
    this.byKey[key] = alarm;
    return alarm;
  }
}

/** A dashboard graph of the tiers' usual size (a third of the width). */
export function graph(
  title: string,
  left: cloudwatch.IMetric[],
  extra: Partial<cloudwatch.GraphWidgetProps> = {},
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
}
