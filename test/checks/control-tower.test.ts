import * as fs from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ControlTowerChecks, controlTowerRuleFiles } from '../../lib/checks/control-tower';
import { OfflineStack, testApp } from './fixtures';

describe('ControlTowerChecks (AWS Control Tower proactive controls via cfn-guard)', () => {
  let synthError: Error | undefined;

  beforeAll(() => {
    // GIVEN five subnets that auto-assign public IPs (CT.EC2.PR.11), acknowledged in different ways
    const app = testApp();
    Validations.of(app).addPlugins(new ControlTowerChecks());
    const stack = new OfflineStack(app, 'Ct');
    const subnet = (id: string): ec2.CfnSubnet =>
      new ec2.CfnSubnet(stack, id, {
        vpcId: 'vpc-12345678',
        cidrBlock: '10.0.0.0/24',
        mapPublicIpOnLaunch: true,
      });
    subnet('Unacknowledged');
    const reason = 'Public subnet of the internet-facing ALB: public addressing is its purpose.';
    Validations.of(subnet('ByControlId')).acknowledge({ id: 'CT.EC2.PR.11', reason });
    Validations.of(subnet('ByRuleName')).acknowledge({
      id: 'subnet_auto_assign_public_ip_disabled_check',
      reason,
    });
    Validations.of(subnet('Namespaced')).acknowledge({ id: 'ControlTower::CT.EC2.PR.11', reason });
    Validations.of(subnet('NoReason')).acknowledge({ id: 'ControlTower::CT.EC2.PR.11', reason: '' });
    // WHEN the app is synthesized (cfn-guard runs offline at the end of synth)
    try {
      app.synth();
    } catch (e) {
      synthError = e as Error;
    }
  });

  test('an unacknowledged control fails synth with its control id and construct path', () => {
    expect(synthError?.message).toMatch(
      /\[CT\.EC2\.PR\.11\]: Require that an Amazon EC2 subnet does not automatically assign/,
    );
    expect(synthError?.message).toMatch(/Ct\/Unacknowledged/);
  });

  test('acknowledgements with a reason (control id, rule name or namespaced) suppress only their resource', () => {
    for (const id of ['ByControlId', 'ByRuleName', 'Namespaced']) {
      expect(synthError?.message).not.toMatch(new RegExp(`Ct/${id}\\b`));
    }
  });

  test('an acknowledgement without a reason is refused and says so', () => {
    expect(synthError?.message).toMatch(/Ct\/NoReason/);
    expect(synthError?.message).toMatch(/acknowledgement at Ct\/NoReason refused: no reason given/);
  });

  test('only rule files for resource types present are run, and unknown disabled controls are refused', () => {
    const subnetRules = controlTowerRuleFiles().filter((r) => r.resourceTypes.includes('AWS::EC2::Subnet'));
    expect(subnetRules.map((r) => r.controlId)).toContain('CT.EC2.PR.11');
    expect(controlTowerRuleFiles().length).toBeGreaterThan(subnetRules.length * 10);
    expect(() => new ControlTowerChecks({ disabledRules: ['CT.NOPE.PR.1'] })).toThrow(
      /unknown control\(s\) CT.NOPE.PR.1/,
    );
    expect(() => new ControlTowerChecks({ disabledRules: ['CT.SQS.PR.1', 'sqs_dlq_check'] })).not.toThrow();
  });
});

describe('ControlTowerChecks over per-rule scopes of the templates', () => {
  test('GIVEN a control that follows a reference (CT.RDS.PR.2: the monitoring role must be an IAM role) THEN the referenced resource is judged, and only a wrong one is flagged', () => {
    const app = testApp();
    const stack = new OfflineStack(app, 'Refs');
    const role = new iam.CfnRole(stack, 'MonitoringRole', {
      assumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'monitoring.rds.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
    });
    const bucket = new s3.CfnBucket(stack, 'NotARole');
    const instance = (id: string, monitoringRoleArn: string): rds.CfnDBInstance =>
      new rds.CfnDBInstance(stack, id, {
        engine: 'postgres',
        dbInstanceClass: 'db.t4g.micro',
        allocatedStorage: '20',
        monitoringInterval: 60,
        monitoringRoleArn,
      });
    instance('RoleMonitored', role.attrArn);
    instance('BucketMonitored', bucket.attrArn);
    const assembly = app.synth();

    const templatePath = assembly.getStackArtifact(stack.artifactId).templateFullPath;
    const result = new ControlTowerChecks().evaluate({
      appConstruct: app,
      templatePaths: [templatePath],
      stackTemplates: [
        { stackConstructPath: stack.node.path, templatePath, accountId: stack.account, region: stack.region },
      ],
    });

    const flagged = result.violations
      .filter((v) => v.ruleName === 'CT.RDS.PR.2')
      .flatMap((v) => v.violatingResources.map((r) => r.constructPath));
    expect(flagged).toEqual(['Refs/BucketMonitored']);
  });

  test('every bundled rule file names its resource types and selects resources only by type or by a reference', () => {
    for (const rule of controlTowerRuleFiles()) {
      const text = fs
        .readFileSync(rule.file, 'utf8')
        .split('\n')
        .filter((l) => !l.trim().startsWith('#'))
        .join('\n');
      expect({ file: rule.file, types: rule.resourceTypes.length > 0 }).toEqual({
        file: rule.file,
        types: true,
      });
      // Document-level selections: Resources.*[ Type == … ], Resources[ Type == … ] or %doc.Resources[ keys == … ].
      for (const m of text.matchAll(/\bResources\s*(?:\.\*)?\s*\[\s*(\w+)/g)) {
        expect({ file: rule.file, selector: m[1] }).toEqual({
          file: rule.file,
          selector: expect.stringMatching(/^(Type|keys)$/),
        });
      }
    }
  });
});
