import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { Fleet, type FleetProps } from '../../lib/constructs/fleet';
import { DEFAULT_CONFIG } from '../../lib/config/defaults';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
let workDir: string;
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-test-'));
  fs.writeFileSync(path.join(workDir, 'index.js'), 'require("http").createServer().listen(8080);\n');
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** A Fleet alone in a stack; `asset` chooses a file (as the service bundle is) or a directory (a zip). */
function fleet(
  overrides: Partial<FleetProps['fleet']> = {},
  asset: 'file' | 'directory' = 'file',
  context: Record<string, unknown> = {},
): Template {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false, context }), 'FleetOnly', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: AZS, natGateways: 3 });
  new Fleet(stack, 'Fleet', {
    vpc,
    availabilityZones: AZS,
    fleet: { ...DEFAULT_CONFIG.fleet, ...overrides },
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z1',
      zoneName: 'example.com',
    }),
    certificateNames: ['app.example.com'],
    servicePort: 8080,
    serviceAsset: new s3assets.Asset(stack, 'Bundle', {
      path: asset === 'file' ? path.join(workDir, 'index.js') : workDir,
    }),
    runtimeParameterPath: '/ha-ref/runtime',
  });
  return Template.fromStack(stack);
}

describe('Fleet', () => {
  test('GIVEN a directory asset (uploaded as a zip) THEN construction refuses it: the boot runs the object with node', () => {
    expect(() => fleet({}, 'directory')).toThrow(/serviceAsset must be a single-file asset/);
  });

  test('GIVEN the CLI skips bundling for the stack (cdk ls, cdk destroy, cdk deploy --exclusively of another stack) THEN its placeholder asset is accepted', () => {
    // The CLI's own context key (BUNDLING_STACKS): no stack is bundled, so every asset is a
    // directory that is never uploaded.
    const template = fleet({}, 'directory', { [BUNDLING_STACKS]: [] });
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 1);
    expect(() => fleet({}, 'directory', { [BUNDLING_STACKS]: ['OtherStack'] })).not.toThrow();
    expect(() => fleet({}, 'directory', { [BUNDLING_STACKS]: ['FleetOnly'] })).toThrow(
      /serviceAsset must be a single-file asset/,
    );
  });

  test('GIVEN weighted_random THEN the target group uses automatic target weights (anomaly mitigation)', () => {
    fleet({ loadBalancingAlgorithm: 'weighted_random' }).hasResourceProperties(
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      {
        TargetGroupAttributes: Match.arrayWith([
          { Key: 'load_balancing.algorithm.type', Value: 'weighted_random' },
          { Key: 'load_balancing.algorithm.anomaly_mitigation', Value: 'on' },
        ]),
      },
    );
  });

  test('GIVEN round_robin THEN there is no anomaly mitigation (AWS offers it only with weighted random)', () => {
    const groups = fleet({ loadBalancingAlgorithm: 'round_robin' }).findResources(
      'AWS::ElasticLoadBalancingV2::TargetGroup',
    );
    const attributes = Object.values(groups).flatMap(
      (g) => g.Properties.TargetGroupAttributes as { Key: string; Value: string }[],
    );
    expect(attributes).toContainEqual({ Key: 'load_balancing.algorithm.type', Value: 'round_robin' });
    expect(attributes.map((a) => a.Key)).not.toContain('load_balancing.algorithm.anomaly_mitigation');
  });
});
