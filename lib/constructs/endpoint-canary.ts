import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { LogsKey } from './logs-key';

export interface EndpointCanaryProps {
  /** HTTPS URL probed from this region, e.g. https://us-east-1.app.example.com/readyz?role=writer */
  readonly url: string;
  /** Short name (lower case, <= 21 chars: a Synthetics limit). */
  readonly canaryName: string;
  /**
   * How often the probe runs.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * Consecutive failed runs before the alarm fires.
   * @default 2
   */
  readonly failedRunsToAlarm?: number;
  /**
   * Bucket that receives the artifacts bucket's S3 server access logs (SSE-S3: S3 log delivery
   * does not support SSE-KMS targets).
   * @default no server access logs (acknowledged as AwsSolutions-S1 and CT.S3.PR.2)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * An outside-in probe of another region's public endpoint, run from this region (INV-OBS): when
 * the primary region is down, us-east-1 included, the DR region still notices and alarms.
 */
export class EndpointCanary extends Construct {
  public readonly canary: synthetics.Canary;
  public readonly alarm: cloudwatch.Alarm;
  public readonly artifactsBucket: s3.Bucket;
  public readonly artifactsKey: kms.Key;
  /** The canary function's log group, created explicitly (stack logs key, one year). */
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EndpointCanaryProps) {
    super(scope, id);
    if (!/^https:\/\//.test(props.url))
      throw new Error(`EndpointCanary: url = ${props.url}; must be an https:// URL`);
    if (!/^[0-9a-z_-]{1,21}$/.test(props.canaryName)) {
      throw new Error(`EndpointCanary: canaryName = ${props.canaryName}; must be 1-21 of [0-9a-z_-]`);
    }
    const failedRuns = props.failedRunsToAlarm ?? 2;

    // Artifacts (screenshots, HAR, logs) encrypted with a customer key that the canary writes
    // with (SSE-KMS artifact encryption); versioned, and expired (all versions) after 30 days.
    this.artifactsKey = new kms.Key(this, 'ArtifactsKey', {
      description: `Encrypts the ${props.canaryName} canary's run artifacts`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.artifactsKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? `s3-access/${props.canaryName}/` : undefined,
      lifecycleRules: [{ expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    this.artifactsBucket = artifacts;
    // New objects go to the default EventBridge bus (CT.S3.PR.4), as a plain bucket property:
    // the L2 `eventBridgeEnabled` would add a notifications custom resource and its Lambda.
    (artifacts.node.defaultChild as s3.CfnBucket).addPropertyOverride(
      'NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled',
      true,
    );
    Validations.of(artifacts).acknowledge({
      id: 'CT.S3.PR.9',
      reason:
        'Canary run artifacts expire after 30 days and are rebuilt every run; Object Lock cannot be turned off again and, with a default retention, keeps the bucket from being emptied at teardown; without one it would only satisfy the check.',
    });
    if (!props.serverAccessLogsBucket) {
      const reason =
        'Holds only canary run artifacts written by the canary role and expired after 30 days; no serverAccessLogsBucket was given.';
      Validations.of(artifacts).acknowledge({ id: 'AwsSolutions-S1', reason });
      Validations.of(artifacts).acknowledge({ id: 'CT.S3.PR.2', reason });
    }

    // Its own role rather than the Synthetics L2's: the same grants minus logs:CreateLogGroup, so
    // the function cannot create its own unencrypted, never-expiring log group (see logGroup), and
    // as one customer-managed policy rather than inline ones.
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.canaryName} canary`,
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', { roles: [role] });

    this.canary = new synthetics.Canary(this, 'Canary', {
      canaryName: props.canaryName,
      role,
      runtime: synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0,
      schedule: synthetics.Schedule.rate(props.interval ?? Duration.minutes(1)),
      artifactsBucketLocation: { bucket: artifacts },
      artifactS3EncryptionMode: synthetics.ArtifactsEncryptionMode.KMS,
      artifactS3KmsKey: this.artifactsKey,
      test: synthetics.Test.custom({
        handler: 'index.handler',
        code: synthetics.Code.fromInline(probeSource(props.url)),
      }),
      successRetentionPeriod: Duration.days(7),
      failureRetentionPeriod: Duration.days(30),
    });
    // Synthetics names the function cwsyn-<name>-<canary id>; the id exists once the canary does,
    // so the group follows the canary (a brand-new canary's first run may log nowhere for the
    // seconds in between; it still records its result and artifacts).
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/cwsyn-${props.canaryName}-${this.canary.canaryId}`,
      encryptionKey: LogsKey.of(this).key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const artifactsArn = (artifacts.node.defaultChild as s3.CfnBucket).attrArn;
    policy.addStatements(
      // Synthetics lists buckets and publishes its metrics; neither has resource-level permissions.
      new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
      }),
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [artifactsArn] }),
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [`${artifactsArn}/*`] }),
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const roleFindings: Record<string, string> = {
      'Resource::*':
        's3:ListAllMyBuckets and cloudwatch:PutMetricData have no resource-level permissions; the metric statement is conditioned to the CloudWatchSynthetics namespace.',
      [`Resource::<${stack.getLogicalId(artifacts.node.defaultChild as s3.CfnBucket)}.Arn>/*`]:
        'The canary writes run artifacts (screenshots, HAR, logs) as new objects of its own artifacts bucket only.',
    };
    for (const [finding, reason] of Object.entries(roleFindings)) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
    // The L2 grants the artifacts key to the role itself (its DefaultPolicy).
    const keyActions =
      'grantEncryptDecrypt on the one artifacts key (SSE-KMS artifact encryption): data keys for new artifacts, re-encryption on key rotation.';
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason: keyActions });
    }

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription:
        `The outside-in probe of ${props.url} failed ${failedRuns} runs in a row: the peer region is unreachable or cannot serve. ` +
        "Check the Route 53 health-check alarms in us-east-1 (if reachable) and that region's ALB and /readyz; consider the failover runbook.",
      metric: this.canary.metricSuccessPercent({
        period: props.interval ?? Duration.minutes(1),
        statistic: 'Average',
      }),
      threshold: 100,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: failedRuns,
      // No data means the canary itself is not running: that is a failure to see, not health.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}

/** The probe: one HTTPS GET, failing the run on anything but a 200 within 5 s. */
function probeSource(url: string): string {
  return [
    "const https = require('https');",
    `const URL_TO_PROBE = ${JSON.stringify(url)};`,
    'exports.handler = async () => new Promise((resolve, reject) => {',
    '  const req = https.get(URL_TO_PROBE, { timeout: 5000 }, (res) => {',
    '    res.resume();',
    '    res.statusCode === 200 ? resolve(`200 from ${URL_TO_PROBE}`) : reject(new Error(`${res.statusCode} from ${URL_TO_PROBE}`));',
    '  });',
    "  req.on('timeout', () => req.destroy(new Error(`timeout probing ${URL_TO_PROBE}`)));",
    "  req.on('error', reject);",
    '});',
  ].join('\n');
}
