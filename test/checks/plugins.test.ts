import { App, CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import {
  addValidationPlugins,
  COMPLIANCE_CONTEXT_KEY,
  CONTROL_TOWER_CONTEXT_KEY,
} from '../../lib/checks/plugins';
import { ControlTowerChecks } from '../../lib/checks/control-tower';
import { ResilienceChecks } from '../../lib/checks/resilience-checks';

describe('addValidationPlugins', () => {
  let addPlugins: jest.SpyInstance;
  beforeEach(() => {
    addPlugins = jest.spyOn(Validations.prototype, 'addPlugins');
  });
  afterEach(() => addPlugins.mockRestore());
  const registered = () => addPlugins.mock.calls.flat().map((p: object) => p.constructor);

  test('GIVEN a default app THEN cdk-nag and the resilience pack are registered, and no CloudFormation validator of its own', () => {
    addValidationPlugins(new App());
    expect(registered()).toEqual([AwsSolutionsChecks, ResilienceChecks]);
    // Registering one would replace aws-cdk-lib's default instance.
    expect(addPlugins.mock.calls.flat().some((p) => p instanceof CloudFormationValidatePlugin)).toBe(false);
  });

  test('GIVEN the Control Tower context key THEN its checks are added too', () => {
    addValidationPlugins(new App({ context: { [CONTROL_TOWER_CONTEXT_KEY]: 'true' } }));
    expect(registered()).toEqual([AwsSolutionsChecks, ResilienceChecks, ControlTowerChecks]);
  });

  test('GIVEN the compliance context key THEN the four compliance packs are added, and only then', () => {
    addValidationPlugins(new App({ context: { [COMPLIANCE_CONTEXT_KEY]: 'true' } }));
    expect(registered()).toEqual([
      AwsSolutionsChecks,
      ResilienceChecks,
      NIST80053R5Checks,
      HIPAASecurityChecks,
      PCIDSS321Checks,
      ServerlessChecks,
    ]);
    addPlugins.mockClear();
    addValidationPlugins(new App({ context: { [COMPLIANCE_CONTEXT_KEY]: 'false' } }));
    expect(registered()).toEqual([AwsSolutionsChecks, ResilienceChecks]);
  });
});
