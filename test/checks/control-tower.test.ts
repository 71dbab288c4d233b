import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
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
