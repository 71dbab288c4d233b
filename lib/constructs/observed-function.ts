/*
 * A Lambda with its own least-privilege role and log group, async failures sent to a queue, and every
 * wildcard it is granted acknowledged with its reason. Used by the snapshot functions and the failover
 * runbook.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BundledFunction, httpsEgressOnlySecurityGroup } from './lambda-defaults';

/** Props of one Lambda with its own role, log group, async failure destination and nag notes. */
export interface ObservedFunctionProps {
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** Where failed async invocations go (after retries). @default none (synchronous use) */
  readonly onFailure?: sqs.IQueue;
  /** Async retries after a failure (0-2). @default 2 */
  readonly retryAttempts?: number;
  /** Fixed role name, when another stack must name the role. @default generated */
  readonly roleName?: string;
  /** Fixed function name. @default generated */
  readonly functionName?: string;
  /** Log retention. @default one year (the floor of AWS Control Tower CT.CLOUDWATCH.PR.2) */
  readonly logRetention?: logs.RetentionDays;
  /** VPC to run in, in its private-with-egress subnets. @default not in a VPC */
  readonly vpc?: ec2.IVpc;
  /** Security group when `vpc` is set. @default a new one allowing only HTTPS out */
  readonly securityGroup?: ec2.ISecurityGroup;
}

/**
 * A BundledFunction on the shared bundling/runtime defaults, with a dedicated least-privilege role
 * (no AWSLambdaBasicExecutionRole: logs are granted on its own log group only). `allow` adds a
 * statement; when a resource holds a wildcard, the reason is recorded as the cdk-nag
 * acknowledgement of exactly that finding on this role.
 */
export class ObservedFunction extends Construct {
  public readonly fn: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ObservedFunctionProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new BundledFunction(this, 'Function', {
      entry: props.entry,
      functionName: props.functionName,
      description: props.description,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: Duration.hours(6),
      onFailure: props.onFailure ? new destinations.SqsDestination(props.onFailure) : undefined,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : undefined,
      securityGroups: props.vpc
        ? [props.securityGroup ?? httpsEgressOnlySecurityGroup(this, 'SecurityGroup', props.vpc, id)]
        : undefined,
    });
    let starReason = 'xray:PutTraceSegments/PutTelemetryRecords have no resource type (X-Ray active tracing)';
    if (props.vpc) {
      // What AWSLambdaVPCAccessExecutionRole grants for ENIs, without its logs:* on every group.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      starReason +=
        '; the ENI actions Lambda needs to attach a function to its VPC (the set of AWSLambdaVPCAccessExecutionRole) are authorized against "*" (Describe* has no resource type; the ENI ids are not known in advance)';
    }
    // Tracing (SHARED_FUNCTION_PROPS) adds X-Ray writes, which have no resource type.
    this.note('*', starReason);
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Every function of the app runs Node.js 22 from SHARED_FUNCTION_PROPS (one runtime, tested bundles); Node.js 24 is adopted there for all at once.',
    });
  }

  /** Grants actions on resources; `why` is required when a resource contains a wildcard. */
  allow(
    resources: string[],
    actions: string[],
    why?: string,
    conditions?: Record<string, Record<string, unknown>>,
  ): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
    for (const r of resources.filter((x) => x.includes('*'))) {
      if (!why) throw new Error(`ObservedFunction ${this.node.path}: wildcard resource ${r} needs a reason`);
      this.note(r, `${actions.join(', ')}: ${why}`);
    }
  }

  private note(resource: string, reason: string): void {
    Validations.of(this.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  }
}
