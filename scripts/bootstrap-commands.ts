/*
 * Prints the `cdk bootstrap` command for the environments a config deploys to: the primary and DR
 * regions and us-east-1 (where the Route 53 health-check alarms live), in the config's account.
 *
 *   npm run -s bootstrap-commands -- -c config=<file.json>
 *
 * Nothing is run: bootstrapping creates an IAM role set and a staging bucket in each region, so the
 * command is printed for the operator to read and run with the deployer's credentials.
 */
import { ConfigArgError, ConfigError, isPlaceholderAccount, loadConfig, parseConfigArg } from '../lib/config';
import type { AppConfig } from '../lib/config';
import { ROUTE53_METRICS_REGION } from '../lib/stacks/global-monitoring-stack';

/** The regions the app deploys to, each once: primary, DR, then the monitoring region. */
export function deployRegions(config: AppConfig): string[] {
  return [...new Set([config.primary.region, config.dr.region, ROUTE53_METRICS_REGION])];
}

/** One `npx cdk bootstrap` for every environment of the config. */
export function bootstrapCommand(config: AppConfig, configFile: string): string {
  if (isPlaceholderAccount(config.primary.account)) {
    throw new ConfigError([
      {
        path: 'primary.account',
        value: config.primary.account,
        message: `is the shipped placeholder: write your account into ${configFile} (start from config/example.json)`,
      },
    ]);
  }
  const environments = deployRegions(config).map((r) => `aws://${config.primary.account}/${r}`);
  return `npx cdk bootstrap ${environments.join(' ')} -c config=${configFile}\n`;
}

if (require.main === module) {
  try {
    const { configFile } = parseConfigArg(process.argv.slice(2));
    if (!configFile)
      throw new ConfigArgError('usage: npm run -s bootstrap-commands -- -c config=<file.json>');
    const { config } = loadConfig({ configFile });
    process.stdout.write(bootstrapCommand(config, configFile));
  } catch (e) {
    if (!(e instanceof ConfigError || e instanceof ConfigArgError)) throw e;
    console.error(e.message);
    process.exitCode = 1;
  }
}
