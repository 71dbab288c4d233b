/*
 * ARC zonal autoshift for the load balancer (INV-CHAOS): AWS shifts traffic away from an AZ it sees
 * impaired, and runs weekly practice shifts that fail if the outcome alarm fires. Zonal shift must be
 * enabled on the ALB itself (attribute zonal_shift.config.enabled=true, set by the fleet construct).
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as arc from 'aws-cdk-lib/aws-arczonalshift';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

export interface ZonalAutoshiftProps {
  /** The ALB; its ARN is the ARC managed-resource identifier. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Alarm that marks a practice run as failed (and ends it): the ALB 5xx ratio alarm. */
  readonly outcomeAlarm: cloudwatch.IAlarm;
  /** Alarms that stop practice runs from starting while in ALARM. @default none */
  readonly blockingAlarms?: cloudwatch.IAlarm[];
  /** UTC windows with no practice runs, e.g. "Mon:09:00-Mon:17:00". @default none */
  readonly blockedWindows?: string[];
  /** Dates with no practice runs, "YYYY-MM-DD". @default none */
  readonly blockedDates?: string[];
}

const BLOCKED_WINDOW =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d-(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$/;
const BLOCKED_DATE = /^\d{4}-\d{2}-\d{2}$/;

export class ZonalAutoshift extends Construct {
  public readonly configuration: arc.CfnZonalAutoshiftConfiguration;

  constructor(scope: Construct, id: string, props: ZonalAutoshiftProps) {
    super(scope, id);
    for (const w of props.blockedWindows ?? []) {
      if (!BLOCKED_WINDOW.test(w)) {
        throw new Error(
          `ZonalAutoshift: blockedWindows entry "${w}" must look like "Mon:09:00-Mon:17:00" (UTC)`,
        );
      }
    }
    for (const d of props.blockedDates ?? []) {
      if (!BLOCKED_DATE.test(d))
        throw new Error(`ZonalAutoshift: blockedDates entry "${d}" must be YYYY-MM-DD`);
    }
    const condition = (alarm: cloudwatch.IAlarm) => ({ alarmIdentifier: alarm.alarmArn, type: 'CLOUDWATCH' });
    this.configuration = new arc.CfnZonalAutoshiftConfiguration(this, 'Resource', {
      resourceIdentifier: props.loadBalancer.loadBalancerArn,
      zonalAutoshiftStatus: 'ENABLED',
      practiceRunConfiguration: {
        outcomeAlarms: [condition(props.outcomeAlarm)],
        blockingAlarms: props.blockingAlarms?.map(condition),
        blockedWindows: props.blockedWindows,
        blockedDates: props.blockedDates,
      },
    });
  }
}
