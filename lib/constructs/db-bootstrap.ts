import { CfnResource, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import {
  BundledFunction,
  httpsEgressOnlySecurityGroup,
  type LambdaBundling,
  lambdaEntry,
  SHARED_BUNDLING,
} from './lambda-defaults';
import { PG_LAYER_MODULES, PgLayer } from './pg-layer';

/** Identifier rule shared with the handler: plain lower-case PostgreSQL identifiers only. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The bootstrap's bundling: the shared options, plus the pg driver left to the pg layer (as the
 * SDK is left to the runtime), so the function bundle stays within the 20 KB budget.
 * bench/bundles.ts measures the bundle with exactly these options.
 */
export const DB_BOOTSTRAP_BUNDLING: LambdaBundling = {
  ...SHARED_BUNDLING,
  external: [...SHARED_BUNDLING.external, ...PG_LAYER_MODULES],
};

export interface DbBootstrapProps {
  /** VPC whose PRIVATE_WITH_EGRESS subnets host the function (it needs Secrets Manager and the cluster). */
  readonly vpc: ec2.IVpc;
  /** The cluster (or anything connectable) the function must reach on `port`. */
  readonly database: ec2.IConnectable;
  /** Host to connect to: the cluster's writer endpoint (not a proxy, which only knows the app user). */
  readonly host: string;
  readonly port: number;
  readonly databaseName: string;
  /** Master secret: used only by this function, never by the service. */
  readonly masterSecret: secretsmanager.ISecret;
  /** App-user secret: its AWSCURRENT username/password is what the database is made to match. */
  readonly appUserSecret: secretsmanager.ISecret;
  /** The app user's base name (multi-user rotation alternates it with `<name>_clone`). */
  readonly username: string;
  /** Schema the app user owns; its only place to create objects. */
  readonly schema: string;
  /**
   * Layer providing the `pg` driver (share one when a stack has several bootstraps).
   * @default a new PgLayer in this construct
   */
  readonly pgLayer?: lambda.ILayerVersion;
}

/**
 * Custom resource that creates the service's least-privilege database user at deploy time,
 * idempotently: it creates the role and schema if missing and sets the password of the user the
 * app secret currently names; on delete it leaves the database alone (the cluster keeps a snapshot).
 *
 * The `pg` driver (the handler's only non-SDK dependency) comes from a layer, so the function
 * bundle is as small as the others'; it runs in the VPC, TLS-verified against the RDS CAs the
 * runtime ships.
 */
export class DbBootstrap extends Construct {
  public readonly function: lambda.Function;
  /** The layer the function loads `pg` from. */
  public readonly pgLayer: lambda.ILayerVersion;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DbBootstrapProps) {
    super(scope, id);
    for (const [field, value] of [
      ['username', props.username],
      ['schema', props.schema],
      ['databaseName', props.databaseName],
    ] as const) {
      if (!IDENTIFIER.test(value)) {
        throw new Error(
          `DbBootstrap: ${field} = "${value}" must match ${IDENTIFIER} (a plain PostgreSQL identifier)`,
        );
      }
    }

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'DB bootstrap function: HTTPS to Secrets Manager and the database port only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'Secrets Manager API over the NAT gateway',
    );

    this.pgLayer = props.pgLayer ?? new PgLayer(this, 'PgLayer');
    this.function = new BundledFunction(this, 'Function', {
      entry: lambdaEntry('db-bootstrap'),
      description: 'Creates the least-privilege app database user (idempotent)',
      bundling: DB_BOOTSTRAP_BUNDLING,
      layers: [this.pgLayer],
      timeout: Duration.minutes(2),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      environment: {
        // The Node.js 20+ runtimes ship the Amazon RDS CAs here but do not load them by default.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    props.database.connections.allowDefaultPortFrom(this.function, 'DB bootstrap creates the app user');
    props.masterSecret.grantRead(this.function);
    props.appUserSecret.grantRead(this.function);

    // The framework function too runs in the VPC (AWS Control Tower CT.LAMBDA.PR.3); it only
    // calls the Lambda API and CloudFormation's response URL, so HTTPS out is all it may do.
    const providerSecurityGroup = httpsEgressOnlySecurityGroup(
      this,
      'ProviderSecurityGroup',
      props.vpc,
      'DB bootstrap provider framework (Lambda API and CloudFormation responses)',
    );
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [providerSecurityGroup],
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DbAppUser',
      properties: {
        Host: props.host,
        Port: String(props.port),
        Database: props.databaseName,
        Username: props.username,
        Schema: props.schema,
        MasterSecretArn: props.masterSecret.secretArn,
        AppSecretArn: props.appUserSecret.secretArn,
      },
    });

    acknowledgeLambdaFindings(this.function, 'the DB bootstrap function');
    acknowledgeLambdaFindings(provider, 'the custom-resource provider framework');
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (shared function props): xray:PutTraceSegments/PutTelemetryRecords support no resource scoping.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Runtime pinned project-wide in SHARED_FUNCTION_PROPS (Node.js 22, supported until 2027) so every function is tested on one runtime.',
    });
    Validations.of(provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnResource)}.Arn>:*]`,
      reason: 'The provider framework may invoke any version/alias of the one bootstrap function it fronts.',
    });
  }
}

/** Findings every VPC Lambda here carries and that have no better fix. */
function acknowledgeLambdaFindings(scope: Construct, what: string): void {
  Validations.of(scope).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: `AWS-maintained least-privilege logging policy for ${what}.`,
  });
  Validations.of(scope).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    reason: `AWS-maintained ENI management policy a VPC function (${what}) needs.`,
  });
}
