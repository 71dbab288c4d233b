import { App, Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import type { EvaluationResult, StackInput } from '../../lib/checks';
import { evaluateTemplates } from '../../lib/checks';

export const ACCOUNT = '111111111111';

/** An app for rule tests: the built-in CloudFormation validator is off (it costs seconds per synth). */
export function testApp(): App {
  return new App({ builtinCloudFormationValidation: false });
}

/** A stack with a concrete env that answers its AZs itself, so synth stays offline. */
export class OfflineStack extends Stack {
  private readonly azs: string[];

  constructor(scope: Construct, id: string, region = 'us-east-1', azCount = 3) {
    super(scope, id, { env: { account: ACCOUNT, region } });
    this.azs = ['a', 'b', 'c', 'd'].slice(0, azCount).map((s) => `${region}${s}`);
  }

  public override get availabilityZones(): string[] {
    return this.azs;
  }
}

export function stackInput(assembly: CloudAssembly, stack: Stack): StackInput {
  const artifact = assembly.getStackArtifact(stack.artifactId);
  return {
    stackName: stack.stackName,
    region: stack.region,
    template: artifact.template,
    templatePath: artifact.templateFullPath,
  };
}

/** Evaluates the given stacks of an already synthesized app. */
export function evaluate(assembly: CloudAssembly, ...stacks: Stack[]): EvaluationResult {
  return evaluateTemplates(stacks.map((s) => stackInput(assembly, s)));
}

/** Sorted distinct ids of the rules with unacknowledged findings. */
export function failingRules(result: EvaluationResult): string[] {
  return [...new Set(result.findings.map((f) => f.ruleId))].sort();
}

export interface VpcOptions {
  readonly natGateways?: number;
  readonly tiers?: ec2.SubnetType[];
  readonly flowLogs?: boolean;
}

/** A VPC that satisfies INV-NET: three tiers in every AZ, a NAT per AZ, flow logs. */
export function compliantVpc(scope: Construct, options: VpcOptions = {}): ec2.Vpc {
  const tiers = options.tiers ?? [
    ec2.SubnetType.PUBLIC,
    ec2.SubnetType.PRIVATE_WITH_EGRESS,
    ec2.SubnetType.PRIVATE_ISOLATED,
  ];
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 3,
    natGateways: options.natGateways ?? 3,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: tiers.map((subnetType) => ({ name: subnetType, subnetType, cidrMask: 24 })),
    flowLogs: options.flowLogs === false ? {} : { all: {} },
  });
}

export interface FleetOptions {
  readonly sslPolicy?: elbv2.SslPolicy;
  readonly httpForwards?: boolean;
  readonly asgSubnets?: ec2.SubnetSelection;
  readonly albSubnets?: ec2.SubnetSelection;
  readonly minCapacity?: number;
  readonly ec2HealthCheck?: boolean;
}

/** An ALB (HTTPS + HTTP redirect) in front of an ASG spanning every AZ, as INV-ALB and INV-ASG ask. */
export function compliantFleet(scope: Construct, vpc: ec2.Vpc, options: FleetOptions = {}): void {
  const alb = new elbv2.ApplicationLoadBalancer(scope, 'Alb', {
    vpc,
    internetFacing: true,
    vpcSubnets: options.albSubnets ?? { subnetType: ec2.SubnetType.PUBLIC },
  });
  const certificate = acm.Certificate.fromCertificateArn(
    scope,
    'Cert',
    `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000`,
  );
  const https = alb.addListener('Https', {
    port: 443,
    certificates: [certificate],
    sslPolicy: options.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
  });
  const asg = new autoscaling.AutoScalingGroup(scope, 'Asg', {
    vpc,
    vpcSubnets: options.asgSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    instanceType: new ec2.InstanceType('t4g.small'),
    machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
    minCapacity: options.minCapacity ?? 6,
    maxCapacity: 12,
    healthChecks: options.ec2HealthCheck
      ? autoscaling.HealthChecks.ec2()
      : autoscaling.HealthChecks.withAdditionalChecks({
          additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
          gracePeriod: Duration.minutes(2),
        }),
  });
  https.addTargets('Fleet', { port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targets: [asg] });
  if (options.httpForwards) {
    alb.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      defaultAction: elbv2.ListenerAction.fixedResponse(200),
    });
  } else {
    alb.addRedirect();
  }
}

export interface ClusterOptions {
  readonly instances?: number;
  readonly deletionProtection?: boolean;
  readonly storageEncrypted?: boolean;
  readonly backupRetention?: number;
  /** Join this global cluster as a secondary (no credentials). */
  readonly secondaryOf?: string;
}

/** An Aurora PostgreSQL cluster (L1, as templates see it) with its instances. */
export function auroraCluster(scope: Construct, id: string, options: ClusterOptions = {}): rds.CfnDBCluster {
  const cluster = new rds.CfnDBCluster(scope, id, {
    engine: 'aurora-postgresql',
    engineVersion: '16.6',
    ...(options.secondaryOf
      ? { globalClusterIdentifier: options.secondaryOf }
      : { masterUsername: 'app_admin', manageMasterUserPassword: true }),
    storageEncrypted: options.storageEncrypted ?? true,
    deletionProtection: options.deletionProtection ?? true,
    backupRetentionPeriod: options.backupRetention ?? 7,
  });
  for (let i = 0; i < (options.instances ?? 2); i++) {
    new rds.CfnDBInstance(scope, `${id}Instance${i}`, {
      engine: 'aurora-postgresql',
      dbInstanceClass: 'db.r7g.large',
      dbClusterIdentifier: cluster.ref,
    });
  }
  return cluster;
}

export interface SnapshotFunctionOptions {
  /** @default 'DESTINATION_REGION' */
  readonly envVar?: string;
  /** @default both rds:CreateDBClusterSnapshot and rds:CopyDBClusterSnapshot */
  readonly actions?: string[];
  /** @default 'Snapshot' */
  readonly id?: string;
  /** Invoke on this event instead of a daily schedule. @default a daily schedule */
  readonly onEvent?: events.EventPattern;
}

/** A Lambda allowed to snapshot and copy, invoked daily, whose env var names the copy's region. */
export function snapshotSchedule(
  scope: Construct,
  destinationRegion: string,
  options: SnapshotFunctionOptions = {},
): lambda.Function {
  const id = options.id ?? 'Snapshot';
  const fn = new lambda.Function(scope, `${id}Fn`, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
    environment: { [options.envVar ?? 'DESTINATION_REGION']: destinationRegion },
  });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: options.actions ?? ['rds:CreateDBClusterSnapshot', 'rds:CopyDBClusterSnapshot'],
      resources: ['*'],
    }),
  );
  new events.Rule(scope, `${id}Schedule`, {
    ...(options.onEvent
      ? { eventPattern: options.onEvent }
      : { schedule: events.Schedule.rate(Duration.days(1)) }),
    targets: [new targets.LambdaFunction(fn)],
  });
  return fn;
}

export type ReplicationGroupOverrides = Partial<elasticache.CfnReplicationGroupProps>;

/** A Valkey replication group: cluster mode, 2 shards x 1 replica, failover, Multi-AZ, TLS, at-rest encryption. */
export function replicationGroup(
  scope: Construct,
  id: string,
  overrides: ReplicationGroupOverrides = {},
): elasticache.CfnReplicationGroup {
  return new elasticache.CfnReplicationGroup(scope, id, {
    replicationGroupDescription: 'cache',
    engine: 'valkey',
    cacheNodeType: 'cache.t4g.small',
    numNodeGroups: 2,
    replicasPerNodeGroup: 1,
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    ...overrides,
  });
}
