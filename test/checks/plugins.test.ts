import { App, CloudFormationValidatePlugin } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addValidationPlugins, CONTROL_TOWER_CONTEXT_KEY } from '../../lib/checks/plugins';
import { ControlTowerChecks } from '../../lib/checks/control-tower';
import { ParallelCloudFormationValidation } from '../../lib/checks/parallel-cfn-validation';
import { ResilienceChecks } from '../../lib/checks/resilience-checks';

/** The plugins registered on an app, in the order aws-cdk-lib will run them. */
function pluginsOf(app: App): unknown[] {
  return (app as unknown as { _validationPlugins: unknown[] })._validationPlugins;
}

describe('addValidationPlugins', () => {
  const saved = process.env.CDK_VALIDATION;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  });

  test('GIVEN a default app THEN cdk-nag and the resilience pack run first, then CloudFormation validation on its worker', () => {
    delete process.env.CDK_VALIDATION;
    const app = new App();
    addValidationPlugins(app);
    const plugins = pluginsOf(app);
    expect(plugins.map((p) => p?.constructor)).toEqual([
      AwsSolutionsChecks,
      ResilienceChecks,
      ParallelCloudFormationValidation,
    ]);
    // It replaces aws-cdk-lib's default instance only because it is one.
    expect(plugins[2]).toBeInstanceOf(CloudFormationValidatePlugin);
    (plugins[2] as ParallelCloudFormationValidation).close();
  });

  test.each([
    ['builtinCloudFormationValidation: false', () => new App({ builtinCloudFormationValidation: false })],
    [
      'CDK_VALIDATION=false (cdk synth --no-validation)',
      () => {
        process.env.CDK_VALIDATION = 'false';
        return new App();
      },
    ],
  ])('GIVEN %s THEN CloudFormation validation stays off, the policy packs do not', (_, makeApp) => {
    const app = makeApp();
    addValidationPlugins(app);
    const plugins = pluginsOf(app);
    expect(plugins.some((p) => p instanceof CloudFormationValidatePlugin)).toBe(false);
    expect(plugins.map((p) => p?.constructor)).toEqual([AwsSolutionsChecks, ResilienceChecks]);
  });

  test('GIVEN the Control Tower context key THEN its checks are added too', () => {
    const app = new App({
      context: { [CONTROL_TOWER_CONTEXT_KEY]: 'true' },
      builtinCloudFormationValidation: false,
    });
    addValidationPlugins(app);
    expect(pluginsOf(app).some((p) => p instanceof ControlTowerChecks)).toBe(true);
  });
});
