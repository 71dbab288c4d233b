import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, type IDependable } from 'constructs';
import { albHealthCheckTimeoutSeconds, type FleetConfig } from '../config';
import { READINESS_PATH } from './dns-failover';
import { serviceUserData } from './service-user-data';

/** How long CloudFormation waits for each new instance's success signal (creation and rolling updates). */
const BOOT_SIGNAL_TIMEOUT = Duration.minutes(15);

const LOAD_BALANCING_ALGORITHMS: Record<
  FleetConfig['loadBalancingAlgorithm'],
  elbv2.TargetGroupLoadBalancingAlgorithmType
> = {
  round_robin: elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN,
  least_outstanding_requests: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS,
  weighted_random: elbv2.TargetGroupLoadBalancingAlgorithmType.WEIGHTED_RANDOM,
};

/** The ALB target group's shallow check: the process is up (a database blip must not fail every target). */
export const LIVENESS_PATH = '/healthz';

/** The paths the internet-facing listener forwards to the service (ALB path patterns). */
export const PUBLIC_PATHS = ['/api/*', LIVENESS_PATH, READINESS_PATH] as const;

export interface FleetProps {
  readonly vpc: ec2.IVpc;
  /** AZs the fleet must cover; the ASG minimum is minPerAz x AZs (INV-ASG). */
  readonly availabilityZones: readonly string[];
  readonly fleet: FleetConfig;
  /** Hosted zone that DNS-validates the certificate. */
  readonly hostedZone: route53.IHostedZone;
  /** Names the HTTPS certificate covers: the public failover name and this region's name. */
  readonly certificateNames: readonly string[];
  /** Port the service listens on. */
  readonly servicePort: number;
  /**
   * The service bundle the instances run: one JavaScript file, uploaded as a file (the boot runs
   * it with node), never a zip.
   */
  readonly serviceAsset: s3assets.Asset;
  /** SSM parameter path whose parameters become the service's environment (name = variable). */
  readonly runtimeParameterPath: string;
  /** Static environment for the service, written beside the SSM values. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * What the instances' boot reads and must exist before the first instance launches (INV-BOOT):
   * the runtime parameters and the resources their values and secrets come from. The NAT routes
   * of the fleet's subnets are added here.
   * @default none beyond the NAT routes
   */
  readonly bootDependencies?: readonly IDependable[];
  /**
   * Pilot light only: instances per AZ the group keeps at rest (0 to fleet.minPerAz − 1); the
   * failover runbook raises MinSize to fleet.minPerAz × AZs before traffic moves.
   * @default fleet.minPerAz
   */
  readonly restingMinPerAz?: number;
}

/**
 * INV-ALB + INV-ASG: an internet-facing HTTPS ALB in every AZ's public subnet and one Auto
 * Scaling group spanning every AZ's private subnet with at least minPerAz instances per AZ,
 * balanced best-effort so an AZ outage relaunches capacity in the healthy AZs.
 */
export class Fleet extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly httpsListener: elbv2.ApplicationListener;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  public readonly launchTemplate: ec2.LaunchTemplate;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly instanceRole: iam.Role;
  public readonly certificate: acm.Certificate;
  public readonly accessLogBucket: s3.Bucket;
  /** CloudWatch namespace the instances' agents publish the service's /metrics under. */
  public readonly serviceMetricsNamespace: string;

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    const { fleet } = props;
    const azCount = props.availabilityZones.length;
    if (fleet.minPerAz < 2)
      throw new Error(`Fleet: fleet.minPerAz = ${fleet.minPerAz}; INV-ASG needs at least 2`);
    if (fleet.maxPerAz <= fleet.minPerAz) {
      throw new Error(
        `Fleet: fleet.maxPerAz (${fleet.maxPerAz}) must exceed fleet.minPerAz (${fleet.minPerAz})`,
      );
    }
    if (fleet.instanceTypes.length < 2) {
      throw new Error(
        `Fleet: fleet.instanceTypes has ${fleet.instanceTypes.length} type(s); INV-ASG needs at least 2`,
      );
    }
    // Where the CLI skips bundling for this stack (`cdk ls`, `cdk destroy`, `cdk deploy --exclusively`
    // of another stack) every asset is a directory placeholder that is never uploaded.
    if (Stack.of(this).bundlingRequired && !props.serviceAsset.isFile) {
      throw new Error(
        'Fleet: serviceAsset must be a single-file asset (the boot runs it with node); a directory asset is uploaded as a zip. Bundle with BundlingOutput.SINGLE_FILE.',
      );
    }
    const resting = props.restingMinPerAz ?? fleet.minPerAz;
    if (!Number.isInteger(resting) || resting < 0 || resting > fleet.minPerAz) {
      throw new Error(
        `Fleet: restingMinPerAz = ${resting}; must be an integer from 0 to fleet.minPerAz (${fleet.minPerAz})`,
      );
    }
    const minCapacity = resting * azCount;
    const privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    // --- Load balancer -----------------------------------------------------------------------
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      // ALB log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket only receives ALB access logs; logging access to the log bucket itself would need a second log bucket and adds no audit value (writes come only from the ELB log-delivery service).',
    });
    // New log objects go to the default EventBridge bus (CT.S3.PR.4), as a plain bucket property:
    // the L2 `eventBridgeEnabled` would add a notifications custom resource and its Lambda.
    (this.accessLogBucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
      'NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled',
      true,
    );
    const controlTowerNotes: Record<string, string> = {
      'CT.S3.PR.10':
        'ALB access-log delivery supports only SSE-S3 (Elastic Load Balancing docs; aws-cdk-lib refuses a KMS-encrypted ALB log bucket). The bucket is private, TLS-only and owner-enforced.',
      'CT.S3.PR.2':
        "This bucket is itself a log destination (ALB access logs; in the DR region also the canary artifacts bucket's server access logs); logging it would need another log bucket, which would need one in turn.",
      'CT.S3.PR.9':
        'Operational logs expired after 90 days by lifecycle, not a compliance archive. Object Lock cannot be turned off again and, with a default retention, keeps the bucket from being emptied at teardown; without one it would only satisfy the check.',
    };
    for (const [id, reason] of Object.entries(controlTowerNotes)) {
      Validations.of(this.accessLogBucket).acknowledge({ id, reason });
    }

    const albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: props.vpc,
      description: 'Public HTTPS (and HTTP for the redirect) to the ALB',
      allowAllOutbound: false,
    });
    albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
    albSecurityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(80),
      'HTTP, answered only with a redirect to HTTPS',
    );
    Validations.of(albSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The ALB is the one public entry point of the workload (INV-ALB); ports 443 and 80 (redirect only) must be open to all.',
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: albSecurityGroup,
      deletionProtection: true,
      dropInvalidHeaderFields: true,
      http2Enabled: true,
    });
    this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');
    // ARC zonal shift lets operators (or autoshift) move traffic away from an impaired AZ.
    this.loadBalancer.setAttribute('zonal_shift.config.enabled', 'true');

    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.certificateNames[0],
      subjectAlternativeNames: props.certificateNames.slice(1),
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });

    // --- Fleet -------------------------------------------------------------------------------
    this.securityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: 'Service instances: only the ALB may connect',
      // Egress is what the fleet needs and nothing else: the database and cache ports to their
      // security groups (added by their `connections`), and HTTPS below.
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS only: VPC endpoints (SSM, Secrets Manager, S3), and through the NAT the OS package repository, the RDS CA bundle, CloudWatch and the CloudFormation signal',
    );

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Service instances: SSM management, their runtime parameters, logs and metrics',
    });
    this.instanceRole.addManagedPolicy(
      iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
    );
    const stack = Stack.of(this);
    this.instanceRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParametersByPath', 'ssm:GetParameters', 'ssm:GetParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: props.runtimeParameterPath.slice(1),
          }),
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: `${props.runtimeParameterPath.slice(1)}/*`,
          }),
        ],
      }),
    );
    Validations.of(this.instanceRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:aws:ssm:${stack.region}:${stack.account}:parameter${props.runtimeParameterPath}/*]`,
      reason:
        'The instances read every runtime parameter under their own app path (endpoints and secret names the data tier publishes); the path is the narrowest scope that does not hard-code each parameter.',
    });
    Validations.of(this.instanceRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason:
        'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager and patching (no SSH on these instances); AWS updates it as the agent changes.',
    });

    const userData = ec2.UserData.forLinux();
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      role: this.instanceRole,
      securityGroup: this.securityGroup,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      associatePublicIpAddress: false,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(fleet.rootVolumeGiB, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: props.vpc,
      vpcSubnets: privateSubnets,
      minCapacity,
      maxCapacity: fleet.maxPerAz * azCount,
      mixedInstancesPolicy: {
        launchTemplate: this.launchTemplate,
        launchTemplateOverrides: fleet.instanceTypes.map((t) => ({ instanceType: new ec2.InstanceType(t) })),
        instancesDistribution: {
          onDemandPercentageAboveBaseCapacity: 100,
          onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
        },
      },
      // Balanced best-effort: if an AZ cannot launch, capacity goes to the healthy AZs.
      azCapacityDistributionStrategy: autoscaling.CapacityDistributionStrategy.BALANCED_BEST_EFFORT,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.seconds(fleet.healthCheckGraceSeconds),
      }),
      groupMetrics: [autoscaling.GroupMetrics.all()],
      // New instances must signal success (after /healthz answers) before they count.
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: BOOT_SIGNAL_TIMEOUT }),
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        minInstancesInService: minCapacity,
        maxBatchSize: azCount,
        waitOnResourceSignals: true,
        pauseTime: BOOT_SIGNAL_TIMEOUT,
        suspendProcesses: [
          autoscaling.ScalingProcess.HEALTH_CHECK,
          autoscaling.ScalingProcess.REPLACE_UNHEALTHY,
          autoscaling.ScalingProcess.AZ_REBALANCE,
          autoscaling.ScalingProcess.ALARM_NOTIFICATION,
          autoscaling.ScalingProcess.SCHEDULED_ACTIONS,
        ],
      }),
      defaultInstanceWarmup: Duration.seconds(60),
    });
    // INV-BOOT: no instance boots before its egress (dnf, curl, the AWS APIs), its role's policy
    // and everything its boot reads exist.
    this.autoScalingGroup.node.addDependency(
      props.vpc.selectSubnets(privateSubnets).internetConnectivityEstablished,
      this.instanceRole,
      ...(props.bootDependencies ?? []),
    );
    // AvailabilityZones beside the subnets (Control Tower CT.AUTOSCALING.PR.1 reads only this
    // property): the AZs of the selected subnets themselves, so the two lists cannot disagree.
    (this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup).availabilityZones = [
      ...props.vpc.selectSubnets(privateSubnets).availabilityZones,
    ];
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'The group lists its AZs explicitly (from the validated config, the same AZs as its subnets) so every AZ is provably covered; AWS Control Tower CT.AUTOSCALING.PR.1 requires the list.',
    });
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'AwsSolutions-EC26',
      reason:
        'The rule cannot read a launch template inside a mixed-instances policy; the template encrypts its only (gp3 root) volume, asserted by test/constructs/fleet.test.ts.',
    });
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'AwsSolutions-AS3',
      reason:
        'Scaling-event notifications are covered by the regional monitoring alarms (in-service below minimum, unhealthy hosts) that go to the alarm topic; per-event notifications would only add noise.',
    });

    // CloudWatch agent: the service log and the /metrics scrape, each to a group the fleet owns.
    // One year each: the floor of AWS Control Tower CT.CLOUDWATCH.PR.2 (the KMS key comes from
    // lib/aspects/log-group-defaults.ts, applied by the app builder).
    const serviceLogs = new logs.LogGroup(this, 'ServiceLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const metricLogs = new logs.LogGroup(this, 'MetricLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const metricsNamespace = `${Stack.of(this).stackName}/service`;
    this.serviceMetricsNamespace = metricsNamespace;
    this.instanceRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [serviceLogs.logGroupArn, metricLogs.logGroupArn],
      }),
    );
    this.instanceRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': [metricsNamespace, 'CWAgent'] } },
      }),
    );
    Validations.of(this.instanceRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by a cloudwatch:namespace condition to the service and agent namespaces.',
    });

    serviceUserData(userData, {
      serviceLogGroupName: serviceLogs.logGroupName,
      metricsLogGroupName: metricLogs.logGroupName,
      metricsNamespace,
      resource: this.autoScalingGroup,
      region: stack.region,
      port: props.servicePort,
      parameterPath: props.runtimeParameterPath,
      serviceAsset: props.serviceAsset,
      environment: props.environment ?? {},
      // Give up (and signal failure with the service log) 2 minutes before the CreationPolicy would time out.
      healthWaitSeconds: BOOT_SIGNAL_TIMEOUT.toSeconds() - 120,
    });
    // Exactly the one bundle object (CDK's grantRead would allow the whole assets bucket).
    this.instanceRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [props.serviceAsset.bucket.arnForObjects(props.serviceAsset.s3ObjectKey)],
      }),
    );

    // --- Listeners and target group --------------------------------------------------------
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: props.servicePort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.autoScalingGroup],
      deregistrationDelay: Duration.seconds(fleet.deregistrationDelaySeconds),
      loadBalancingAlgorithmType: LOAD_BALANCING_ALGORITHMS[fleet.loadBalancingAlgorithm],
      // Automatic target weights: a target that answers errors (while its shallow check passes)
      // gets less traffic until it recovers; AWS offers it only with weighted random.
      ...(fleet.loadBalancingAlgorithm === 'weighted_random' ? { enableAnomalyMitigation: true } : {}),
      // Shallow check: a database blip must not mark every target unhealthy at once.
      healthCheck: {
        path: LIVENESS_PATH,
        interval: Duration.seconds(fleet.healthCheckIntervalSeconds),
        timeout: Duration.seconds(albHealthCheckTimeoutSeconds(fleet.healthCheckIntervalSeconds)),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
        healthyHttpCodes: '200',
      },
    });

    // Only the public API and the two health paths reach the instances from the internet:
    // /metrics and anything else the service may grow answer 404 at the balancer.
    this.httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [this.certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: '{"error":"not_found"}',
      }),
    });
    this.httpsListener.addAction('PublicPaths', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns([...PUBLIC_PATHS])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    this.loadBalancer.addRedirect({
      sourcePort: 80,
      sourceProtocol: elbv2.ApplicationProtocol.HTTP,
      targetPort: 443,
      targetProtocol: elbv2.ApplicationProtocol.HTTPS,
    });

    this.autoScalingGroup.scaleOnRequestCount('RequestsPerInstance', {
      targetRequestsPerMinute: targetRequestsPerInstance(fleet, azCount),
    });
    // AZ impairment: the group registered with ARC zonal shift launches only in the healthy AZs during a shift.
    (
      this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup
    ).availabilityZoneImpairmentPolicy = {
      zonalShiftEnabled: true,
      impairedZoneHealthCheckBehavior: fleet.impairedZoneHealthCheck,
    };
  }
}

/**
 * The target-tracking value: the configured one, or with fleet.sizeForAzLoss the share of it that leaves the
 * other AZs at the configured value when one AZ is lost (N AZs at T × (N − 1) / N each carry T after losing one).
 */
export function targetRequestsPerInstance(
  fleet: Pick<FleetConfig, 'targetRequestsPerInstance' | 'sizeForAzLoss'>,
  azCount: number,
): number {
  if (!fleet.sizeForAzLoss) return fleet.targetRequestsPerInstance;
  return Math.max(1, Math.floor((fleet.targetRequestsPerInstance * (azCount - 1)) / azCount));
}
