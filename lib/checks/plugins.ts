import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { COMPLIANCE_CONTEXT_KEY, compliancePacks } from './compliance';
import { ControlTowerChecks } from './control-tower';
import { ResilienceChecks } from './resilience-checks';

/**
 * Context key that also runs the AWS Control Tower proactive controls (cfn-guard) at synth:
 * `npx cdk synth -c controlTowerChecks=true` (`npm run check`). Off for plain synth: cfn-guard adds
 * ~3.3 s per synth; the integration tests run it once (test/checks/control-tower-app.int.test.ts, in npm run test:integration).
 * See docs/control-tower.md.
 */
export const CONTROL_TOWER_CONTEXT_KEY = 'controlTowerChecks';
export { COMPLIANCE_CONTEXT_KEY } from './compliance';

/**
 * Registers the policy packs the app must pass at synth; call it once the stacks are built.
 *
 * aws-cdk-lib's own CloudFormation validation is not registered here: it is on by default and
 * runs as aws-cdk-lib ships it (`cdk synth --no-validation` turns it off for a fast development
 * synth).
 */
export function addValidationPlugins(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ResilienceChecks());
  if (contextFlag(app, CONTROL_TOWER_CONTEXT_KEY)) Validations.of(app).addPlugins(new ControlTowerChecks());
  // cdk-nag's NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1 and Serverless packs (docs/compliance.md).
  if (contextFlag(app, COMPLIANCE_CONTEXT_KEY)) Validations.of(app).addPlugins(...compliancePacks());
}

function contextFlag(app: App, key: string): boolean {
  const value: unknown = app.node.tryGetContext(key);
  return value === true || value === 'true';
}
