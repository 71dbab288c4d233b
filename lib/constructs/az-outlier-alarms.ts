/*
 * INV-GRAY: one alarm per AZ that fires when that AZ's targets fail or slow down while the other
 * AZs are fine — the signature of a gray failure (an AZ cut off from the data tier, a bad host
 * image in one subnet) that shallow health checks pass. The region-wide 5xx alarm cannot tell this
 * from a regional problem; this one names the AZ, and its description gives the ARC zonal shift
 * that drains it. (Zonal autoshift acts only on AZ impairments AWS itself detects.)
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

export interface AzOutlierAlarmsProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The AZs the load balancer spans (AZ names, as in the config). */
  readonly availabilityZones: readonly string[];
  /** An AZ whose target 5xx share exceeds this (percent) while the rest stay below a third of it is an outlier. @default 5 */
  readonly errorPercentThreshold?: number;
  /**
   * An AZ whose median target response time exceeds this (seconds) and twice the load balancer's
   * median is an outlier. Medians, not p99: with one AZ of three slow, the ALB-wide p99 is that AZ's.
   * @default 1
   */
  readonly latencyThresholdSeconds?: number;
  /** Requests per minute in the AZ below which it is never judged (too few to tell). @default 30 */
  readonly minRequestsPerMinute?: number;
  /** Consecutive outlier minutes before the alarm fires. @default 3 */
  readonly evaluationMinutes?: number;
}

export class AzOutlierAlarms extends Construct {
  /** By AZ name. */
  public readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: AzOutlierAlarmsProps) {
    super(scope, id);
    const errorPercent = props.errorPercentThreshold ?? 5;
    const latency = props.latencyThresholdSeconds ?? 1;
    const minRequests = props.minRequestsPerMinute ?? 30;
    const minutes = props.evaluationMinutes ?? 3;
    if (props.availabilityZones.length < 2) {
      throw new Error(
        `AzOutlierAlarms: ${props.availabilityZones.length} AZ(s); an outlier needs at least 2 AZs to compare`,
      );
    }
    if (!(errorPercent > 0 && errorPercent < 100)) {
      throw new Error(`AzOutlierAlarms: errorPercentThreshold = ${errorPercent}; must be between 0 and 100`);
    }

    const lb = props.loadBalancer.loadBalancerFullName;
    const metric = (metricName: string, statistic: string, az?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName,
        statistic,
        period: Duration.minutes(1),
        dimensionsMap: az ? { LoadBalancer: lb, AvailabilityZone: az } : { LoadBalancer: lb },
      });
    const alarms = new Map<string, cloudwatch.Alarm>();
    props.availabilityZones.forEach((az, i) => {
      // Counts are FILLed: a minute without requests has no datapoints and means 0, not missing.
      const outlier = new cloudwatch.MathExpression({
        label: `${az} is an outlier (1)`,
        expression:
          `IF(r >= ${minRequests} AND ((100 * e / r > ${errorPercent} AND e / r > 3 * (ea - e) / MAX([ra - r, 1]))` +
          ` OR (l > ${latency} AND l > 2 * la)), 1, 0)`,
        usingMetrics: {
          e: fill(metric('HTTPCode_Target_5XX_Count', 'Sum', az), `e${i}`),
          r: fill(metric('RequestCount', 'Sum', az), `r${i}`),
          ea: fill(metric('HTTPCode_Target_5XX_Count', 'Sum'), `ea${i}`),
          ra: fill(metric('RequestCount', 'Sum'), `ra${i}`),
          l: metric('TargetResponseTime', 'p50', az),
          la: metric('TargetResponseTime', 'p50'),
        },
        period: Duration.minutes(1),
      });
      alarms.set(
        az,
        outlier.createAlarm(this, `Outlier${i + 1}`, {
          alarmDescription:
            `Targets in ${az} answer 5xx above ${errorPercent} % or respond slower than ${latency} s (median, twice the load balancer's) for ${minutes} min while the other AZs do not: a gray failure of one AZ. ` +
            `Drain it with ARC zonal shift: aws arc-zonal-shift start-zonal-shift --resource-identifier ${props.loadBalancer.loadBalancerArn} ` +
            `--away-from $(aws ec2 describe-availability-zones --zone-names ${az} --query 'AvailabilityZones[0].ZoneId' --output text) --expires-in 2h --comment "outlier ${az}"`,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: minutes,
          datapointsToAlarm: minutes,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    });
    this.alarms = alarms;
  }
}

/** The metric with missing datapoints read as 0 (a count with no requests in the minute). */
function fill(m: cloudwatch.Metric, id: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `FILL(${id}, 0)`,
    usingMetrics: { [id]: m },
    period: m.period,
  });
}
