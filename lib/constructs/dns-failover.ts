import { Duration } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { DnsConfig } from '../config';

/** Readiness paths of the sample service: plain = can serve; writer = can also take writes. */
export const READINESS_PATH = '/readyz';
export const WRITER_READINESS_PATH = '/readyz?role=writer';

export interface DnsFailoverProps {
  readonly hostedZone: route53.IHostedZone;
  readonly dns: DnsConfig;
  /** This region's load balancer. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** This region's own name, e.g. us-east-1.app.example.com (health checks probe it with SNI). */
  readonly regionalName: string;
  /** AWS region name, used as the failover record's set identifier. */
  readonly region: string;
  /** PRIMARY in the primary stack, SECONDARY in the DR stack. */
  readonly failover: route53.Failover;
  /**
   * Whether this region's health check requires a database that takes writes
   * (`/readyz?role=writer`) or only one that can serve (`/readyz`).
   */
  readonly requireWriter: boolean;
}

/**
 * INV-DNS for one region: a regional alias to the ALB, an HTTPS health check of that name on the
 * deep readiness path, and the region's failover alias record for the public name.
 */
export class DnsFailover extends Construct {
  public readonly regionalRecord: route53.ARecord;
  public readonly healthCheck: route53.HealthCheck;
  public readonly failoverRecord: route53.ARecord;
  public readonly healthCheckPath: string;

  constructor(scope: Construct, id: string, props: DnsFailoverProps) {
    super(scope, id);
    const { dns } = props;
    const hc = dns.healthCheck;
    if (hc.requestIntervalSeconds !== 10 && hc.requestIntervalSeconds !== 30) {
      throw new Error(
        `DnsFailover: dns.healthCheck.requestIntervalSeconds = ${hc.requestIntervalSeconds}; must be 10 or 30`,
      );
    }
    if (!Number.isInteger(hc.failureThreshold) || hc.failureThreshold < 1 || hc.failureThreshold > 10) {
      throw new Error(
        `DnsFailover: dns.healthCheck.failureThreshold = ${hc.failureThreshold}; must be an integer 1-10`,
      );
    }
    const albTarget = route53.RecordTarget.fromAlias(
      new targets.LoadBalancerTarget(props.loadBalancer, { evaluateTargetHealth: true }),
    );

    this.regionalRecord = new route53.ARecord(this, 'RegionalRecord', {
      zone: props.hostedZone,
      recordName: props.regionalName,
      target: albTarget,
      comment: `This region's load balancer; probed by the ${props.failover} health check`,
    });

    this.healthCheckPath = props.requireWriter ? WRITER_READINESS_PATH : READINESS_PATH;
    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: route53.HealthCheckType.HTTPS,
      fqdn: props.regionalName,
      port: 443,
      enableSNI: true,
      resourcePath: this.healthCheckPath,
      requestInterval: Duration.seconds(hc.requestIntervalSeconds),
      failureThreshold: hc.failureThreshold,
      regions: hc.checkerRegions.length > 0 ? [...hc.checkerRegions] : undefined,
      measureLatency: hc.measureLatency,
    });

    // Alias records to an ALB take the ALB's 60 s TTL; nothing here may raise it.
    this.failoverRecord = new route53.ARecord(this, 'FailoverRecord', {
      zone: props.hostedZone,
      recordName: dns.recordName,
      target: albTarget,
      failover: props.failover,
      setIdentifier: `${props.region}-${props.failover.toLowerCase()}`,
      healthCheck: this.healthCheck,
      comment: `${props.failover} for ${dns.recordName}: healthy when ${this.healthCheckPath} answers 200`,
    });
  }
}
