/*
 * What the deploy workflow needs to know about one config, as `key=value` lines for $GITHUB_OUTPUT:
 *
 *   npm run -s deploy-plan -- -c config=<file.json>
 *
 * Stack names come from the same function the app names its stacks with; the lookup role is the
 * CDK bootstrap role the smoke test reads through (the app's bootstrap qualifier respected).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigError,
  keysStackName,
  loadConfig,
  parseConfigArg,
  secretReplicaRegions,
  stackName,
  type AppConfig,
} from '../lib/config';
import { ROUTE53_METRICS_REGION } from '../lib/stacks/global-monitoring-stack';
import {
  BOOTSTRAP_QUALIFIER_CONTEXT,
  bootstrapQualifier,
  bootstrapRoleArn,
} from '../lib/delivery/bootstrap-roles';

/**
 * The plan's outputs, in the order the workflow uses them: the keys stack first (the primary's
 * secret replicas are encrypted with its key), then primary, DR and monitoring.
 */
export function deployPlan(config: AppConfig, qualifier: string): Record<string, string> {
  const replicaRegions = secretReplicaRegions(config);
  // deploy.yml has one keys-stack step: the app replicates to the one DR region.
  if (replicaRegions.length !== 1) {
    throw new Error(`deploy-plan: expected one secret replica region, found ${replicaRegions.join(', ')}`);
  }
  return {
    keys_stack: keysStackName(config, replicaRegions[0]),
    primary_stack: stackName(config, 'primary'),
    secondary_stack: stackName(config, 'secondary'),
    monitoring_stack: stackName(config, 'global-monitoring'),
    account: config.primary.account,
    primary_region: config.primary.region,
    dr_region: config.dr.region,
    dr_strategy: config.drStrategy,
    lookup_role_arn: bootstrapRoleArn(
      'lookup-role',
      qualifier,
      config.primary.account,
      ROUTE53_METRICS_REGION,
    ),
  };
}

/** cdk.json's bootstrap qualifier, if the app sets one. */
export function appQualifier(cdkJsonPath = path.resolve(__dirname, '..', 'cdk.json')): string {
  const cdkJson = JSON.parse(fs.readFileSync(cdkJsonPath, 'utf8')) as { context?: Record<string, unknown> };
  return bootstrapQualifier(cdkJson.context?.[BOOTSTRAP_QUALIFIER_CONTEXT]);
}

if (require.main === module) {
  try {
    const { config } = loadConfig({ configFile: parseConfigArg(process.argv.slice(2)).configFile });
    const plan = deployPlan(config, appQualifier());
    process.stdout.write(
      Object.entries(plan)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exitCode = 1;
  }
}
