/* Service tier: what the instances' own /metrics say (published by the CloudWatch agent). */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { BREAKER_STATE_METRIC } from '../service-user-data';
import { type AlarmFactory, graph, ONE_MINUTE } from './alarm-factory';

export interface ServiceAlarmsProps {
  /** Namespace the CloudWatch agent publishes the service's /metrics under (Fleet.serviceMetricsNamespace). */
  readonly metricsNamespace: string;
}

export class ServiceAlarms {
  /** Read breaker open on at least one instance: reads are served from the cache, stale copies included. */
  public readonly readBreakerOpenAlarm: cloudwatch.Alarm;
  /** Dashboard row: the read latency breaker's state. */
  public readonly row: cloudwatch.IWidget[];

  constructor(alarms: AlarmFactory, props: ServiceAlarmsProps) {
    // Maximum over the fleet's instances: any one not closed (2 open, 1 half-open probing) counts.
    const readBreaker = new cloudwatch.Metric({
      namespace: props.metricsNamespace,
      metricName: BREAKER_STATE_METRIC.name,
      dimensionsMap: { dependency: 'database', path: 'read', trips_on: 'latency' },
      statistic: 'Maximum',
      period: ONE_MINUTE,
    });
    this.readBreakerOpenAlarm = alarms.add('ReadBreakerOpen', {
      metric: readBreaker,
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // The agent scrapes once a minute: 2 of 3 samples, so one slow minute on one instance does not page.
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'Read breaker open: database reads are slower than their p95 budget (DB_READ_P95_BUDGET_MS) on at ' +
        'least one instance, so reads are served from the cache, stale copies included (X-Cache: stale), and ' +
        'only uncached reads wait for the database. Users still get answers. First check: Aurora reader ' +
        'latency (ReadLatency, DBLoad) and connections, then the stale_reads_served_total metric and the ' +
        'service log ("read latency breaker opened", with the observed p95).',
    });
    this.row = [
      graph('Read latency breaker (0 closed, 1 half-open, 2 open)', [readBreaker], {
        leftAnnotations: [{ value: 1, label: 'alarm' }],
      }),
    ];
  }
}
