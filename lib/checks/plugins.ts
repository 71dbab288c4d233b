import { App, CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlTowerChecks } from './control-tower';
import { ResilienceChecks } from './resilience-checks';

/**
 * Context key that also runs the AWS Control Tower proactive controls (cfn-guard) at synth:
 * `npx cdk synth -c controlTowerChecks=true` (`npm run check`). Off for plain synth: cfn-guard adds
 * ~5 s per synth and the full synth must stay within 2x an empty app; `npm test` runs it once
 * (test/checks/control-tower-app.test.ts). See docs/control-tower.md.
 */
export const CONTROL_TOWER_CONTEXT_KEY = 'controlTowerChecks';

/**
 * Registers every policy pack the app must pass at synth.
 *
 * CloudFormation's built-in validator is registered explicitly, first, as aws-cdk-lib documents
 * (it then replaces the default instance, which would otherwise run last): its WASM engine triggers
 * ~20 full garbage collections while it initializes, and running before cdk-nag has loaded ~40
 * service modules the app does not use (~13 MB of source) makes each one walk a smaller heap.
 * It stays off exactly when the built-in one would be (`builtinCloudFormationValidation: false`,
 * `cdk synth --no-validation`, `CDK_VALIDATION=false`).
 */
export function addValidationPlugins(app: App): void {
  if (app._builtinCloudFormationValidation && process.env.CDK_VALIDATION !== 'false') {
    Validations.of(app).addPlugins(new CloudFormationValidatePlugin());
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ResilienceChecks());
  const controlTower: unknown = app.node.tryGetContext(CONTROL_TOWER_CONTEXT_KEY);
  if (controlTower === true || controlTower === 'true') {
    Validations.of(app).addPlugins(new ControlTowerChecks());
  }
}
