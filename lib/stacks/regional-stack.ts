import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import {
  type AppConfig,
  type RegionContext,
  type RegionRole,
  regionContext,
  regionalRecordName,
  runtimeParameterPrefix,
} from '../config';
import { DnsFailover } from '../constructs/dns-failover';
import { Fleet } from '../constructs/fleet';
import { Network } from '../constructs/network';

export interface RegionalStackProps extends StackProps {
  readonly config: AppConfig;
  /** primary: owns the global cluster and the PRIMARY record; secondary: the DR region. */
  readonly role: RegionRole;
}

/**
 * One region of the pair. Thin: it only wires the per-concern constructs together; the same
 * class builds the primary and the DR region from the one config.
 */
export class RegionalStack extends Stack {
  public readonly ctx: RegionContext;
  public readonly network: Network;
  public readonly fleet: Fleet;
  public readonly dns: DnsFailover;

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    const ctx = regionContext(props.config, props.role);
    super(scope, id, {
      ...props,
      env: { account: ctx.region.account, region: ctx.region.region },
      crossRegionReferences: true,
    });
    this.ctx = ctx;
    const { config } = props;
    const region = ctx.region.region;

    this.network = new Network(this, 'Network', { availabilityZones: ctx.region.availabilityZones });

    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    const regionalName = regionalRecordName(config, region);

    this.fleet = new Fleet(this, 'Fleet', {
      vpc: this.network.vpc,
      availabilityZones: ctx.region.availabilityZones,
      fleet: config.fleet,
      hostedZone,
      certificateNames: [config.dns.recordName, regionalName],
      servicePort: config.service.port,
      runtimeParameterPath: runtimeParameterPrefix(config),
      environment: {
        READINESS_GRACE_SECONDS: String(config.service.readinessGraceSeconds),
        SHUTDOWN_DRAIN_SECONDS: String(Math.max(5, config.fleet.deregistrationDelaySeconds - 5)),
      },
    });

    this.dns = new DnsFailover(this, 'Dns', {
      hostedZone,
      dns: config.dns,
      loadBalancer: this.fleet.loadBalancer,
      regionalName,
      region,
      failover: props.role === 'primary' ? route53.Failover.PRIMARY : route53.Failover.SECONDARY,
      // The PRIMARY always needs a writer, so a demoted region never takes traffic back; the
      // DR record needs one only while the DR cluster is the configured writer.
      requireWriter: props.role === 'primary' || ctx.isWriter,
    });

    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.fleet.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'RegionalEndpoint', { value: `https://${regionalName}` });
    new CfnOutput(this, 'HealthCheckId', { value: this.dns.healthCheck.healthCheckId });
  }

  /** AZs come from config, never from a lookup, so synth stays offline. */
  public override get availabilityZones(): string[] {
    return [...this.ctx.region.availabilityZones];
  }
}
