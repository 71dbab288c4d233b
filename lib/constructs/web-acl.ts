/*
 * A regional WAFv2 web ACL in front of the internet-facing ALB: AWS managed rule groups (IP
 * reputation, common rule set, known bad inputs) and a per-IP rate limit, with request logging and an
 * alarm on blocked requests. The two health paths are allowed before any other rule runs: Route 53's
 * health checkers and the DR region's canary probe them from a small set of AWS addresses every 10 s,
 * and a block there would fail a healthy region over. Those paths read cached state only (no query
 * per request), so leaving them out of the rate limit costs nothing an attacker can use.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { WAF_MANAGED_RULE_GROUPS } from '../config/schema';

/** How the rules act: `block`, or `count` to watch what they would block (e.g. a first deploy). */
export type WebAclMode = 'block' | 'count';

/** An AWS managed rule group (vendor AWS). */
export type ManagedRuleGroup = (typeof WAF_MANAGED_RULE_GROUPS)[number];

export interface WebAclProps {
  /** The load balancer the web ACL protects. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Paths that are always allowed (exact match): the health checks' paths. */
  readonly healthCheckPaths: readonly string[];
  /** @default 'block' */
  readonly mode?: WebAclMode;
  /**
   * Managed rule groups, in evaluation order.
   * @default IP reputation, common rule set, known bad inputs
   */
  readonly managedRuleGroups?: readonly ManagedRuleGroup[];
  /** Requests per client IP per 5 minutes above which the IP is blocked (WAF allows 10 to 2 billion). @default 2000 */
  readonly rateLimitPer5Minutes?: number;
  /** Blocked requests per 5 minutes that raise the alarm (an attack, or rules blocking real users). @default 500 */
  readonly blockedRequestsAlarmThreshold?: number;
}

const DEFAULT_GROUPS: readonly ManagedRuleGroup[] = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
];

export class WebAcl extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly logGroup: logs.LogGroup;
  /** Blocked requests (all rules) above the threshold for 5 minutes. */
  public readonly blockedRequestsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const mode = props.mode ?? 'block';
    const groups = props.managedRuleGroups ?? DEFAULT_GROUPS;
    const rateLimit = props.rateLimitPer5Minutes ?? 2000;
    this.validate(props, groups, rateLimit);

    const name = `${Stack.of(this).stackName}-web-acl`;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const terminating = mode === 'block' ? { block: {} } : { count: {} };

    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'AllowHealthChecks',
        priority: 0,
        action: { allow: {} },
        statement: healthPathStatement(props.healthCheckPaths),
        visibilityConfig: visibility('AllowHealthChecks'),
      },
      ...groups.map((group, i): wafv2.CfnWebACL.RuleProperty => ({
        name: group,
        priority: 10 + i,
        overrideAction: mode === 'block' ? { none: {} } : { count: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
        visibilityConfig: visibility(group),
      })),
      {
        name: 'RateLimitPerIp',
        priority: 100,
        action: terminating,
        statement: {
          rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
        },
        visibilityConfig: visibility('RateLimitPerIp'),
      },
    ];

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules,
      visibilityConfig: visibility(name),
      // WAF descriptions allow letters, digits, spaces and =:#@/-,. only.
      description: `Managed rule groups and a per-IP rate limit for the ${Stack.of(this).stackName} ALB, mode ${mode}`,
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.loadBalancer.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });

    // WAF requires the log group name to start with aws-waf-logs-. Bearer tokens are redacted.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${Stack.of(this).stackName}`,
      retention: logs.RetentionDays.ONE_YEAR,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [this.logGroup.logGroupArn],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });

    this.blockedRequestsAlarm = new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: name, Region: Stack.of(this).region, Rule: 'ALL' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    }).createAlarm(this, 'BlockedRequestsAlarm', {
      alarmDescription: `${name}: more than ${props.blockedRequestsAlarmThreshold ?? 500} requests blocked in 5 minutes: an attack, or rules blocking real clients (check the sampled requests)`,
      threshold: props.blockedRequestsAlarmThreshold ?? 500,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private validate(props: WebAclProps, groups: readonly ManagedRuleGroup[], rateLimit: number): void {
    if (!Number.isInteger(rateLimit) || rateLimit < 10 || rateLimit > 2_000_000_000) {
      throw new Error(
        `WebAcl: rateLimitPer5Minutes = ${rateLimit}; WAF allows an integer from 10 to 2000000000`,
      );
    }
    if (new Set(groups).size !== groups.length) {
      throw new Error(`WebAcl: managedRuleGroups lists a group twice (${groups.join(', ')})`);
    }
    if (props.healthCheckPaths.length === 0 || props.healthCheckPaths.some((p) => !p.startsWith('/'))) {
      throw new Error(
        `WebAcl: healthCheckPaths = [${props.healthCheckPaths.join(', ')}]; give the health checks' paths, each starting with /`,
      );
    }
  }
}

/** GET requests whose path is exactly one of `paths` (a query string such as ?role=writer is not part of the path). */
function healthPathStatement(paths: readonly string[]): wafv2.CfnWebACL.StatementProperty {
  const pathIs = (path: string): wafv2.CfnWebACL.StatementProperty => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'EXACTLY',
      searchString: path,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  });
  const methodIsGet: wafv2.CfnWebACL.StatementProperty = {
    byteMatchStatement: {
      fieldToMatch: { method: {} },
      positionalConstraint: 'EXACTLY',
      searchString: 'GET',
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
  const anyPath = paths.length === 1 ? pathIs(paths[0]) : { orStatement: { statements: paths.map(pathIs) } };
  return { andStatement: { statements: [methodIsGet, anyPath] } };
}
