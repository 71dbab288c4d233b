/*
 * AWS FIS experiment templates for one region (INV-CHAOS). Templates take no run-time parameters, so
 * every AZ-scoped experiment is generated once per AZ from the config's AZ list. Templates are only
 * created: nothing here starts an experiment (see docs/game-day.md).
 */
import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LogsKey } from './logs-key';

/** The experiment kinds; template keys are `<kind>-<az>`, or just the kind for db-failover. */
export type ExperimentKind =
  'terminate-instances' | 'network-disruption' | 'cache-az-power' | 'db-failover' | 'az-outage';

export interface ChaosExperimentsProps {
  /** The app's name: prefix of template names (`<appName>-<key>`), their App tag, and descriptions. */
  readonly appName: string;
  /** The fleet's group; instances are selected by its aws:autoscaling:groupName tag plus AZ. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** The VPC the fleet runs in (FIS creates a temporary network ACL there). */
  readonly vpc: ec2.IVpc;
  /** Subnets whose connectivity is disrupted, grouped by their AZ. @default vpc private-with-egress subnets */
  readonly privateSubnets?: ec2.ISubnet[];
  /** AZs to generate per-AZ templates for (non-empty, no duplicates). */
  readonly availabilityZones: readonly string[];
  /**
   * The region's Aurora cluster. A Global Database secondary cannot fail over in-region, so no
   * failover action is generated for it.
   */
  readonly database: { readonly clusterArn: string; readonly isGlobalSecondary: boolean };
  /** The region's ElastiCache replication group (Multi-AZ, automatic failover). */
  readonly cache: { readonly replicationGroupArn: string };
  /** Stops every experiment when it goes to ALARM: the ALB 5xx ratio alarm. */
  readonly stopAlarm: cloudwatch.IAlarm;
  /** How long an AZ's private subnets are cut off. Between 1 and 60 minutes. @default 5 minutes */
  readonly networkDisruptionDuration?: Duration;
  /** How long the cache AZ power interruption lasts. Between 1 and 60 minutes. @default 10 minutes */
  readonly cachePowerInterruptionDuration?: Duration;
}

const FLEET_TAG = 'aws:autoscaling:groupName';

export class ChaosExperiments extends Construct {
  /** The one experiment role: every template acts on this stack's fleet, subnets, cluster and cache. */
  public readonly role: iam.Role;
  /** KMS-encrypted log group every experiment logs to. */
  public readonly logGroup: logs.LogGroup;
  /** Templates by key, e.g. 'terminate-instances-us-east-1a', 'db-failover', 'az-outage-us-east-1b'. */
  public readonly templates: Readonly<Record<string, fis.CfnExperimentTemplate>>;

  constructor(scope: Construct, id: string, props: ChaosExperimentsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { appName } = props;
    const azs = [...props.availabilityZones];
    const subnets =
      props.privateSubnets ??
      props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    const networkDuration = props.networkDisruptionDuration ?? Duration.minutes(5);
    const cacheDuration = props.cachePowerInterruptionDuration ?? Duration.minutes(10);
    const subnetsByAz = validate(azs, subnets, networkDuration, cacheDuration);
    const asgName = props.autoScalingGroup.autoScalingGroupName;
    const arn = (service: string, resource: string, resourceName: string) =>
      stack.formatArn({ service, resource, resourceName });
    const logGroupsArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const subnetArns = (az: string) => subnetsByAz[az].map((s) => arn('ec2', 'subnet', s.subnetId));

    // ---- Logging -----------------------------------------------------------------------------------
    this.logGroup = new logs.LogGroup(this, 'ExperimentLogs', {
      encryptionKey: LogsKey.of(this).key,
      retention: logs.RetentionDays.ONE_YEAR,
    });

    // ---- Role --------------------------------------------------------------------------------------
    this.role = new iam.Role(this, 'ExperimentRole', {
      description: `FIS experiments of ${appName} in ${stack.region}`,
      // Confused-deputy guard: only FIS experiments of this account and region may assume it.
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': arn('fis', 'experiment', '*') },
        },
      }),
    });
    const instancesArn = arn('ec2', 'instance', '*');
    const networkAclsArn = arn('ec2', 'network-acl', '*');
    const allSubnetArns = azs.flatMap(subnetArns);
    const statements = [
      // Terminate only this fleet's instances (the tag the ASG puts on every instance it launches).
      new iam.PolicyStatement({
        sid: 'TerminateFleetInstances',
        actions: ['ec2:TerminateInstances'],
        resources: [instancesArn],
        conditions: { StringEquals: { [`aws:ResourceTag/${FLEET_TAG}`]: asgName } },
      }),
      // disrupt-connectivity: create a deny-all NACL tagged managedByFIS in this VPC, swap it onto the
      // target subnets, swap back and delete it.
      new iam.PolicyStatement({
        sid: 'CreateFisNetworkAcl',
        actions: ['ec2:CreateNetworkAcl'],
        resources: [networkAclsArn],
        conditions: { StringEquals: { 'aws:RequestTag/managedByFIS': 'true' } },
      }),
      new iam.PolicyStatement({
        sid: 'CreateNetworkAclInVpc',
        actions: ['ec2:CreateNetworkAcl'],
        resources: [arn('ec2', 'vpc', props.vpc.vpcId)],
      }),
      new iam.PolicyStatement({
        sid: 'TagFisNetworkAcl',
        actions: ['ec2:CreateTags'],
        resources: [networkAclsArn],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl' } },
      }),
      new iam.PolicyStatement({
        sid: 'ManageFisNetworkAcl',
        actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
        resources: [networkAclsArn],
        conditions: { StringEquals: { 'aws:ResourceTag/managedByFIS': 'true' } },
      }),
      new iam.PolicyStatement({
        sid: 'SwapTargetSubnetAcls',
        actions: ['ec2:ReplaceNetworkAclAssociation'],
        // The subnet's original NACL is not tagged by FIS, so the association swap needs any NACL.
        resources: [...allSubnetArns, networkAclsArn],
      }),
      new iam.PolicyStatement({
        sid: 'InterruptCacheAzPower',
        actions: ['elasticache:InterruptClusterAzPower'],
        resources: [props.cache.replicationGroupArn],
      }),
      // Target resolution and read-only discovery: these APIs have no resource-level permissions.
      new iam.PolicyStatement({
        sid: 'ResolveTargets',
        actions: [
          'ec2:DescribeInstances',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
          'ec2:DescribeNetworkAcls',
          'ec2:DescribeManagedPrefixLists',
          'ec2:GetManagedPrefixListEntries',
          'rds:DescribeDBClusters',
          'rds:DescribeDBInstances',
          'elasticache:DescribeReplicationGroups',
          'tag:GetResources',
        ],
        resources: ['*'],
      }),
      // Vended log delivery to CloudWatch Logs (FIS sets it up with the experiment role).
      new iam.PolicyStatement({
        sid: 'DeliverExperimentLogs',
        actions: ['logs:CreateLogDelivery'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'LogGroupResourcePolicy',
        actions: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
        resources: [logGroupsArn],
      }),
    ];
    if (!props.database.isGlobalSecondary) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'FailoverCluster',
          actions: ['rds:FailoverDBCluster'],
          resources: [props.database.clusterArn],
        }),
      );
    }
    // A customer-managed policy (not inline): reviewable and versioned on its own (IAMNoInlinePolicy).
    const policy = new iam.ManagedPolicy(this, 'ExperimentPolicy', { statements, roles: [this.role] });
    acknowledgeWildcards(policy, stack);

    // ---- Templates ---------------------------------------------------------------------------------
    const templates: Record<string, fis.CfnExperimentTemplate> = {};
    const base = {
      roleArn: this.role.roleArn,
      stopConditions: [{ source: 'aws:cloudwatch:alarm', value: props.stopAlarm.alarmArn }],
      logConfiguration: {
        logSchemaVersion: 2,
        cloudWatchLogsConfiguration: { LogGroupArn: this.logGroup.logGroupArn },
      },
    };
    const add = (
      kind: ExperimentKind,
      az: string | undefined,
      description: string,
      targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>,
      actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>,
      emptyTargets: 'fail' | 'skip' = 'fail',
    ) => {
      const key = az ? `${kind}-${az}` : kind;
      const template = new fis.CfnExperimentTemplate(this, toId(key), {
        ...base,
        description,
        targets,
        actions,
        experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: emptyTargets },
        tags: {
          Name: `${appName}-${key}`,
          App: appName,
          Experiment: kind,
          ...(az ? { AvailabilityZone: az } : {}),
        },
      });
      templates[key] = template;
      return template;
    };

    const instancesIn = (az: string): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty => ({
      resourceType: 'aws:ec2:instance',
      resourceTags: { [FLEET_TAG]: asgName },
      filters: [
        { path: 'Placement.AvailabilityZone', values: [az] },
        { path: 'State.Name', values: ['running'] },
      ],
      selectionMode: 'ALL',
    });
    const subnetsIn = (az: string): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty => ({
      resourceType: 'aws:ec2:subnet',
      resourceArns: subnetArns(az),
      selectionMode: 'ALL',
    });
    const cacheIn = (az: string): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty => ({
      resourceType: 'aws:elasticache:replicationgroup',
      resourceArns: [props.cache.replicationGroupArn],
      selectionMode: 'ALL',
      parameters: { availabilityZoneIdentifier: az },
    });
    const cluster = (writerAz?: string): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty => ({
      resourceType: 'aws:rds:cluster',
      resourceArns: [props.database.clusterArn],
      selectionMode: 'ALL',
      // In the AZ outage only a writer that lives in the lost AZ fails over.
      ...(writerAz ? { parameters: { writerAvailabilityZoneIdentifiers: writerAz } } : {}),
    });
    const terminate = { actionId: 'aws:ec2:terminate-instances', targets: { Instances: 'FleetInstances' } };
    const disrupt = {
      actionId: 'aws:network:disrupt-connectivity',
      parameters: { duration: networkDuration.toIsoString(), scope: 'all' },
      targets: { Subnets: 'PrivateSubnets' },
    };
    const powerOff = {
      actionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
      parameters: { duration: cacheDuration.toIsoString() },
      targets: { ReplicationGroups: 'Cache' },
    };
    const failover = { actionId: 'aws:rds:failover-db-cluster', targets: { Clusters: 'Cluster' } };

    if (!props.database.isGlobalSecondary) {
      add(
        'db-failover',
        undefined,
        'Fail the Aurora cluster over to a reader in this region. Expect < 30-60 s of write errors.',
        { Cluster: cluster() },
        { FailoverCluster: failover },
      );
    }
    for (const az of azs) {
      add(
        'terminate-instances',
        az,
        `Terminate every fleet instance in ${az}; the ASG must relaunch and the ALB keep serving.`,
        { FleetInstances: instancesIn(az) },
        { TerminateInstances: terminate },
      );
      add(
        'network-disruption',
        az,
        `Cut all traffic to and from the fleet's private subnets in ${az} for ${networkDuration.toHumanString()}.`,
        { PrivateSubnets: subnetsIn(az) },
        { DisruptConnectivity: disrupt },
      );
      add(
        'cache-az-power',
        az,
        `Interrupt power to the cache nodes in ${az} for ${cacheDuration.toHumanString()}; replicas elsewhere take over.`,
        { Cache: cacheIn(az) },
        { InterruptCachePower: powerOff },
      );
      // Everything at once; targets that do not exist in this AZ (no cache primary, writer elsewhere)
      // are skipped rather than failing the whole experiment.
      add(
        'az-outage',
        az,
        `Simulated loss of ${az}: terminate its instances, cut its private subnets, cut its cache power` +
          (props.database.isGlobalSecondary ? '.' : ' and fail the database over if its writer is there.'),
        {
          FleetInstances: instancesIn(az),
          PrivateSubnets: subnetsIn(az),
          Cache: cacheIn(az),
          ...(props.database.isGlobalSecondary ? {} : { Cluster: cluster(az) }),
        },
        {
          TerminateInstances: terminate,
          DisruptConnectivity: disrupt,
          InterruptCachePower: powerOff,
          ...(props.database.isGlobalSecondary ? {} : { FailoverCluster: failover }),
        },
        'skip',
      );
    }
    this.templates = templates;
  }
}

function toId(key: string): string {
  return key
    .split(/[^A-Za-z0-9]+/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function validate(
  azs: string[],
  subnets: ec2.ISubnet[],
  networkDuration: Duration,
  cacheDuration: Duration,
): Record<string, ec2.ISubnet[]> {
  if (azs.length === 0 || new Set(azs).size !== azs.length) {
    throw new Error(
      `ChaosExperiments: availabilityZones must be a non-empty list without duplicates, got [${azs.join(', ')}]`,
    );
  }
  const byAz: Record<string, ec2.ISubnet[]> = {};
  for (const s of subnets) (byAz[s.availabilityZone] ??= []).push(s);
  const missing = azs.filter((az) => !byAz[az]);
  if (missing.length > 0) {
    throw new Error(
      `ChaosExperiments: privateSubnets must include a subnet in every AZ; none in [${missing.join(', ')}] ` +
        `(subnets are in [${Object.keys(byAz).join(', ')}])`,
    );
  }
  for (const [field, d] of [
    ['networkDisruptionDuration', networkDuration],
    ['cachePowerInterruptionDuration', cacheDuration],
  ] as const) {
    const minutes = d.toSeconds() / 60;
    if (!(minutes >= 1 && minutes <= 60)) {
      throw new Error(
        `ChaosExperiments: ${field} must be between 1 and 60 minutes, got ${d.toHumanString()}`,
      );
    }
  }
  return byAz;
}

/** The FIS role's unavoidable wildcards, each acknowledged on the one policy with its reason. */
function acknowledgeWildcards(policy: iam.ManagedPolicy, stack: Stack): void {
  // cdk-nag names findings after the rendered ARN: concrete partition/region/account when known.
  const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const acks: Array<[string, string]> = [
    [
      `Resource::arn:${partition}:ec2:${region}:${account}:instance/*`,
      'Instance ids change with every launch; TerminateInstances is limited by the aws:autoscaling:groupName tag condition to this fleet.',
    ],
    [
      `Resource::arn:${partition}:ec2:${region}:${account}:network-acl/*`,
      "FIS creates the NACL at run time; create/modify/delete are limited to NACLs tagged managedByFIS=true, and the association swap to this stack's subnets.",
    ],
    [
      'Resource::*',
      'Describe/Get target-resolution APIs (ec2, rds, elasticache, tag) and logs:CreateLogDelivery have no resource-level permissions; all are read-only or log-delivery setup.',
    ],
    [
      `Resource::arn:${partition}:logs:${region}:${account}:log-group:*`,
      'CloudWatch Logs vended delivery requires log-group:* for the resource-policy calls (CloudWatch Logs user guide, "Logs sent to CloudWatch Logs").',
    ],
  ];
  for (const [finding, reason] of acks) {
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }
}
