import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlTowerChecks } from './control-tower';
import { ResilienceChecks } from './resilience-checks';

/**
 * Context key that also runs the AWS Control Tower proactive controls (cfn-guard) at synth:
 * `npx cdk synth -c controlTowerChecks=true` (`npm run check`). Off for plain synth: cfn-guard adds
 * ~3.3 s per synth; `npm test` runs it once (test/checks/control-tower-app.test.ts).
 * See docs/control-tower.md.
 */
export const CONTROL_TOWER_CONTEXT_KEY = 'controlTowerChecks';

/**
 * Registers the policy packs the app must pass at synth; call it once the stacks are built.
 *
 * aws-cdk-lib's own CloudFormation validation is not registered here: it is on by default and
 * runs as aws-cdk-lib ships it (`cdk synth --no-validation` turns it off for a fast development
 * synth).
 */
export function addValidationPlugins(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ResilienceChecks());
  const controlTower: unknown = app.node.tryGetContext(CONTROL_TOWER_CONTEXT_KEY);
  if (controlTower === true || controlTower === 'true') {
    Validations.of(app).addPlugins(new ControlTowerChecks());
  }
}
