/*
 * Prints the AWS CLI commands that clear what a rolled-back first deploy leaves behind, so that
 * `cdk deploy --all` can simply be run again:
 *
 *   npm run -s cleanup-commands -- [-c config=<file.json>]   > cleanup.sh   # read it, then run it
 *
 * A first deploy that fails is rolled back by CloudFormation, but some resources are protected on
 * purpose and survive, and each blocks the next attempt by name: the Aurora clusters (deletion
 * protection: the rollback stops in DELETE_FAILED/ROLLBACK_FAILED), the ALBs (deletion
 * protection), the retained global cluster (fixed identifier), the fixed-name secrets (only
 * scheduled for deletion, 7-30 days), the retained snapshot-copy KMS key aliases. Every name here
 * comes from the same config functions the app synthesizes with. Nothing is run: the commands are
 * printed for an operator to read, because they delete data.
 */
import { ConfigArgError, ConfigError, loadConfig, parseConfigArg, type AppConfig } from '../lib/config';
import {
  clusterIdentifier,
  globalClusterIdentifier,
  snapshotKeyAlias,
  stackName,
} from '../lib/config/derived';
import { databaseSecretNames } from '../lib/constructs/database';

/** The cleanup, as a bash script: DR first (it is attached to the primary's global cluster). */
export function cleanupCommands(config: AppConfig): string {
  const primary = config.primary.region;
  const dr = config.dr.region;
  const globalId = globalClusterIdentifier(config);
  const secrets = databaseSecretNames(config);
  const lines = [
    '#!/usr/bin/env bash',
    '# Clears what a rolled-back first deploy leaves behind. DELETES DATA: only for a deploy that never served.',
    'set -uo pipefail',
    '',
  ];
  for (const [role, region] of [
    ['secondary', dr],
    ['primary', primary],
  ] as const) {
    const stack = stackName(config, role);
    const cluster = clusterIdentifier(config, region);
    lines.push(
      `# --- ${stack} (${region})`,
      `aws rds modify-db-cluster --region ${region} --db-cluster-identifier ${cluster} --no-deletion-protection --apply-immediately`,
      // A member of a global cluster cannot be deleted; detach it (DR first, then the writer).
      `aws rds remove-from-global-cluster --region ${region} --global-cluster-identifier ${globalId} ` +
        `--db-cluster-identifier "$(aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${cluster} --query 'DBClusters[0].DBClusterArn' --output text)"`,
      `for alb in $(aws cloudformation describe-stack-resources --region ${region} --stack-name ${stack} ` +
        `--query "StackResources[?ResourceType=='AWS::ElasticLoadBalancingV2::LoadBalancer'].PhysicalResourceId" --output text); do`,
      `  aws elbv2 modify-load-balancer-attributes --region ${region} --load-balancer-arn "$alb" --attributes Key=deletion_protection.enabled,Value=false`,
      'done',
      `aws cloudformation delete-stack --region ${region} --stack-name ${stack}`,
      `aws cloudformation wait stack-delete-complete --region ${region} --stack-name ${stack}`,
      `aws kms delete-alias --region ${region} --alias-name ${snapshotKeyAlias(config)}`,
      '',
    );
  }
  lines.push(
    '# --- global and fixed-name leftovers',
    `aws rds modify-global-cluster --region ${primary} --global-cluster-identifier ${globalId} --no-deletion-protection`,
    `aws rds delete-global-cluster --region ${primary} --global-cluster-identifier ${globalId}`,
    // A replicated secret can only be deleted once its replica is gone; replicas delete at once.
    ...[secrets.master, secrets.appUser].flatMap((name) => [
      `aws secretsmanager remove-regions-from-replication --region ${primary} --secret-id ${name} --remove-replica-regions ${dr}`,
      `aws secretsmanager delete-secret --region ${primary} --secret-id ${name} --force-delete-without-recovery`,
    ]),
    `aws cloudformation delete-stack --region us-east-1 --stack-name ${stackName(config, 'global-monitoring')}`,
  );
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  try {
    const { config } = loadConfig({ configFile: parseConfigArg(process.argv.slice(2)).configFile });
    process.stdout.write(cleanupCommands(config));
  } catch (e) {
    if (!(e instanceof ConfigError || e instanceof ConfigArgError)) throw e;
    console.error(e.message);
    process.exitCode = 1;
  }
}
