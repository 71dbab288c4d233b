import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AUTH_TOKEN_GRACE_MINUTES } from '../config/schema';
import { httpsEgressOnlySecurityGroup, lambdaEntry } from './lambda-defaults';
import { ObservedFunction } from './observed-function';

export interface CacheAuthRotationProps {
  /** VPC of the cache; the function runs in its PRIVATE_WITH_EGRESS subnets. */
  readonly vpc: ec2.IVpc;
  /** The AUTH token secret, JSON `{ "token": "..." }`, that the replication group was created with. */
  readonly secret: secretsmanager.ISecret;
  /** The group whose token is rotated (its id, configuration endpoint and port; TLS required). */
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The port clients connect to (the group's). */
  readonly port: number;
  /** The cache's security groups: the function is let in on `port` to AUTH with the tokens. */
  readonly cacheConnections: ec2.Connections;
  /** Days between rotations, 1-365. @default 30 */
  readonly rotationDays?: number;
  /**
   * Minutes after a rotation during which the old and the new token both work; then the old one is dropped.
   * Every client must re-read the secret within it. AUTH_TOKEN_GRACE_MINUTES (15-1440). @default 60
   */
  readonly graceMinutes?: number;
  /** How often the enforcement pass looks for a rotation whose grace is over. @default Duration.minutes(15) */
  readonly enforcementInterval?: Duration;
}

/**
 * Rotation of an ElastiCache AUTH token (lambda/cache-rotation): a Secrets Manager rotation schedule whose function
 * adds the new token with ROTATE (old and new both valid), then, `graceMinutes` later, a scheduled pass drops the
 * old one with SET. The function runs in the VPC because it proves each token by AUTH against the cache over TLS;
 * it reaches Secrets Manager through the VPC endpoint and the ElastiCache API through the NAT gateways, and may
 * describe and modify this one replication group only.
 */
export class CacheAuthRotation extends Construct {
  public readonly function: lambda.IFunction;
  public readonly schedule: secretsmanager.RotationSchedule;
  /** The enforcement (SET) pass. */
  public readonly enforcementRule: events.Rule;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: CacheAuthRotationProps) {
    super(scope, id);
    const rotationDays = props.rotationDays ?? 30;
    const graceMinutes = props.graceMinutes ?? 60;
    const enforcementInterval = props.enforcementInterval ?? Duration.minutes(15);
    validate(rotationDays, graceMinutes, enforcementInterval);

    const group = props.replicationGroup;
    const groupId = group.replicationGroupId;
    if (!groupId) throw new Error('CacheAuthRotation: replicationGroup needs an explicit replicationGroupId');
    if (!group.transitEncryptionEnabled) {
      throw new Error(
        `CacheAuthRotation: replication group ${groupId} has transitEncryptionEnabled off; AUTH tokens need TLS`,
      );
    }
    const stack = Stack.of(this);

    this.securityGroup = httpsEgressOnlySecurityGroup(
      this,
      'SecurityGroup',
      props.vpc,
      `AUTH token rotation of ${groupId} (Secrets Manager, ElastiCache APIs; the cache port)`,
    );
    const observed = new ObservedFunction(this, 'Rotation', {
      entry: lambdaEntry('cache-rotation'),
      description: `Rotates the AUTH token of ${groupId} (ROTATE, then SET after ${graceMinutes} min)`,
      // Waits for the group to be available around each modification, which can take minutes.
      timeout: Duration.minutes(15),
      // Secrets Manager re-drives a failed rotation and the schedule re-runs enforcement: no async retries.
      retryAttempts: 0,
      environment: {
        REPLICATION_GROUP_ID: groupId,
        CACHE_HOST: group.attrConfigurationEndPointAddress,
        CACHE_PORT: String(props.port),
        CACHE_TLS: 'true',
        GRACE_MINUTES: String(graceMinutes),
        SECRET_ARN: props.secret.secretArn,
      },
      vpc: props.vpc,
      securityGroup: this.securityGroup,
    });
    this.function = observed.fn;
    props.cacheConnections.allowDefaultPortFrom(this.securityGroup, 'AUTH token rotation tests the tokens');
    observed.allow(
      [`arn:${stack.partition}:elasticache:${stack.region}:${stack.account}:replicationgroup:${groupId}`],
      ['elasticache:DescribeReplicationGroups', 'elasticache:ModifyReplicationGroup'],
    );

    // The schedule grants the function the secret's read/write/stage actions (and GetRandomPassword, which has no
    // resource type) and lets Secrets Manager invoke it.
    this.schedule = new secretsmanager.RotationSchedule(this, 'Schedule', {
      secret: props.secret,
      rotationLambda: observed.fn,
      automaticallyAfter: Duration.days(rotationDays),
      // The first rotation waits for the schedule: a deploy must not rotate while the group is being created.
      rotateImmediatelyOnUpdate: false,
    });
    this.schedule.node.addDependency(group);
    // The schedule's invoke permission names only the service principal; pin it to this secret (the confused-deputy
    // guard Secrets Manager documents, and AWS Control Tower CT.LAMBDA.PR.2).
    const invokes = observed.fn.node
      .findAll()
      .filter(
        (c): c is lambda.CfnPermission =>
          c instanceof lambda.CfnPermission && c.principal === 'secretsmanager.amazonaws.com',
      );
    if (invokes.length !== 1) {
      throw new Error(
        `CacheAuthRotation: expected one Secrets Manager invoke permission, found ${invokes.length}`,
      );
    }
    invokes[0].sourceArn = props.secret.secretArn;
    Validations.of(observed.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Actions without a resource type: secretsmanager:GetRandomPassword (new tokens; the secret actions are on this secret only), X-Ray writes (active tracing), and the ENI actions of a VPC function (those of AWSLambdaVPCAccessExecutionRole).',
    });

    this.enforcementRule = new events.Rule(this, 'Enforcement', {
      description: `Drops the previous AUTH token of ${groupId} once its ${graceMinutes}-minute grace is over`,
      schedule: events.Schedule.rate(enforcementInterval),
      targets: [new targets.LambdaFunction(observed.fn, { retryAttempts: 0 })],
    });
    this.enforcementRule.node.addDependency(group);
  }
}

function validate(rotationDays: number, graceMinutes: number, interval: Duration): void {
  if (!Number.isInteger(rotationDays) || rotationDays < 1 || rotationDays > 365) {
    throw new Error(`CacheAuthRotation: rotationDays = ${rotationDays}; allowed: an integer 1-365`);
  }
  const { min, max } = AUTH_TOKEN_GRACE_MINUTES;
  if (!Number.isInteger(graceMinutes) || graceMinutes < min || graceMinutes > max) {
    throw new Error(
      `CacheAuthRotation: graceMinutes = ${graceMinutes}; allowed: an integer ${min}-${max} (clients re-read the secret within it)`,
    );
  }
  if (graceMinutes >= rotationDays * 24 * 60) {
    throw new Error(
      `CacheAuthRotation: graceMinutes = ${graceMinutes} is not shorter than rotationDays = ${rotationDays}; the old token must be dropped before the next rotation`,
    );
  }
  const minutes = interval.toMinutes();
  if (minutes < 1 || minutes > graceMinutes) {
    throw new Error(
      `CacheAuthRotation: enforcementInterval = ${minutes} min; allowed: 1 minute to graceMinutes (${graceMinutes})`,
    );
  }
}
