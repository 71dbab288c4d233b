import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import {
  type AppConfig,
  drFleetMinPerAz,
  type RegionContext,
  type RegionRole,
  regionContext,
  regionalRecordName,
  runtimeParameterPrefix,
} from '../config';
import { Cache } from '../constructs/cache';
import { ChaosExperiments } from '../constructs/chaos';
import { Database } from '../constructs/database';
import { DnsFailover, READINESS_PATH } from '../constructs/dns-failover';
import { DrProfile } from '../constructs/dr-profile';
import { profileProps } from './profile-props';
import { cacheProps, databaseProps, failoverRunbookProps, snapshotReplicationProps } from './regional-props';
import { EndpointCanary } from '../constructs/endpoint-canary';
import { FailoverRunbook } from '../constructs/failover-runbook';
import { Fleet, LIVENESS_PATH } from '../constructs/fleet';
import { Monitoring } from '../constructs/monitoring';
import { Network } from '../constructs/network';
import { RuntimeParameters } from '../constructs/runtime-parameters';
import { ServiceBundle } from '../constructs/service-bundle';
import { SecretsKey } from '../constructs/secrets-key';
import { SnapshotReplication } from '../constructs/snapshot-replication';
import { AzOutlierAlarms } from '../constructs/az-outlier-alarms';
import { WebAcl } from '../constructs/web-acl';
import { ZonalAutoshift } from '../constructs/zonal-autoshift';

export interface RegionalStackProps extends StackProps {
  readonly config: AppConfig;
  /** primary: owns the global cluster and the PRIMARY record; secondary: the DR region. */
  readonly role: RegionRole;
  /**
   * ARN of the region's secrets key in its keys stack (KeysStack), for a region that holds the
   * primary's secret replicas (the DR region): the stack's own secrets use it and its readers get
   * kms:Decrypt on it. @default - the stack's own secrets key (the primary)
   */
  readonly secretsKeyArn?: string;
}

/**
 * One region of the pair. Thin: it only wires the per-concern constructs together; the same
 * class builds the primary and the DR region from the one config.
 */
export class RegionalStack extends Stack {
  public readonly ctx: RegionContext;
  public readonly network: Network;
  public readonly database: Database;
  public readonly cache: Cache;
  public readonly fleet: Fleet;
  public readonly dns: DnsFailover;
  public readonly monitoring: Monitoring;
  public readonly chaos: ChaosExperiments;
  public readonly snapshots: SnapshotReplication;
  /** The Global Database switchover/failover runbook (in both regions: it runs in the target region). */
  public readonly runbook: FailoverRunbook;
  /** The web ACL on the ALB (`waf.enabled`). */
  public readonly webAcl?: WebAcl;
  /** DR only: the outside-in probe of the peer region's endpoint. */
  public readonly peerCanary?: EndpointCanary;
  /** The DR strategy as the templates record it (metadata, relaxed checks, runbook outputs). */
  public readonly profile: DrProfile;

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
    const azs = ctx.region.availabilityZones;
    // Before any secret: the DR region's secrets are under its keys stack's key, like the replicas.
    if (props.secretsKeyArn) SecretsKey.useShared(this, props.secretsKeyArn);

    this.network = new Network(this, 'Network', { availabilityZones: azs });
    const vpc = this.network.vpc;

    // --- Data tier ------------------------------------------------------------------------
    this.database = new Database(this, 'Database', { vpc, ...databaseProps(config, props.role) });
    this.cache = new Cache(this, 'Cache', { vpc, ...cacheProps(config, props.role) });
    // Instances per AZ at rest: below fleet.minPerAz only in a pilot-light DR region.
    const restingPerAz = props.role === 'secondary' ? drFleetMinPerAz(config) : config.fleet.minPerAz;

    // --- Fleet ----------------------------------------------------------------------------
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.dns.hostedZoneId,
      zoneName: config.dns.zoneName,
    });
    const regionalName = regionalRecordName(config, region);
    const parameterPath = runtimeParameterPrefix(config);
    // Endpoints and secret names (never values) for the service, read by the instances at boot.
    const runtimeParameters = new RuntimeParameters(this, 'RuntimeParameters', {
      path: parameterPath,
      values: {
        DB_WRITER_HOST: this.database.writerEndpoint,
        DB_READER_HOST: this.database.readerEndpoint,
        DB_PORT: String(this.database.port),
        DB_NAME: config.database.databaseName,
        DB_SECRET_ID: this.database.appUserSecretName,
        REDIS_NODES: `${this.cache.configurationEndpoint}:${this.cache.port}`,
        REDIS_TLS: 'true',
        REDIS_SECRET_ID: this.cache.authSecret.secretArn,
        REGION_ROLE: props.role,
      },
    });

    this.fleet = new Fleet(this, 'Fleet', {
      vpc,
      availabilityZones: azs,
      fleet: config.fleet,
      hostedZone,
      certificateNames: [config.dns.recordName, regionalName],
      servicePort: config.service.port,
      serviceAsset: new ServiceBundle(this, 'ServiceBundle').asset,
      runtimeParameterPath: parameterPath,
      restingMinPerAz: restingPerAz,
      environment: {
        READINESS_GRACE_SECONDS: String(config.service.readinessGraceSeconds),
        // Finish draining before the ALB's deregistration delay ends.
        SHUTDOWN_DRAIN_SECONDS: String(Math.max(5, config.fleet.deregistrationDelaySeconds - 5)),
      },
      // The parameters, and the database and cache they name (endpoints, secrets, ingress rules).
      bootDependencies: [runtimeParameters, this.database, this.cache],
    });
    this.database.connections.allowDefaultPortFrom(this.fleet.securityGroup, 'Service instances');
    this.cache.connections.allowDefaultPortFrom(this.fleet.securityGroup, 'Service instances');
    this.database.grantReadAppSecret(this.fleet.instanceRole);
    this.cache.grantReadAuth(this.fleet.instanceRole);

    // --- Edge protection ----------------------------------------------------------------------
    if (config.waf.enabled) {
      this.webAcl = new WebAcl(this, 'WebAcl', {
        loadBalancer: this.fleet.loadBalancer,
        // Route 53's checkers and the peer canary must never be blocked.
        healthCheckPaths: [LIVENESS_PATH, READINESS_PATH],
        mode: config.waf.mode,
        managedRuleGroups: config.waf.managedRuleGroups,
        rateLimitPer5Minutes: config.waf.rateLimitPer5Minutes,
        blockedRequestsAlarmThreshold: config.waf.blockedRequestsAlarmThreshold,
      });
    }

    // --- DNS failover -------------------------------------------------------------------------
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

    // --- Backups ----------------------------------------------------------------------------
    // In both regions: each acts only while its cluster is the global writer (decided at run time).
    this.snapshots = new SnapshotReplication(this, 'Snapshots', {
      ...snapshotReplicationProps(config, props.role),
      clusterKey: this.database.storageKey,
      vpc,
    });

    // --- Regional failover runbook -------------------------------------------------------------
    // In both regions: a failover or fail-back runs in the region that is to become the writer, so it never needs
    // the failed region's APIs; operator-triggered by design.
    const profile = profileProps(config, props.role, this);
    const scaleUp = profile.metadata.scaleUp;
    this.runbook = new FailoverRunbook(this, 'FailoverRunbook', {
      ...failoverRunbookProps(config),
      vpc,
      ...(scaleUp ? { scaleUp: { autoScalingGroup: this.fleet.autoScalingGroup, ...scaleUp } } : {}),
    });

    // --- Operations ---------------------------------------------------------------------------
    if (props.role === 'secondary') {
      // Probes the primary region from outside it, so DR alarms even when us-east-1 is down.
      this.peerCanary = new EndpointCanary(this, 'PeerCanary', {
        canaryName: `${config.appName}-peer`.slice(0, 21),
        url: `https://${regionalRecordName(config, ctx.peer.region)}/readyz`,
        serverAccessLogsBucket: this.fleet.accessLogBucket,
      });
    }

    // INV-GRAY: an AZ whose targets fail or slow down alone is named, with the zonal shift that drains it.
    const azOutliers = new AzOutlierAlarms(this, 'AzOutliers', {
      loadBalancer: this.fleet.loadBalancer,
      availabilityZones: azs,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      alarmNamePrefix: config.appName,
      alarmTopic: {
        displayName: `${config.appName} alarms ${region}`,
        keyDescription: `${config.appName} alarm topic (${region})`,
        emailAddresses: config.monitoring.alarmEmails,
        httpsEndpoints: config.monitoring.alarmHttpsEndpoints,
      },
      dashboardName: `${config.appName}-${region}`,
      dashboardHeading: `${config.appName} - ${region} (${ctx.role}${ctx.isWriter ? ', database writer' : ''})`,
      fleet: {
        loadBalancer: this.fleet.loadBalancer,
        targetGroup: this.fleet.targetGroup,
        autoScalingGroup: this.fleet.autoScalingGroup,
        availabilityZones: azs,
        minPerAz: Math.max(1, restingPerAz),
        serviceMetricsNamespace: this.fleet.serviceMetricsNamespace,
      },
      // Global replication lag is reported by the member that is not the writer.
      database: { clusterIdentifier: this.database.clusterIdentifier, isGlobalSecondary: !ctx.isWriter },
      cache: {
        replicationGroupId: this.cache.replicationGroupId,
        shards: config.cache.shards,
        replicasPerShard: config.cache.replicasPerShard,
      },
      functions: {
        SnapshotCreate: this.snapshots.functions.create,
        SnapshotCopy: this.snapshots.functions.copy,
        SnapshotPrune: this.snapshots.functions.prune,
        SnapshotFreshness: this.snapshots.functions.freshness,
        FailoverRunbook: this.runbook.function,
        CacheAuthRotation: this.cache.authRotation.function,
      },
      // Made by other constructs: on the dashboard beside the monitoring alarms.
      existingAlarms: [
        this.snapshots.freshnessAlarm,
        this.snapshots.failureAlarm,
        ...(this.peerCanary ? [this.peerCanary.alarm] : []),
        ...(this.webAcl ? [this.webAcl.blockedRequestsAlarm] : []),
        ...azOutliers.alarms.values(),
      ],
      snapshotAgeMetric: this.snapshots.snapshotAgeMetric,
    });
    // The one way an alarm reaches the topic: every alarm of this stack, wherever it is made, on ALARM and OK.
    this.monitoring.alarmTopic.routeAlarmsIn(this);

    this.chaos = new ChaosExperiments(this, 'Chaos', {
      appName: config.appName,
      availabilityZones: azs,
      autoScalingGroup: this.fleet.autoScalingGroup,
      vpc,
      database: { clusterArn: this.database.clusterArn, isGlobalSecondary: !ctx.isWriter },
      cache: { replicationGroupArn: this.cache.replicationGroupArn },
      stopAlarm: this.monitoring.http5xxAlarm,
    });
    if (config.monitoring.zonalAutoshift) {
      new ZonalAutoshift(this, 'ZonalAutoshift', {
        loadBalancer: this.fleet.loadBalancer,
        outcomeAlarm: this.monitoring.http5xxAlarm,
      });
    }

    this.profile = new DrProfile(this, 'Profile', profile);

    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.fleet.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'RegionalEndpoint', { value: `https://${regionalName}` });
    new CfnOutput(this, 'ClusterIdentifier', { value: this.database.clusterIdentifier });
  }

  /** AZs come from config, never from a lookup, so synth stays offline. */
  public override get availabilityZones(): string[] {
    return [...this.ctx.region.availabilityZones];
  }
}
