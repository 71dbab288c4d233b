/* Load balancer and fleet tier: errors, per-AZ health, latency and the group's capacity. */
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { type AlarmFactory, graph, ONE_MINUTE } from './alarm-factory';
import type { MonitoringThresholds } from './thresholds';

export interface FleetAlarmsProps {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The fleet's target group; must be attached to the load balancer (its metrics need the LB dimension). */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** The fleet's group. Its group metrics must be enabled (GroupInServiceInstances), or the alarm breaches. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** AZs the fleet serves; one healthy-host alarm each. */
  readonly availabilityZones: readonly string[];
  /** Healthy targets each AZ must keep. */
  readonly minPerAz: number;
  /** The group's MinSize. */
  readonly minCapacity: number;
  readonly thresholds: Pick<
    MonitoringThresholds,
    'http5xxPercent' | 'http5xxMinRequestsPerMinute' | 'targetP99LatencySeconds'
  >;
}

export class FleetAlarms {
  /** ALB 5xx ratio > threshold for 2 minutes: FIS stop condition and zonal autoshift outcome alarm. */
  public readonly http5xxAlarm: cloudwatch.Alarm;
  /** Dashboard rows: traffic and errors; latency and health per AZ. */
  public readonly rows: cloudwatch.IWidget[][];

  constructor(alarms: AlarmFactory, props: FleetAlarmsProps) {
    const t = props.thresholds;
    const { minPerAz, minCapacity } = props;
    const azs = [...props.availabilityZones];
    const lb = props.loadBalancer.metrics;
    const tg = props.targetGroup.metrics;
    const perAz = (m: cloudwatch.Metric, az: string) =>
      m.with({
        dimensionsMap: { ...(m.dimensions as Record<string, string>), AvailabilityZone: az },
        label: az,
      });

    // ---- Errors ----------------------------------------------------------------------------------
    const requests = lb.requestCount({ period: ONE_MINUTE, statistic: 'Sum' });
    const elb5xx = lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: ONE_MINUTE, statistic: 'Sum' });
    const target5xx = lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      period: ONE_MINUTE,
      statistic: 'Sum',
    });
    const min = t.http5xxMinRequestsPerMinute;
    // RequestCount skips requests the ALB rejected before choosing a target (e.g. 503 with no
    // targets), so a minute with few counted requests but many ELB 5xx still reads as 100 %.
    const http5xxRatio = new cloudwatch.MathExpression({
      expression:
        `IF(FILL(req, 0) >= ${min}, 100 * (FILL(elb, 0) + FILL(tgt, 0)) / FILL(req, 0), ` +
        `IF(FILL(elb, 0) >= ${min}, 100, 0))`,
      usingMetrics: { req: requests, elb: elb5xx, tgt: target5xx },
      period: ONE_MINUTE,
      label: '5xx % of requests (ELB + target)',
    });
    this.http5xxAlarm = alarms.add('Http5xxRatio', {
      metric: http5xxRatio,
      threshold: t.http5xxPercent,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // No requests at all is not an error rate; the healthy-host and Route 53 alarms catch a dead region.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `More than ${t.http5xxPercent} % of ALB requests returned 5xx (load balancer + targets) for 2 minutes ` +
        `(only counted above ${min} requests/minute). Users are seeing errors. First check: dashboard "Errors" ` +
        'and "Fleet health per AZ" - one AZ (start or let autoshift run a zonal shift) or all (check the ' +
        'database/cache widgets and the latest deployment). This alarm also stops FIS experiments.',
    });

    // ---- Fleet health ----------------------------------------------------------------------------
    const unhealthy = tg.unhealthyHostCount({ period: ONE_MINUTE, statistic: 'Maximum' });
    alarms.add('UnhealthyHosts', {
      metric: unhealthy,
      threshold: 0,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // The metric is absent when no target is registered; HealthyHosts-<az> alarms cover that case.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'At least one fleet instance failed the ALB /healthz check for 2 minutes. The ASG (ELB health checks) ' +
        'should replace it. First check: target group "Targets" tab for the failing instance and its reason, ' +
        'then the instance console log via SSM.',
    });
    const healthy = tg.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' });
    const healthyPerAz = azs.map((az) => perAz(healthy, az));
    azs.forEach((az, i) => {
      alarms.add(`HealthyHosts-${az}`, {
        metric: healthyPerAz[i],
        threshold: minPerAz,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        // No healthy-host data for an AZ the ALB serves means no capacity can be shown there: page.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        description:
          `Fewer than ${minPerAz} healthy targets in ${az} for 2 minutes (static stability needs ${minPerAz} per AZ). ` +
          `First check: is ${az} impaired (AWS Health, other AZ alarms)? If so shift traffic away with an ARC ` +
          'zonal shift; if not, look at the ASG activity history for failed launches in that AZ.',
      });
    });
    const latencyP99 = tg.targetResponseTime({ period: ONE_MINUTE, statistic: 'p99' });
    alarms.add('TargetLatencyP99', {
      metric: latencyP99,
      threshold: t.targetP99LatencySeconds,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // Latency is only reported for served requests; no traffic means no latency to judge.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Target p99 response time above ${t.targetP99LatencySeconds} s for 3 minutes. First check: dashboard ` +
        '"Latency per AZ" (one AZ slow = gray failure, consider a zonal shift), then database CPU and cache CPU.',
    });
    const inService = new cloudwatch.Metric({
      namespace: 'AWS/AutoScaling',
      metricName: 'GroupInServiceInstances',
      dimensionsMap: { AutoScalingGroupName: props.autoScalingGroup.autoScalingGroupName },
      period: ONE_MINUTE,
      statistic: 'Minimum',
    });
    alarms.add('AsgInService', {
      metric: inService,
      threshold: minCapacity,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // Group metrics stop only if collection is disabled or the group is gone: both leave us blind.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `Fewer than ${minCapacity} in-service instances in the Auto Scaling group for 5 minutes: it cannot ` +
        'restore its minimum. First check: ASG activity history (capacity errors, launch failures, an AZ ' +
        'outage). If the data is missing, group metrics collection is off on the ASG.',
    });

    // ---- Dashboard: the alarms' own metrics, labelled (and split per AZ where the alarm is regional) ----
    this.rows = [
      [
        graph(
          'Traffic: requests per AZ',
          azs.map((az) => perAz(requests, az)),
          { stacked: true },
        ),
        new cloudwatch.AlarmWidget({
          title: 'Errors: 5xx % of requests',
          alarm: this.http5xxAlarm,
          width: 8,
          height: 6,
        }),
        graph('Errors: 5xx counts', [
          elb5xx.with({ label: 'ELB 5xx' }),
          target5xx.with({ label: 'Target 5xx' }),
        ]),
      ],
      [
        graph(
          'Latency per AZ: target p99 (s)',
          azs.map((az) => perAz(latencyP99, az)),
          { leftAnnotations: [{ value: t.targetP99LatencySeconds, label: 'alarm' }] },
        ),
        graph('Fleet health per AZ: healthy targets', healthyPerAz, {
          leftAnnotations: [{ value: minPerAz, label: 'minPerAz' }],
        }),
        graph('Fleet: unhealthy targets and ASG in service', [
          unhealthy.with({ label: 'Unhealthy targets' }),
          inService.with({ label: 'ASG in service' }),
        ]),
      ],
    ];
  }
}
