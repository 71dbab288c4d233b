import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { IConstruct } from 'constructs';
import type { RegionalStack } from '../stacks/regional-stack';
import { acknowledgeCompliance } from './compliance';

/**
 * Why each remaining finding of cdk-nag's compliance packs (NIST 800-53 R5, HIPAA Security,
 * PCI DSS 3.2.1, Serverless) is acknowledged rather than fixed, one reason per finding kind,
 * recorded on each resource it applies to (never on a stack). docs/compliance.md lists every
 * acknowledged resource and a test keeps the two equal, so a resource added later that matches a
 * kind shows up in review rather than being waved through silently.
 */
export const COMPLIANCE_REASONS = {
  roleDefaultPolicy:
    "The role's DefaultPolicy: aws-cdk-lib writes each role's grants there (grantRead, addToPolicy), scoped to that role's resources, attached to this one role and deleted with it. A customer-managed policy would add a separately attachable copy of the same grants, not less privilege.",
  reservedConcurrency:
    'No reserved concurrency: the function runs one invocation at a time (a schedule, a deployment event or an operator) and reserving capacity would withhold it from the account pool, failing deploys in accounts with the default low quota. Its duration and error alarms are in Monitoring.',
  onFailureDestination:
    'Asynchronous failures go to an on-failure destination (EventInvokeConfig -> the Snapshots dead-letter queue, alarmed), which records the error and the event; the rule reads only the older DeadLetterConfig.',
  synchronousRunbook:
    'Invoked synchronously (RequestResponse) by the failover CLI, which shows the operator the error; asynchronous retries are off (retryAttempts 0) because a silent retry of a promotion is never wanted, so there are no asynchronous failures to queue.',
  customResourceHandler:
    'A CloudFormation custom-resource handler: a failure is reported back to CloudFormation, which fails and rolls back the deployment and keeps the error in the stack events; there is no event to park in a queue.',
  providerFramework:
    "aws-cdk-lib's custom-resource provider framework function (cr.Provider): memory and tracing are not configurable; it relays one deployment event to the bootstrap function, which is traced itself.",
  securityGroupSourceIngress:
    'The source is a security group, not a CIDR, so nothing outside it can use the rule; the port is the cluster port (Fn::GetAtt Endpoint.Port, 5432), which the rule cannot resolve and so errors instead of passing.',
  interfaceEndpointIngress:
    "The interface endpoint's security group admits HTTPS (443) from the VPC CIDR only (Fn::GetAtt of the VPC, which the rule cannot resolve); no internet source can reach an interface endpoint.",
  minorVersionPinning:
    'Global Database member: a managed cross-Region switchover or failover needs the same engine version in both clusters, and automatic minor upgrades run per cluster in different maintenance windows; minor versions are upgraded deliberately in both regions together (also CT.RDS.PR.5).',
  auroraBackups:
    'Aurora backs up the cluster, not its instances: continuous backups with point-in-time restore for database.backupRetentionDays, plus scheduled snapshots copied to the other region by the Snapshots construct into a locked vault; an AWS Backup plan cannot select Aurora instances.',
  cacheSnapshots:
    'The cache holds derived, rebuildable data (the database is the system of record); a few days of daily snapshots (config cache.snapshotRetentionDays) is the chosen cost trade-off, raise it to 15 or more to satisfy the rule.',
  albLogBucketEncryption:
    'ALB access-log delivery supports only SSE-S3 (Elastic Load Balancing docs; aws-cdk-lib refuses a KMS-encrypted ALB log bucket). The bucket is private, TLS-only, versioned and owner-enforced.',
  logBucketLogging:
    'This bucket is itself the log destination (ALB access logs, the canary bucket server access logs); logging it would need another log bucket, which would need one in turn.',
  regionalLogReplication:
    "Regional operational data (access logs or canary artifacts, expired by lifecycle) of this region's own components; each region keeps its own, and replicating them would copy the failed region's logs into the surviving one for no recovery purpose.",
  imdsInMixedInstancesPolicy:
    'The launch template sets HttpTokens=required (IMDSv2 only, hop limit 1; asserted in test/stacks/regional-stack.test.ts), but it is referenced from the MixedInstancesPolicy, which the rule does not read.',
  redirectListener:
    'The port-80 listener only redirects to HTTPS (301 to 443) and serves nothing; an HTTP listener cannot hold a certificate. All traffic is served by the HTTPS listener with an ACM certificate.',
  publicSubnetRoute:
    "The public subnets' route to the internet gateway: they hold only the internet-facing ALB and the NAT gateways, which need it; instances, database and cache are in private subnets without such a route.",
  deadLetterQueue:
    'This queue IS the dead-letter queue of the snapshot functions and rules; a dead-letter queue of a dead-letter queue would only hide failures further. It is alarmed (failureAlarm).',
  cacheAuthEnforcementPass:
    'The rule runs the idempotent AUTH-token enforcement pass every 15 minutes: an invocation that fails or is dropped is redone by the next pass, and the function alarms on errors (LambdaErrors-CacheAuthRotation); a dead-letter queue would hold only stale copies of a periodic no-argument event.',
} as const;

/**
 * Records the acknowledgements above on the resources of one regional stack. Call once the stack
 * is complete (the app builder does).
 */
export function acknowledgeComplianceFindings(stack: RegionalStack): void {
  const ack = (scope: IConstruct | undefined, rules: readonly string[], reason: string): void => {
    const resource = scope && (CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild);
    if (!resource) return;
    for (const rule of rules) acknowledgeCompliance(resource, rule, reason);
  };
  const R = COMPLIANCE_REASONS;

  // --- By kind, wherever the kind occurs --------------------------------------------------------
  const providers = stack.node.findAll().filter((c): c is cr.Provider => c instanceof cr.Provider);
  const customResourceHandlers = new Set<IConstruct>(providers.map((p) => p.onEventHandler));
  for (const node of stack.node.findAll()) {
    if (node instanceof iam.CfnPolicy && isRoleDefaultPolicy(node)) {
      ack(node, ['IAMNoInlinePolicy'], R.roleDefaultPolicy);
    } else if (node instanceof lambda.Function) {
      ack(node, ['LambdaConcurrency'], R.reservedConcurrency);
      const invokeConfig = node.node.tryFindChild('EventInvokeConfig')?.node.defaultChild;
      const config = invokeConfig instanceof lambda.CfnEventInvokeConfig ? invokeConfig : undefined;
      const onFailure = config && Stack.of(node).resolve(config.destinationConfig) !== undefined;
      if (providers.some((p) => p.node.findAll().includes(node))) {
        ack(node, ['LambdaDLQ'], R.customResourceHandler);
        ack(node, ['LambdaDefaultMemorySize', 'LambdaTracing'], R.providerFramework);
      } else if (customResourceHandlers.has(node)) {
        ack(node, ['LambdaDLQ'], R.customResourceHandler);
      } else if (onFailure) {
        ack(node, ['LambdaDLQ'], R.onFailureDestination);
      } else if (config && config.maximumRetryAttempts === 0) {
        ack(node, ['LambdaDLQ'], R.synchronousRunbook);
        ack(config, ['LambdaAsyncFailureDestination'], R.synchronousRunbook);
      }
    } else if (node instanceof ec2.CfnSecurityGroupIngress && isSecurityGroupSourcedTokenPort(node)) {
      ack(node, ['EC2RestrictedCommonPorts', 'EC2RestrictedSSH'], R.securityGroupSourceIngress);
    } else if (node instanceof ec2.InterfaceVpcEndpoint) {
      for (const sg of node.connections.securityGroups) {
        ack(sg, ['EC2RestrictedCommonPorts', 'EC2RestrictedSSH'], R.interfaceEndpointIngress);
      }
    } else if (node instanceof rds.CfnDBInstance) {
      ack(node, ['RDSAutomaticMinorVersionUpgradeEnabled'], R.minorVersionPinning);
      ack(node, ['RDSInBackupPlan'], R.auroraBackups);
    } else if (node instanceof elasticache.CfnReplicationGroup) {
      ack(node, ['ElastiCacheRedisClusterAutomaticBackup'], R.cacheSnapshots);
    } else if (node instanceof autoscaling.CfnAutoScalingGroup && node.mixedInstancesPolicy !== undefined) {
      ack(node, ['EC2IMDSv2Enabled'], R.imdsInMixedInstancesPolicy);
    } else if (node instanceof elbv2.CfnListener && isRedirectOnly(node)) {
      ack(node, ['ELBv2ACMCertificateRequired'], R.redirectListener);
    }
  }
  for (const subnet of stack.network.vpc.publicSubnets) {
    ack(subnet.node.tryFindChild('DefaultRoute'), ['VPCNoUnrestrictedRouteToIGW'], R.publicSubnetRoute);
  }

  // --- These resources ---------------------------------------------------------------------------
  const accessLogs = stack.fleet.accessLogBucket;
  ack(accessLogs, ['S3DefaultEncryptionKMS'], R.albLogBucketEncryption);
  ack(accessLogs, ['S3BucketReplicationEnabled'], R.regionalLogReplication);
  // Where the canary's artifacts bucket sends its server access logs here (DR), the rule already
  // counts this bucket as a log destination.
  if (!stack.peerCanary) ack(accessLogs, ['S3BucketLoggingEnabled'], R.logBucketLogging);
  ack(stack.peerCanary?.artifactsBucket, ['S3BucketReplicationEnabled'], R.regionalLogReplication);
  ack(stack.snapshots.deadLetterQueue, ['SQSRedrivePolicy'], R.deadLetterQueue);
  ack(stack.cache.authRotation.enforcementRule, ['EventBusDLQ'], R.cacheAuthEnforcementPass);
}

function isRoleDefaultPolicy(policy: iam.CfnPolicy): boolean {
  const l2 = policy.node.scope;
  return l2 instanceof iam.Policy && l2.node.id === 'DefaultPolicy' && l2.node.scope instanceof iam.Role;
}

function isSecurityGroupSourcedTokenPort(rule: ec2.CfnSecurityGroupIngress): boolean {
  return (
    rule.sourceSecurityGroupId !== undefined &&
    rule.cidrIp === undefined &&
    rule.cidrIpv6 === undefined &&
    Token.isUnresolved(rule.fromPort)
  );
}

function isRedirectOnly(listener: elbv2.CfnListener): boolean {
  const actions = Stack.of(listener).resolve(listener.defaultActions) as { type?: string }[] | undefined;
  return Array.isArray(actions) && actions.length > 0 && actions.every((a) => a.type === 'redirect');
}
