import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { FleetOptions } from './fixtures';
import { compliantFleet, compliantVpc, evaluate, failingRules, OfflineStack, testApp } from './fixtures';

describe('INV-ALB and INV-ASG rules (RES-ALB1..4, RES-ASG1..3)', () => {
  let assembly: CloudAssembly;
  const stacks: Record<string, OfflineStack> = {};
  const variants: Record<string, FleetOptions> = {
    good: {},
    albOneAz: { albSubnets: { subnetType: ec2.SubnetType.PUBLIC, availabilityZones: ['us-east-1a'] } },
    weakTls: { sslPolicy: elbv2.SslPolicy.LEGACY },
    httpForwards: { httpForwards: true },
    internal: { internetFacing: false },
    asgTwoAzs: {
      asgSubnets: {
        subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
        availabilityZones: ['us-east-1a', 'us-east-1b'],
      },
    },
    asgMinFour: { minCapacity: 4 },
    asgEc2Check: { ec2HealthCheck: true },
  };

  beforeAll(() => {
    // GIVEN a compliant fleet and one variant per rule that breaks exactly that rule
    const app = testApp();
    for (const [name, options] of Object.entries(variants)) {
      const stack = new OfflineStack(app, name);
      compliantFleet(stack, compliantVpc(stack), options);
      stacks[name] = stack;
    }
    // WHEN the app is synthesized once
    assembly = app.synth();
  });

  test('an ALB with HTTPS (TLS 1.3 policy) and a redirect in front of a 3-AZ ASG passes every rule', () => {
    const result = evaluate(assembly, stacks.good);
    expect(result.findings).toEqual([]);
    const passed = new Set(result.results.filter((r) => r.status === 'pass').map((r) => r.ruleId));
    for (const id of ['RES-ALB1', 'RES-ALB2', 'RES-ALB3', 'RES-ALB4', 'RES-ASG1', 'RES-ASG2', 'RES-ASG3']) {
      expect(passed).toContain(id);
    }
  });

  test('RES-ALB1 fires for an ALB in one AZ', () => {
    const result = evaluate(assembly, stacks.albOneAz);
    expect(failingRules(result)).toEqual(['RES-ALB1']);
    expect(result.findings[0].message).toMatch(
      /in 1 AZ\(s\) \(us-east-1a\).*not in VPC AZ\(s\) us-east-1b, us-east-1c/,
    );
  });

  test('RES-ALB2 fires for an HTTPS listener whose policy allows TLS 1.0', () => {
    const result = evaluate(assembly, stacks.weakTls);
    expect(failingRules(result)).toEqual(['RES-ALB2']);
    expect(result.findings[0].message).toMatch(
      /SslPolicy ELBSecurityPolicy-TLS-1-0-2015-04 allows TLS < 1.2/,
    );
  });

  test('RES-ALB3 fires for an HTTP listener that serves instead of redirecting', () => {
    const result = evaluate(assembly, stacks.httpForwards);
    expect(failingRules(result)).toEqual(['RES-ALB3']);
    expect(result.findings[0].resourceType).toBe('AWS::ElasticLoadBalancingV2::Listener');
  });

  test('RES-ALB4 fires for an internal load balancer (a fork that sets internetFacing: false)', () => {
    const result = evaluate(assembly, stacks.internal);
    expect(failingRules(result)).toEqual(['RES-ALB4']);
    expect(result.findings[0]).toMatchObject({
      resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      message: expect.stringMatching(
        /^Scheme internal: Route 53 health checkers and internet clients cannot reach/,
      ),
    });
  });

  test('RES-ASG1 fires for a group that skips one AZ of its VPC', () => {
    const result = evaluate(assembly, stacks.asgTwoAzs);
    expect(failingRules(result)).toEqual(['RES-ASG1']);
    expect(result.findings[0].message).toBe('does not launch into VPC AZ(s) us-east-1c');
  });

  test('RES-ASG2 fires when MinSize is below 2 per AZ', () => {
    const result = evaluate(assembly, stacks.asgMinFour);
    expect(failingRules(result)).toEqual(['RES-ASG2']);
    expect(result.findings[0].message).toBe('MinSize 4 < 2 per AZ x 3 AZs = 6');
  });

  test('RES-ASG3 fires for EC2-only health checks', () => {
    expect(failingRules(evaluate(assembly, stacks.asgEc2Check))).toEqual(['RES-ASG3']);
  });
});
