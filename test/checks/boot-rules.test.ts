import { CustomResource } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IDependable } from 'constructs';
import type { CfnResourceJson } from '../../lib/checks';
import { evaluateTemplates, RESILIENCE_RULES } from '../../lib/checks';
import { ssmReadsOf } from '../../lib/checks/rules/boot1-deploy-order';
import type { CheckResult } from '../../lib/checks';
import { ACCOUNT, compliantVpc, evaluate, failingRules, OfflineStack, testApp } from './fixtures';

type Dependency = 'parameters' | 'secret' | 'egress';

interface BootOptions {
  /** What the ASG is made to depend on. @default all */
  readonly dependsOn?: readonly Dependency[];
  /** Also publish a parameter whose value is the group's own name (a cycle). @default false */
  readonly selfReference?: boolean;
}

/**
 * A fleet whose user data reads `/app/runtime` (recursively) and `/app/flags/FEATURE`, and whose
 * role may read the secret `app/db` by a literal ARN (no Ref, so no implicit dependency).
 */
function bootFleet(stack: OfflineStack, options: BootOptions = {}): void {
  const dependsOn = options.dependsOn ?? ['parameters', 'secret', 'egress'];
  const vpc = compliantVpc(stack);
  const queue = new sqs.Queue(stack, 'Jobs');
  const parameters = [
    new ssm.StringParameter(stack, 'QueueUrl', {
      parameterName: '/app/runtime/QUEUE_URL',
      stringValue: queue.queueUrl,
    }),
    new ssm.StringParameter(stack, 'Mode', { parameterName: '/app/runtime/nested/MODE', stringValue: 'on' }),
    new ssm.StringParameter(stack, 'Feature', { parameterName: '/app/flags/FEATURE', stringValue: 'x' }),
  ];
  // Outside every read path: must not be required.
  new ssm.StringParameter(stack, 'Unread', { parameterName: '/other/UNREAD', stringValue: 'x' });
  const secret = new secretsmanager.Secret(stack, 'DbSecret', { secretName: 'app/db' });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [`arn:aws:secretsmanager:${stack.region}:${ACCOUNT}:secret:app/db-??????`],
    }),
  );
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    "aws ssm get-parameters-by-path --path '/app/runtime' --recursive --query 'Parameters[].[Name,Value]' --output text | while read -r n v; do echo \"$n=$v\"; done",
    'FEATURE=$(aws ssm get-parameter --name /app/flags/FEATURE --query Parameter.Value --output text)',
  );
  const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    launchTemplate: new ec2.LaunchTemplate(stack, 'Template', {
      instanceType: new ec2.InstanceType('t4g.small'),
      machineImage: ec2.MachineImage.genericLinux({ [stack.region]: 'ami-12345678' }),
      role,
      userData,
    }),
    minCapacity: 4,
    maxCapacity: 8,
    signals: autoscaling.Signals.waitForMinCapacity(),
  });
  if (options.selfReference) {
    new ssm.StringParameter(stack, 'GroupName', {
      parameterName: '/app/runtime/GROUP',
      stringValue: asg.autoScalingGroupName,
    });
  }
  const wanted: Record<Dependency, IDependable[]> = {
    parameters,
    secret: [secret],
    egress: [
      vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).internetConnectivityEstablished,
    ],
  };
  for (const d of dependsOn) asg.node.addDependency(...wanted[d]);
}

/** A custom resource whose handler may read `/app/runtime/*` by a literal ARN. */
function seedResource(stack: OfflineStack, dependsOnParameters: boolean): void {
  const parameter = new ssm.StringParameter(stack, 'Endpoint', {
    parameterName: '/app/runtime/ENDPOINT',
    stringValue: 'db.example.com',
  });
  const handler = new lambda.Function(stack, 'SeedHandler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
  handler.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [`arn:aws:ssm:${stack.region}:${ACCOUNT}:parameter/app/runtime/*`],
    }),
  );
  const seed = new CustomResource(stack, 'Seed', { serviceToken: handler.functionArn });
  if (dependsOnParameters) seed.node.addDependency(parameter);
}

describe('INV-BOOT rule (RES-BOOT1, deploy order)', () => {
  let assembly: CloudAssembly;
  const s: Record<string, OfflineStack> = {};
  const boot = (name: string): CheckResult[] =>
    evaluate(assembly, s[name]).results.filter((r) => r.ruleId === 'RES-BOOT1');

  beforeAll(() => {
    // GIVEN fleets that depend on all, or all but one kind, of what their boot reads, and custom resources
    const app = testApp();
    const fleets: Record<string, BootOptions> = {
      good: {},
      noParameters: { dependsOn: ['secret', 'egress'] },
      noSecret: { dependsOn: ['parameters', 'egress'] },
      noEgress: { dependsOn: ['parameters', 'secret'] },
      selfReference: { selfReference: true },
    };
    for (const [name, options] of Object.entries(fleets)) {
      s[name] = new OfflineStack(app, name);
      bootFleet(s[name], options);
    }
    s.seedGood = new OfflineStack(app, 'seedGood');
    seedResource(s.seedGood, true);
    s.seedUnordered = new OfflineStack(app, 'seedUnordered');
    seedResource(s.seedUnordered, false);
    // WHEN the app is synthesized once
    assembly = app.synth();
  });

  test('a group that depends on its parameters (and so their sources), its secret and its egress passes', () => {
    const [check] = boot('good');
    expect(check).toMatchObject({ status: 'pass', resourceType: 'AWS::AutoScaling::AutoScalingGroup' });
    // 3 parameters read (not /other/UNREAD), the queue, the secret, 3 associations + 3 NAT routes
    expect(check.message).toBe(
      'waits for instance signals (CreationPolicy); depends on all it reads: 3 SSM parameter(s), 1 value source(s), 1 secret(s), 6 egress resource(s)',
    );
  });

  test('RES-BOOT1 fires for a group that boots before its parameters exist, naming each and their value source', () => {
    const result = evaluate(assembly, s.noParameters);
    expect(failingRules(result)).toEqual(['RES-BOOT1']);
    const message = result.findings[0].message;
    expect(message).toMatch(
      /^waits for instance signals \(CreationPolicy\) but does not depend on what it reads: /,
    );
    expect(message).toMatch(
      /SSM parameter QueueUrl\w+ \(\/app\/runtime\/QUEUE_URL, under the user data's --path \/app\/runtime\)/,
    );
    // --recursive reaches the nested parameter; --name reads one outside the path
    expect(message).toMatch(/SSM parameter Mode\w+ \(\/app\/runtime\/nested\/MODE, under/);
    expect(message).toMatch(/SSM parameter Feature\w+ \(\/app\/flags\/FEATURE, named by the user data\)/);
    expect(message).toMatch(/value source Jobs\w+ \(value of \/app\/runtime\/QUEUE_URL\)/);
    expect(message).not.toMatch(/Unread|secret |egress /);
  });

  test('RES-BOOT1 fires for a secret the role reads by a literal ARN pattern', () => {
    const result = evaluate(assembly, s.noSecret);
    expect(failingRules(result)).toEqual(['RES-BOOT1']);
    expect(result.findings[0].message).toMatch(
      /does not depend on what it reads: secret DbSecret\w+ \(RoleDefaultPolicy\w+ allows secretsmanager:GetSecretValue\)$/,
    );
  });

  test('RES-BOOT1 fires for the NAT routes and route table associations of the group subnets', () => {
    const result = evaluate(assembly, s.noEgress);
    expect(failingRules(result)).toEqual(['RES-BOOT1']);
    const missing = [...result.findings[0].message.matchAll(/egress (\w+) \((.+?)\)/g)].map((m) => m[2]);
    expect(missing).toEqual([
      expect.stringMatching(/^route table association of VpcPrivateSubnet1Subnet/),
      expect.stringMatching(/^egress route of VpcPrivateSubnet1Subnet/),
      expect.stringMatching(/^route table association of VpcPrivateSubnet2Subnet/),
      expect.stringMatching(/^egress route of VpcPrivateSubnet2Subnet/),
      expect.stringMatching(/^route table association of VpcPrivateSubnet3Subnet/),
      expect.stringMatching(/^egress route of VpcPrivateSubnet3Subnet/),
    ]);
  });

  test('RES-BOOT1 fires for a parameter whose value comes from the group itself, and says it cannot come first', () => {
    const result = evaluate(assembly, s.selfReference);
    expect(failingRules(result)).toEqual(['RES-BOOT1']);
    expect(result.findings[0].message).toMatch(
      /^waits for instance signals \(CreationPolicy\) but does not depend on what it reads: SSM parameter GroupName\w+ \(\/app\/runtime\/GROUP, under the user data's --path \/app\/runtime; it depends on this resource, so it cannot come first\)$/,
    );
  });

  test("a custom resource that depends on the parameters its handler's role may read passes", () => {
    expect(boot('seedGood')).toMatchObject([
      {
        status: 'pass',
        message: expect.stringMatching(
          /^runs handler SeedHandler\w+ at deploy time; depends on all it reads: 1 SSM parameter/,
        ),
      },
    ]);
  });

  test('RES-BOOT1 fires for a custom resource whose handler reads a parameter it does not depend on', () => {
    const result = evaluate(assembly, s.seedUnordered);
    expect(failingRules(result)).toEqual(['RES-BOOT1']);
    expect(result.findings[0].message).toMatch(
      /SSM parameter Endpoint\w+ \(\/app\/runtime\/ENDPOINT, SeedHandlerServiceRoleDefaultPolicy\w+ allows ssm:GetParameter\)$/,
    );
  });
});

describe('RES-BOOT1 over hand-written templates: instances and launch configurations', () => {
  // GIVEN a parameter the role may read through an ARN built with Fn::Sub, and a subnet with a NAT route
  const base: Record<string, CfnResourceJson> = {
    Param: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/svc/HOST', Type: 'String', Value: 'db' } },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'ssm:GetParameter',
                  Resource: {
                    'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/svc/*',
                  },
                },
              ],
            },
          },
        ],
      },
    },
    Profile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'Role' }] } },
    Subnet: { Type: 'AWS::EC2::Subnet', Properties: {} },
    Table: { Type: 'AWS::EC2::RouteTable', Properties: {} },
    Assoc: {
      Type: 'AWS::EC2::SubnetRouteTableAssociation',
      Properties: { SubnetId: { Ref: 'Subnet' }, RouteTableId: { Ref: 'Table' } },
    },
    Nat: {
      Type: 'AWS::EC2::Route',
      Properties: {
        RouteTableId: { Ref: 'Table' },
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: 'nat-1',
      },
    },
  };
  const instance = (dependsOn?: string[]): CfnResourceJson => ({
    Type: 'AWS::EC2::Instance',
    CreationPolicy: { ResourceSignal: { Timeout: 'PT10M' } },
    ...(dependsOn ? { DependsOn: dependsOn } : {}),
    Properties: {
      UserData: {
        'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\n/opt/aws/bin/cfn-signal --stack ${AWS::StackName}' },
      },
      IamInstanceProfile: { Ref: 'Profile' },
      SubnetId: { Ref: 'Subnet' },
    },
  });
  // WHEN evaluated with RES-BOOT1 only
  const boot = (resources: Record<string, CfnResourceJson>) =>
    evaluateTemplates(
      [{ stackName: 'S', region: 'us-east-1', template: { Resources: { ...base, ...resources } } }],
      {
        rules: RESILIENCE_RULES.filter((r) => r.id === 'RES-BOOT1'),
      },
    ).results;

  test('an instance with a CreationPolicy must depend on what its role may read and on its egress', () => {
    expect(boot({ Unordered: instance(), Ordered: instance(['Param', 'Assoc', 'Nat']) })).toMatchObject([
      {
        logicalId: 'Unordered',
        status: 'fail',
        message:
          'waits for instance signals (CreationPolicy) but does not depend on what it reads: SSM parameter Param (/svc/HOST, Role allows ssm:GetParameter); egress Assoc (route table association of Subnet); egress Nat (egress route of Subnet)',
      },
      { logicalId: 'Ordered', status: 'pass' },
    ]);
  });

  test('a launch configuration that references the parameter orders it; the group still misses its egress', () => {
    const results = boot({
      Config: {
        Type: 'AWS::AutoScaling::LaunchConfiguration',
        Properties: {
          IamInstanceProfile: { Ref: 'Profile' },
          UserData: {
            'Fn::Base64': { 'Fn::Join': ['', ['aws ssm get-parameter --name ', { Ref: 'Param' }]] },
          },
        },
      },
      Group: {
        Type: 'AWS::AutoScaling::AutoScalingGroup',
        CreationPolicy: { ResourceSignal: { Count: 1 } },
        Properties: { LaunchConfigurationName: { Ref: 'Config' }, VPCZoneIdentifier: [{ Ref: 'Subnet' }] },
      },
    });
    expect(results).toMatchObject([
      {
        logicalId: 'Group',
        status: 'fail',
        message:
          'waits for instance signals (CreationPolicy) but does not depend on what it reads: egress Assoc (route table association of Subnet); egress Nat (egress route of Subnet)',
      },
    ]);
  });
});

describe('reading SSM reads from user data', () => {
  test('ssmReadsOf finds by-path, single and multiple reads, quoted or not, with --opt=value', () => {
    // GIVEN a script with each form of read, and a line that only mentions one
    const script = [
      "aws ssm get-parameters-by-path --region us-east-1 --path '/a/b' --recursive | while read -r x; do :; done",
      'X=$(aws ssm get-parameter --with-decryption --name=/c/d --query Parameter.Value)',
      'aws --region eu-west-1 ssm get-parameters --names "/e/1" /e/2 --output text; echo done',
      'aws ssm get-parameters-by-path --path /f/',
      'echo ssm get-parameter is mentioned in a comment',
    ].join('\n');
    // WHEN read THEN each read is found once, with its path or name
    expect(ssmReadsOf(script)).toEqual([
      { pattern: '/a/b', byPath: true, recursive: true },
      { pattern: '/c/d', byPath: false, recursive: false },
      { pattern: '/e/1', byPath: false, recursive: false },
      { pattern: '/e/2', byPath: false, recursive: false },
      { pattern: '/f', byPath: true, recursive: false },
    ]);
  });
});
