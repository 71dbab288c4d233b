import { App, Validations } from 'aws-cdk-lib';
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

/** Registers every policy pack the app must pass at synth. */
export function addValidationPlugins(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ResilienceChecks());
  const controlTower: unknown = app.node.tryGetContext(CONTROL_TOWER_CONTEXT_KEY);
  if (controlTower === true || controlTower === 'true') {
    Validations.of(app).addPlugins(new ControlTowerChecks());
  }
}
