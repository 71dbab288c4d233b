import type { CfnResourceJson, CfnTemplate, StackInput } from '../../lib/checks';

/**
 * Handcrafted template pieces for the report's unit tests: small, literal
 * CloudFormation JSON, no CDK synth. Each builder returns resources to merge.
 */
export type Resources = Record<string, CfnResourceJson>;

export const ref = (id: string) => ({ Ref: id });
export const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

export function template(...parts: Resources[]): CfnTemplate {
  return { Resources: Object.assign({}, ...parts) };
}

export function stack(stackName: string, region: string | undefined, ...parts: Resources[]): StackInput {
  return { stackName, region, template: template(...parts) };
}

/** A VPC with one subnet per AZ (`Subnet0`, `Subnet1`, …). */
export function network(azs: readonly string[]): Resources {
  const out: Resources = { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } } };
  azs.forEach((az, i) => {
    out[`Subnet${i}`] = {
      Type: 'AWS::EC2::Subnet',
      Properties: { VpcId: ref('Vpc'), AvailabilityZone: az, CidrBlock: `10.0.${i}.0/24` },
    };
  });
  return out;
}

export interface FleetOptions {
  readonly azCount: number;
  readonly minSize?: number;
  readonly gracePeriod?: number;
  readonly interval?: number;
  readonly timeout?: number;
  readonly unhealthyThreshold?: number;
  /** READINESS_GRACE_SECONDS in the user data; omitted when undefined. */
  readonly readinessGrace?: number;
}

/** ALB + target group + launch template + ASG over `Subnet0..n-1`. */
export function fleet(o: FleetOptions): Resources {
  const tg: Record<string, unknown> = { Port: 8080, Protocol: 'HTTP', VpcId: ref('Vpc') };
  if (o.interval !== undefined) tg.HealthCheckIntervalSeconds = o.interval;
  if (o.timeout !== undefined) tg.HealthCheckTimeoutSeconds = o.timeout;
  if (o.unhealthyThreshold !== undefined) tg.UnhealthyThresholdCount = o.unhealthyThreshold;
  const userData = [
    '#!/bin/bash\ncat > /etc/svc/env <<EOF\nPORT=8080\n',
    o.readinessGrace === undefined ? '' : `READINESS_GRACE_SECONDS=${o.readinessGrace}\n`,
    'EOF\n',
    ref('AWS::Region'),
  ];
  const asg: Record<string, unknown> = {
    MinSize: String(o.minSize ?? 2 * o.azCount),
    MaxSize: '20',
    HealthCheckType: 'ELB',
    TargetGroupARNs: [ref('TargetGroup')],
    VPCZoneIdentifier: Array.from({ length: o.azCount }, (_, i) => ref(`Subnet${i}`)),
    LaunchTemplate: { LaunchTemplateId: ref('LaunchTemplate'), Version: '1' },
  };
  if (o.gracePeriod !== undefined) asg.HealthCheckGracePeriod = o.gracePeriod;
  return {
    LoadBalancer: {
      Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      Properties: { Subnets: Array.from({ length: o.azCount }, (_, i) => ref(`Subnet${i}`)) },
    },
    TargetGroup: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: tg },
    LaunchTemplate: {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: { UserData: { 'Fn::Base64': { 'Fn::Join': ['', userData] } } } },
    },
    Group: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: asg },
  };
}

/** An Aurora writer cluster (owns data: has a master user), optionally the source of a global cluster. */
export function auroraWriter(options: { global?: string; backupRetention?: number } = {}): Resources {
  const out: Resources = {
    Cluster: {
      Type: 'AWS::RDS::DBCluster',
      Properties: {
        Engine: 'aurora-postgresql',
        MasterUsername: 'admin_user',
        BackupRetentionPeriod: options.backupRetention ?? 7,
      },
    },
  };
  if (options.global) {
    out.Global = {
      Type: 'AWS::RDS::GlobalCluster',
      Properties: { GlobalClusterIdentifier: options.global, SourceDBClusterIdentifier: ref('Cluster') },
    };
  }
  return out;
}

/** A Global Database secondary cluster joining `global` (no master user). */
export function auroraSecondary(global: string): Resources {
  return {
    SecondaryCluster: {
      Type: 'AWS::RDS::DBCluster',
      Properties: { Engine: 'aurora-postgresql', GlobalClusterIdentifier: global },
    },
  };
}

export function cache(): Resources {
  return {
    Cache: {
      Type: 'AWS::ElastiCache::ReplicationGroup',
      Properties: { AutomaticFailoverEnabled: true, MultiAZEnabled: true, ReplicasPerNodeGroup: 1 },
    },
  };
}

export interface DnsOptions {
  readonly role: 'PRIMARY' | 'SECONDARY';
  readonly interval?: number;
  readonly threshold?: number;
  /** Alias to the load balancer (default) or a plain record with this TTL. */
  readonly ttl?: number;
}

export function dns(o: DnsOptions): Resources {
  const config: Record<string, unknown> = { Type: 'HTTPS', FullyQualifiedDomainName: 'x.example.com' };
  if (o.interval !== undefined) config.RequestInterval = o.interval;
  if (o.threshold !== undefined) config.FailureThreshold = o.threshold;
  const record: Record<string, unknown> = {
    Name: 'app.example.com.',
    Type: 'A',
    HostedZoneId: 'Z1',
    Failover: o.role,
    SetIdentifier: o.role,
    HealthCheckId: ref('HealthCheck'),
  };
  if (o.ttl === undefined) {
    record.AliasTarget = {
      DNSName: { 'Fn::GetAtt': ['LoadBalancer', 'DNSName'] },
      HostedZoneId: 'Z2',
      EvaluateTargetHealth: true,
    };
  } else {
    record.TTL = String(o.ttl);
    record.ResourceRecords = ['192.0.2.1'];
  }
  return {
    HealthCheck: { Type: 'AWS::Route53::HealthCheck', Properties: { HealthCheckConfig: config } },
    Record: { Type: 'AWS::Route53::RecordSet', Properties: record },
  };
}

/** A Lambda allowed rds:CreateDBClusterSnapshot, invoked by an EventBridge rule on `schedule`. */
export function snapshotSchedule(schedule: string): Resources {
  return {
    SnapshotRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
    SnapshotPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [ref('SnapshotRole')],
        PolicyDocument: {
          Statement: [{ Effect: 'Allow', Action: 'rds:CreateDBClusterSnapshot', Resource: '*' }],
        },
      },
    },
    SnapshotFunction: { Type: 'AWS::Lambda::Function', Properties: { Role: arn('SnapshotRole') } },
    SnapshotRule: {
      Type: 'AWS::Events::Rule',
      Properties: { ScheduleExpression: schedule, Targets: [{ Id: 't', Arn: arn('SnapshotFunction') }] },
    },
  };
}
