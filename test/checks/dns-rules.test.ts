import * as route53 from 'aws-cdk-lib/aws-route53';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { evaluate, failingRules, OfflineStack, testApp } from './fixtures';

interface CheckOptions {
  /** @default the deep readiness path of the role: /readyz?role=writer on PRIMARY, /readyz on SECONDARY */
  readonly resourcePath?: string;
  /** @default 'HTTPS' */
  readonly type?: string;
}

function failoverRecord(
  scope: Construct,
  role: 'PRIMARY' | 'SECONDARY',
  name: string,
  withHealthCheck: boolean,
  options: CheckOptions = {},
): void {
  const check = withHealthCheck
    ? new route53.CfnHealthCheck(scope, 'Check', {
        healthCheckConfig: {
          type: options.type ?? 'HTTPS',
          fullyQualifiedDomainName: `${role.toLowerCase()}.example.com`,
          resourcePath: options.resourcePath ?? (role === 'PRIMARY' ? '/readyz?role=writer' : '/readyz'),
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

describe('INV-DNS rules (RES-DNS1..3)', () => {
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
    // and forks that point the checks at something other than the deep readiness check
    s.ReaderPrimary = new OfflineStack(app, 'ReaderPrimary', 'us-east-1');
    failoverRecord(s.ReaderPrimary, 'PRIMARY', 'app.example.com', true, { resourcePath: '/readyz' });
    s.ShallowSecondary = new OfflineStack(app, 'ShallowSecondary', 'us-west-2');
    failoverRecord(s.ShallowSecondary, 'SECONDARY', 'app.example.com', true, { resourcePath: '/healthz' });
    s.TcpSecondary = new OfflineStack(app, 'TcpSecondary', 'us-west-2');
    failoverRecord(s.TcpSecondary, 'SECONDARY', 'app.example.com', true, { type: 'TCP' });
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

  test('RES-DNS3 passes for the writer form on PRIMARY and the plain readiness check on SECONDARY', () => {
    const result = evaluate(assembly, s.Primary, s.Secondary);
    expect(result.results.filter((r) => r.ruleId === 'RES-DNS3').map((r) => [r.status, r.message])).toEqual([
      ['pass', expect.stringMatching(/^PRIMARY app\.example\.com: Check requests \/readyz\?role=writer$/)],
      ['pass', expect.stringMatching(/^SECONDARY app\.example\.com: Check requests \/readyz$/)],
    ]);
  });

  test.each([
    [
      'a PRIMARY checking /readyz without the writer form',
      'ReaderPrimary',
      'Secondary',
      /requests \/readyz, not the readiness check \/readyz\?role=writer \(the writer form keeps a demoted region out of DNS\)$/,
    ],
    [
      'a SECONDARY checking the shallow /healthz',
      'Primary',
      'ShallowSecondary',
      /requests \/healthz, not the readiness check \/readyz$/,
    ],
    [
      'a SECONDARY with a TCP check',
      'Primary',
      'TcpSecondary',
      /is TCP, which requests no path; \/readyz required$/,
    ],
  ])('RES-DNS3 fires for %s', (_, primary, secondary, message) => {
    const result = evaluate(assembly, s[primary], s[secondary]);
    expect(failingRules(result)).toEqual(['RES-DNS3']);
    expect(result.findings).toMatchObject([{ message: expect.stringMatching(message) }]);
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
