import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { AlarmTopic } from '../constructs/monitoring';

/** Route 53 publishes health-check metrics only in us-east-1. */
export const ROUTE53_METRICS_REGION = 'us-east-1';

/** Name of the us-east-1 alarm on one health check (the smoke test reads the alarm by it). */
export function healthCheckAlarmName(appName: string, label: string): string {
  return `${appName}-health-check-${label}`;
}

export interface MonitoredHealthCheck {
  /** Label used in alarm names, e.g. the region it probes. */
  readonly label: string;
  readonly healthCheck: route53.IHealthCheck;
  /** What the check means, for the on-call reading the alarm. */
  readonly meaning: string;
}

export interface GlobalMonitoringStackProps extends StackProps {
  readonly config: AppConfig;
  readonly healthChecks: readonly MonitoredHealthCheck[];
}

/**
 * A small stack pinned to us-east-1: a CloudWatch alarm cannot read another region's metric, and
 * Route 53 health-check metrics exist only here. One status alarm per health check, its own
 * AlarmTopic (the regional stacks' construct), and a dashboard of both regions' health.
 */
export class GlobalMonitoringStack extends Stack {
  /** The health-check alarms' topic; every alarm of this stack notifies it on ALARM and OK. */
  public readonly alarmTopic: AlarmTopic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: GlobalMonitoringStackProps) {
    super(scope, id, {
      ...props,
      env: { account: props.config.primary.account, region: ROUTE53_METRICS_REGION },
      crossRegionReferences: true,
    });
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      displayName: `${props.config.appName} Route 53 health-check alarms`,
      keyDescription: 'Encrypts the global health-check alarm topic',
      emailAddresses: props.config.monitoring.alarmEmails,
      httpsEndpoints: props.config.monitoring.alarmHttpsEndpoints,
    });
    this.alarmTopic.routeAlarmsIn(this);

    const { requestIntervalSeconds, failureThreshold } = props.config.dns.healthCheck;
    const widgets: cloudwatch.IWidget[] = [];
    for (const check of props.healthChecks) {
      const status = new cloudwatch.Metric({
        namespace: 'AWS/Route53',
        metricName: 'HealthCheckStatus',
        dimensionsMap: { HealthCheckId: check.healthCheck.healthCheckId },
        statistic: cloudwatch.Stats.MINIMUM,
        period: Duration.minutes(1),
      });
      const alarm = new cloudwatch.Alarm(this, `HealthCheckStatus-${check.label}`, {
        alarmName: healthCheckAlarmName(props.config.appName, check.label),
        alarmDescription:
          `Route 53 sees ${check.label} as unhealthy: ${check.meaning}. DNS fails over after ` +
          `${requestIntervalSeconds} s x ${failureThreshold} failed checks. First check that region's /readyz body ` +
          '(database reachable/writable) and its ALB healthy-host count.',
        metric: status,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data means Route 53 stopped reporting the check: treat as unhealthy.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      this.alarms.push(alarm);
      widgets.push(
        new cloudwatch.GraphWidget({ title: `Health check ${check.label}`, left: [status], width: 12 }),
      );
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${props.config.appName}-global-health`,
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Health-check alarms', alarms: this.alarms, width: 24 })],
        widgets,
      ],
    });
  }
}
