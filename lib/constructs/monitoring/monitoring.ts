/*
 * Monitoring for one region (INV-OBS): the alarm topic, the alarms the on-call acts on (one tier per
 * file: fleet, service, database, cache, Lambda) and a dashboard graphing the alarms' own metric objects.
 *
 * Hand-written with aws-cdk-lib/aws-cloudwatch rather than cdk-monitoring-constructs (checked: 10.2.0,
 * peer aws-cdk-lib ^2.160.0, so it would install). It does not fit here: it has no ALB monitoring outside
 * its ECS patterns, no per-AZ target metrics, no Aurora replica/global/RPO lag and no ElastiCache
 * replication lag, so more than half of the alarms would be CustomMonitoring anyway; its alarm facade
 * hides treatMissingData and the per-alarm on-call text this project requires; and it is one more large
 * dependency loaded on every synth. The tiers follow its shape: plain classes that add alarms to one
 * scope through a factory and hand their widgets to the dashboard.
 */
import { Duration } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AlarmFactory, graph } from './alarm-factory';
import { AlarmTopic, type AlarmTopicProps } from './alarm-topic';
import { CacheAlarms, type MonitoredCache } from './cache-alarms';
import { DatabaseAlarms, type MonitoredDatabase } from './database-alarms';
import { FleetAlarms } from './fleet-alarms';
import { LambdaAlarms } from './lambda-alarms';
import { ServiceAlarms } from './service-alarms';
import { DEFAULT_MONITORING_THRESHOLDS, type MonitoringThresholds } from './thresholds';

/** The region's load balancer and fleet. */
export interface MonitoredFleet {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The fleet's target group; must be attached to the load balancer (its metrics need the LB dimension). */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** The fleet's group. Its group metrics must be enabled (GroupInServiceInstances), or the alarm breaches. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** AZs the fleet serves; one healthy-host alarm each. Non-empty, no duplicates. */
  readonly availabilityZones: readonly string[];
  /** Healthy targets each AZ must keep (integer >= 1). */
  readonly minPerAz: number;
  /** The group's MinSize (integer >= minPerAz). @default minPerAz x availabilityZones.length */
  readonly minCapacity?: number;
  /**
   * Namespace the CloudWatch agent publishes the service's /metrics under (Fleet.serviceMetricsNamespace): adds the
   * service tier ("read breaker open"). @default no alarms on the service's own metrics
   */
  readonly serviceMetricsNamespace?: string;
}

export interface MonitoringProps {
  /** Prefix of every alarm name: `<alarmNamePrefix>-<key>`, e.g. `ha-ref-Http5xxRatio`. */
  readonly alarmNamePrefix: string;
  /** The region's alarm topic: names and subscribers. */
  readonly alarmTopic: AlarmTopicProps;
  readonly dashboardName: string;
  /** First line of the dashboard (markdown heading text). @default dashboardName */
  readonly dashboardHeading?: string;
  readonly fleet: MonitoredFleet;
  readonly database: MonitoredDatabase;
  readonly cache: MonitoredCache;
  /** Functions whose errors and throttles page (snapshot, runbook), by a short alphanumeric label. @default none */
  readonly functions?: Readonly<Record<string, lambda.IFunction>>;
  /** Alarms made elsewhere (e.g. snapshot freshness): shown on the dashboard, not duplicated. @default none */
  readonly existingAlarms?: readonly cloudwatch.IAlarm[];
  /** Age of the newest snapshot copy, from the snapshot construct. @default a text widget saying it is not wired */
  readonly snapshotAgeMetric?: cloudwatch.IMetric;
  /** Threshold overrides. @default DEFAULT_MONITORING_THRESHOLDS */
  readonly thresholds?: Partial<MonitoringThresholds>;
}

/**
 * The alarms are made here without actions: call `alarmTopic.routeAlarmsIn(stack)` once, so these and
 * every other alarm of the stack notify the topic on ALARM and OK.
 */
export class Monitoring extends Construct {
  /** The region's one alarm topic (KMS-encrypted, TLS-only). */
  public readonly alarmTopic: AlarmTopic;
  /** Every alarm made here, by stable key (e.g. 'Http5xxRatio', 'HealthyHosts-us-east-1a'). */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** ALB 5xx ratio > threshold for 2 minutes: FIS stop condition and zonal autoshift outcome alarm. */
  public readonly http5xxAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const azs = props.fleet.availabilityZones;
    const minPerAz = props.fleet.minPerAz;
    const minCapacity = props.fleet.minCapacity ?? minPerAz * azs.length;
    const thresholds: MonitoringThresholds = { ...DEFAULT_MONITORING_THRESHOLDS, ...props.thresholds };
    const functions = props.functions ?? {};
    validate(azs, minPerAz, minCapacity, thresholds, Object.keys(functions));

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', props.alarmTopic);
    const factory = new AlarmFactory(this, props.alarmNamePrefix);
    const fleet = new FleetAlarms(factory, { ...props.fleet, minCapacity, thresholds });
    const database = new DatabaseAlarms(factory, { database: props.database, thresholds });
    const cache = new CacheAlarms(factory, { cache: props.cache, thresholds });
    const lambdas = new LambdaAlarms(factory, { functions });
    const service = props.fleet.serviceMetricsNamespace
      ? new ServiceAlarms(factory, { metricsNamespace: props.fleet.serviceMetricsNamespace })
      : undefined;
    this.alarms = factory.alarms;
    this.http5xxAlarm = fleet.http5xxAlarm;

    const existing = props.existingAlarms ?? [];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# ${props.dashboardHeading ?? props.dashboardName}\n` +
          'Alarms notify the region topic. Game day: see the README section "Game day".',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...Object.values(this.alarms), ...existing],
        width: 24,
        height: 4,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );
    for (const row of [...fleet.rows, ...(service ? [service.row] : []), database.row, cache.row])
      this.dashboard.addWidgets(...row);
    this.dashboard.addWidgets(
      props.snapshotAgeMetric
        ? graph('Snapshot age (newest DR copy)', [props.snapshotAgeMetric])
        : new cloudwatch.TextWidget({
            markdown: '### Snapshot age\nNo snapshot-age metric is wired into this region.',
            width: 8,
            height: 6,
          }),
      ...existing.map(
        (alarm) => new cloudwatch.AlarmWidget({ title: alarm.alarmName, alarm, width: 8, height: 6 }),
      ),
      ...lambdas.widgets,
    );
  }
}

function validate(
  azs: readonly string[],
  minPerAz: number,
  minCapacity: number,
  t: MonitoringThresholds,
  functionLabels: string[],
): void {
  if (azs.length === 0 || new Set(azs).size !== azs.length) {
    throw new Error(
      `Monitoring: fleet.availabilityZones must be a non-empty list without duplicates, got [${azs.join(', ')}]`,
    );
  }
  if (!Number.isInteger(minPerAz) || minPerAz < 1) {
    throw new Error(`Monitoring: fleet.minPerAz must be an integer >= 1, got ${minPerAz}`);
  }
  if (!Number.isInteger(minCapacity) || minCapacity < minPerAz) {
    throw new Error(
      `Monitoring: fleet.minCapacity must be an integer >= minPerAz (${minPerAz}), got ${minCapacity}`,
    );
  }
  if (!(t.http5xxPercent > 0 && t.http5xxPercent <= 100)) {
    throw new Error(`Monitoring: thresholds.http5xxPercent must be in (0, 100], got ${t.http5xxPercent}`);
  }
  for (const [field, value] of Object.entries(t)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new Error(`Monitoring: thresholds.${field} must be a positive number, got ${String(value)}`);
    }
  }
  for (const label of functionLabels) {
    if (!/^[A-Za-z0-9]+$/.test(label)) {
      throw new Error(`Monitoring: functions label "${label}" must be alphanumeric (alarm names use it)`);
    }
  }
}
