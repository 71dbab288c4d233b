import { App, CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlTowerChecks } from './control-tower';
import { ParallelCloudFormationValidation } from './parallel-cfn-validation';
import { ResilienceChecks } from './resilience-checks';

/**
 * Context key that also runs the AWS Control Tower proactive controls (cfn-guard) at synth:
 * `npx cdk synth -c controlTowerChecks=true` (`npm run check`). Off for plain synth: cfn-guard adds
 * ~3.3 s per synth and the full synth must stay within 2x an empty app; `npm test` runs it once
 * (test/checks/control-tower-app.test.ts). See docs/control-tower.md.
 */
export const CONTROL_TOWER_CONTEXT_KEY = 'controlTowerChecks';

/**
 * Registers every policy pack the app must pass at synth; call it once the stacks are built.
 *
 * CloudFormation's validator is registered explicitly, as aws-cdk-lib documents (the instance
 * then replaces the default one): ParallelCloudFormationValidation, the same plugin on a worker
 * thread, whose engine starts now, for the app's resource types, while the app synthesizes.
 * It stays off exactly when the built-in one would be (`builtinCloudFormationValidation: false`,
 * `cdk synth --no-validation`, `CDK_VALIDATION=false`).
 */
export function addValidationPlugins(app: App): void {
  const cloudFormation =
    app._builtinCloudFormationValidation && process.env.CDK_VALIDATION !== 'false'
      ? new ParallelCloudFormationValidation()
      : undefined;
  cloudFormation?.prepare([...resourceTypes(app), ...SYNTH_ADDED_TYPES]);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ResilienceChecks());
  const controlTower: unknown = app.node.tryGetContext(CONTROL_TOWER_CONTEXT_KEY);
  if (controlTower === true || controlTower === 'true') {
    Validations.of(app).addPlugins(new ControlTowerChecks());
  }
  // Last: the packs above run on this thread while the worker finishes starting its engine.
  if (cloudFormation) Validations.of(app).addPlugins(cloudFormation);
}

/**
 * Resource types aws-cdk-lib adds to templates at synthesis. (A type added later than this call
 * only costs time: the worker's engine restarts for it.)
 */
const SYNTH_ADDED_TYPES = ['AWS::CDK::Metadata'];

function resourceTypes(app: App): string[] {
  return app.node
    .findAll()
    .filter(CfnResource.isCfnResource)
    .map((r) => r.cfnResourceType);
}
