import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { WebAcl, type WebAclProps } from '../../lib/constructs/web-acl';

type Json = Record<string, any>;

/** A web ACL on a bare ALB, synthesized alone. */
function build(props: Partial<WebAclProps> = {}): { template: Template; rules: Json[] } {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Edge', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  new WebAcl(stack, 'WebAcl', { loadBalancer, healthCheckPaths: ['/healthz', '/readyz'], ...props });
  const template = Template.fromStack(stack);
  const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL')) as Json[];
  return { template, rules: acl.Properties.Rules as Json[] };
}

/** Evaluates a rule statement for a request, for the statement kinds the allow rule uses. */
function matches(statement: Json, request: { method: string; path: string }): boolean {
  if (statement.AndStatement)
    return statement.AndStatement.Statements.every((s: Json) => matches(s, request));
  if (statement.OrStatement) return statement.OrStatement.Statements.some((s: Json) => matches(s, request));
  const byte = statement.ByteMatchStatement;
  if (!byte || byte.PositionalConstraint !== 'EXACTLY')
    throw new Error(`unsupported statement ${JSON.stringify(statement)}`);
  // WAF's UriPath is the path without the query string.
  const field = byte.FieldToMatch.UriPath
    ? request.path.split('?')[0]
    : byte.FieldToMatch.Method
      ? request.method
      : undefined;
  return field === byte.SearchString;
}

/** The first rule (by priority) whose statement matches, if it is one this evaluator can read. */
function firstRuleFor(rules: Json[], request: { method: string; path: string }): Json | undefined {
  const sorted = [...rules].sort((a, b) => a.Priority - b.Priority);
  for (const rule of sorted) {
    if (!rule.Statement.AndStatement && !rule.Statement.ByteMatchStatement) return rule; // managed or rate rule: may act
    if (matches(rule.Statement, request)) return rule;
  }
  return undefined;
}

describe('WebAcl', () => {
  test('GIVEN the health checkers and the canary WHEN they probe THEN the allow rule decides before any managed or rate rule', () => {
    const { rules } = build();
    for (const path of ['/readyz?role=writer', '/readyz', '/healthz']) {
      const rule = firstRuleFor(rules, { method: 'GET', path });
      expect([path, rule?.Name, rule?.Action]).toEqual([path, 'AllowHealthChecks', { Allow: {} }]);
    }
  });

  test('GIVEN other requests THEN the allow rule does not match, so the managed groups and the rate limit apply', () => {
    const { rules } = build();
    for (const request of [
      { method: 'GET', path: '/api/items' },
      { method: 'POST', path: '/readyz' },
      { method: 'GET', path: '/readyz/../api/items' },
      { method: 'GET', path: '/healthz2' },
    ]) {
      expect(firstRuleFor(rules, request)?.Name).not.toBe('AllowHealthChecks');
    }
  });

  test('GIVEN the defaults THEN IP reputation, common and known-bad-inputs groups block, then a per-IP rate limit', () => {
    const { template, rules } = build();
    const groups = rules.filter((r) => r.Statement.ManagedRuleGroupStatement);
    expect(groups.map((r) => r.Statement.ManagedRuleGroupStatement.Name)).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
    ]);
    for (const g of groups) expect(g.OverrideAction).toEqual({ None: {} });
    const rate = rules.find((r) => r.Statement.RateBasedStatement)!;
    expect(rate.Action).toEqual({ Block: {} });
    expect(rate.Statement.RateBasedStatement).toMatchObject({ Limit: 2000, AggregateKeyType: 'IP' });
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: Match.stringLikeRegexp('^Alb') },
    });
  });

  test('GIVEN count mode THEN no rule blocks: managed groups and the rate limit only count', () => {
    const { rules } = build({ mode: 'count', rateLimitPer5Minutes: 500 });
    for (const r of rules.filter((x) => x.Statement.ManagedRuleGroupStatement))
      expect(r.OverrideAction).toEqual({ Count: {} });
    expect(rules.find((r) => r.Statement.RateBasedStatement)!.Action).toEqual({ Count: {} });
    expect(JSON.stringify(rules)).not.toContain('"Block"');
  });

  test('GIVEN the web ACL THEN it logs to an aws-waf-logs- group with the bearer token redacted, and alarms on blocked requests', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
      RetentionInDays: 365,
    });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Dimensions: Match.arrayWith([
        { Name: 'Region', Value: 'us-east-1' },
        { Name: 'Rule', Value: 'ALL' },
      ]),
      Threshold: 500,
    });
  });

  test.each([
    [{ rateLimitPer5Minutes: 5 }, /rateLimitPer5Minutes = 5; WAF allows an integer from 10/],
    [{ healthCheckPaths: [] }, /healthCheckPaths = \[\]/],
    [{ healthCheckPaths: ['readyz'] }, /each starting with \//],
    [
      { managedRuleGroups: ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesCommonRuleSet'] as const },
      /lists a group twice/,
    ],
  ])('GIVEN bad props %j THEN construction fails naming the prop', (props, message) => {
    expect(() => build(props as Partial<WebAclProps>)).toThrow(message);
  });
});
