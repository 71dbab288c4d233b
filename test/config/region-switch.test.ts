import { ConfigError, loadConfig } from '../../lib/config';

// failover.regionSwitchPlan: off by default, validated before any construct exists.

const plan = (fields: Record<string, unknown>) => ({ failover: { regionSwitchPlan: fields } });

function problems(overrides: unknown): string[] {
  try {
    loadConfig({ overrides });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

describe('failover.regionSwitchPlan', () => {
  test('GIVEN the defaults THEN the plan is off, with approval required and no trigger (the runbook stays the default)', () => {
    const { config, warnings } = loadConfig();
    expect(config.failover.regionSwitchPlan).toEqual({
      enabled: false,
      approvalRequired: true,
      approvalTimeoutMinutes: 60,
      triggerOnAlarm: false,
      triggerMinDelayMinutes: 60,
      recoveryTimeObjectiveMinutes: 30,
    });
    expect(warnings).toEqual([]);
  });

  test('GIVEN enabled with a trigger and approval THEN it is valid without warnings', () => {
    const { config, warnings } = loadConfig({ overrides: plan({ enabled: true, triggerOnAlarm: true }) });
    expect(config.failover.regionSwitchPlan.enabled).toBe(true);
    expect(warnings).toEqual([]);
  });

  test('GIVEN a trigger without approval THEN it is accepted with a warning that promotion has no human decision', () => {
    const { warnings } = loadConfig({
      overrides: plan({ enabled: true, triggerOnAlarm: true, approvalRequired: false }),
    });
    expect(warnings).toEqual([expect.stringMatching(/^failover\.regionSwitchPlan: .* no human decision/)]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a trigger on a disabled plan',
      { triggerOnAlarm: true },
      /^failover\.regionSwitchPlan\.triggerOnAlarm: has no effect while failover\.regionSwitchPlan\.enabled is false; set .*enabled to true, or triggerOnAlarm to false$/,
    ],
    [
      'an approver role of another account',
      { enabled: true, approverRoleArn: 'arn:aws:iam::999999999999:role/oncall' },
      /^failover\.regionSwitchPlan\.approverRoleArn: must be a role of primary\.account \(111111111111\)/,
    ],
    [
      'an approver role without an approval step',
      { enabled: true, approvalRequired: false, approverRoleArn: 'arn:aws:iam::111111111111:role/oncall' },
      /^failover\.regionSwitchPlan\.approverRoleArn: is only used by the approval step; set .*approvalRequired to true/,
    ],
    [
      'an approver that is not a role ARN',
      { enabled: true, approverRoleArn: 'oncall' },
      /^failover\.regionSwitchPlan\.approverRoleArn: must be an IAM role ARN/,
    ],
    [
      'an RTO beyond a week',
      { enabled: true, recoveryTimeObjectiveMinutes: 20000 },
      /^failover\.regionSwitchPlan\.recoveryTimeObjectiveMinutes: must be 1-10080 minutes$/,
    ],
    [
      'an unknown key',
      { enable: true },
      /^failover\.regionSwitchPlan\.enable: unknown key .* allowed keys: enabled, approvalRequired/,
    ],
  ])('GIVEN %s THEN validation names the field and the fix', (_label, fields, message) => {
    expect(problems(plan(fields))).toEqual([expect.stringMatching(message)]);
  });
});
