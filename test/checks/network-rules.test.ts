import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { compliantVpc, evaluate, failingRules, OfflineStack, testApp } from './fixtures';

describe('INV-NET rules (RES-NET1..3)', () => {
  let assembly: CloudAssembly;
  let stacks: Record<string, OfflineStack>;

  beforeAll(() => {
    // GIVEN one compliant VPC and one VPC per rule that breaks exactly that rule
    const app = testApp();
    stacks = {
      good: new OfflineStack(app, 'Good'),
      oneAz: new OfflineStack(app, 'OneAz', 'us-east-1', 1),
      noIsolated: new OfflineStack(app, 'NoIsolated'),
      oneNat: new OfflineStack(app, 'OneNat'),
      noFlowLogs: new OfflineStack(app, 'NoFlowLogs'),
    };
    compliantVpc(stacks.good);
    compliantVpc(stacks.oneAz);
    compliantVpc(stacks.noIsolated, { tiers: [ec2.SubnetType.PUBLIC, ec2.SubnetType.PRIVATE_WITH_EGRESS] });
    compliantVpc(stacks.oneNat, { natGateways: 1 });
    compliantVpc(stacks.noFlowLogs, { flowLogs: false });
    // WHEN the app is synthesized once
    assembly = app.synth();
  });

  test('a VPC with three tiers, a NAT per AZ and flow logs passes every rule', () => {
    const result = evaluate(assembly, stacks.good);
    expect(result.findings).toEqual([]);
    // THEN each network rule actually looked at the VPC
    expect(result.results.filter((r) => r.status === 'pass').map((r) => r.ruleId)).toEqual(
      expect.arrayContaining(['RES-NET1', 'RES-NET2', 'RES-NET3']),
    );
  });

  test('RES-NET1 fires for a VPC in a single AZ', () => {
    const result = evaluate(assembly, stacks.oneAz);
    expect(failingRules(result)).toEqual(['RES-NET1']);
    expect(result.findings[0].message).toMatch(/span 1 AZ\(s\) \(us-east-1a\), at least 2 required/);
  });

  test('RES-NET1 fires when a tier is missing in the VPC AZs', () => {
    const result = evaluate(assembly, stacks.noIsolated);
    expect(failingRules(result)).toEqual(['RES-NET1']);
    expect(result.findings[0].message).toBe('no isolated subnet in us-east-1a, us-east-1b, us-east-1c');
    expect(result.findings[0].resourceType).toBe('AWS::EC2::VPC');
  });

  test('RES-NET2 fires when AZs share one NAT gateway', () => {
    const result = evaluate(assembly, stacks.oneNat);
    expect(failingRules(result)).toEqual(['RES-NET2']);
    const message = result.findings[0].message;
    expect(message).toMatch(/no NAT gateway in us-east-1b, us-east-1c/);
    // the private subnets of b and c route through the NAT in a
    expect(message.match(/routes through \S+ in us-east-1a/g)).toHaveLength(2);
  });

  test('RES-NET3 fires for a VPC without flow logs', () => {
    expect(failingRules(evaluate(assembly, stacks.noFlowLogs))).toEqual(['RES-NET3']);
  });
});
