import * as route53 from 'aws-cdk-lib/aws-route53';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { evaluate, failingRules, OfflineStack, testApp } from './fixtures';

function failoverRecord(
  scope: Construct,
  role: 'PRIMARY' | 'SECONDARY',
  name: string,
  withHealthCheck: boolean,
): void {
  const check = withHealthCheck
    ? new route53.CfnHealthCheck(scope, 'Check', {
        healthCheckConfig: {
          type: 'HTTPS',
          fullyQualifiedDomainName: `${role.toLowerCase()}.example.com`,
          resourcePath: '/readyz',
          requestInterval: 10,
          failureThreshold: 2,
        },
      })
    : undefined;
  new route53.CfnRecordSet(scope, 'Record', {
    hostedZoneId: 'Z0000000000000',
    name,
    type: 'A',
    failover: role,
    setIdentifier: role,
    ttl: '60',
    resourceRecords: ['192.0.2.1'],
    healthCheckId: check?.attrHealthCheckId,
  });
}

describe('INV-DNS rules (RES-DNS1..2)', () => {
  let assembly: CloudAssembly;
  const s: Record<string, OfflineStack> = {};

  beforeAll(() => {
    // GIVEN a PRIMARY in one region, its SECONDARY (name spelled differently) in another, and a SECONDARY without a check
    const app = testApp();
    s.Primary = new OfflineStack(app, 'Primary', 'us-east-1');
    failoverRecord(s.Primary, 'PRIMARY', 'app.example.com', true);
    s.Secondary = new OfflineStack(app, 'Secondary', 'us-west-2');
    failoverRecord(s.Secondary, 'SECONDARY', 'APP.example.com.', true);
    s.UncheckedSecondary = new OfflineStack(app, 'UncheckedSecondary', 'us-west-2');
    failoverRecord(s.UncheckedSecondary, 'SECONDARY', 'app.example.com.', false);
    s.OtherName = new OfflineStack(app, 'OtherName', 'us-west-2');
    failoverRecord(s.OtherName, 'SECONDARY', 'www.example.com', true);
    // WHEN the app is synthesized once
    assembly = app.synth();
  });

  test('a PRIMARY and a SECONDARY for the same name, each with a health check, pass across stacks', () => {
    const result = evaluate(assembly, s.Primary, s.Secondary);
    expect(result.findings).toEqual([]);
    expect(
      result.results
        .filter((r) => r.ruleId === 'RES-DNS2')
        .map((r) => r.stackName)
        .sort(),
    ).toEqual(['Primary', 'Secondary']);
  });

  test('RES-DNS1 fires for a failover record without a health check', () => {
    const result = evaluate(assembly, s.Primary, s.UncheckedSecondary);
    expect(failingRules(result)).toEqual(['RES-DNS1']);
    expect(result.findings[0].stackName).toBe('UncheckedSecondary');
  });

  test('RES-DNS2 fires for a PRIMARY whose SECONDARY is missing from the app', () => {
    const result = evaluate(assembly, s.Primary);
    expect(failingRules(result)).toEqual(['RES-DNS2']);
    expect(result.findings[0].message).toBe('PRIMARY app.example.com A: no SECONDARY record in the app');
  });

  test('RES-DNS2 fires for both records when the names differ', () => {
    const result = evaluate(assembly, s.Primary, s.OtherName);
    expect(failingRules(result)).toEqual(['RES-DNS2']);
    expect(result.findings.map((f) => f.stackName).sort()).toEqual(['OtherName', 'Primary']);
  });
});
