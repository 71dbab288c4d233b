import { Annotations, App, type AppProps } from 'aws-cdk-lib';
import { applySecureDefaults } from './aspects';
import { acknowledgeComplianceFindings } from './checks/compliance-acknowledgements';
import { addValidationPlugins } from './checks/plugins';
import { type AppConfig, keysStackName, secretReplicaRegions, stackName } from './config';
import { DeployRoleStack, type DeployRoleOptions } from './stacks/deploy-role-stack';
import { GlobalMonitoringStack } from './stacks/global-monitoring-stack';
import { KeysStack } from './stacks/keys-stack';
import { RegionSwitchStack } from './stacks/region-switch-stack';
import { RegionalStack } from './stacks/regional-stack';

/** The stacks of one app instance, for bin/app.ts and the tests. */
export interface HaApp {
  readonly app: App;
  readonly primary: RegionalStack;
  readonly secondary: RegionalStack;
  readonly globalMonitoring: GlobalMonitoringStack;
  /** One per replica region (the DR region): its secrets key, deployed before the primary. */
  readonly keys: readonly KeysStack[];
  /** The ARC Region switch plan's stack; only with `failover.regionSwitchPlan.enabled`. */
  readonly regionSwitch?: RegionSwitchStack;
  /** The GitHub deploy role's stack, when asked for (`deployRole`). */
  readonly deployRole?: DeployRoleStack;
}

export interface BuildAppOptions {
  readonly config: AppConfig;
  /** Warnings from config validation, shown at synth. @default [] */
  readonly warnings?: readonly string[];
  /** The app to build into (bin/app.ts passes the CLI's). @default - a new App from appProps */
  readonly app?: App;
  /** Props for a new App (context, outdir), when `app` is not given. @default {} */
  readonly appProps?: AppProps;
  /**
   * Register the policy packs (cdk-nag AwsSolutions, resilience pack). Off only for tests that
   * assert on templates and not on findings.
   * @default true
   */
  readonly validations?: boolean;
  /**
   * Also build the stack of the GitHub Actions deploy role (bin/app.ts: `-c deployRole=true`). It
   * depends on nothing and nothing depends on it: deploy it once, before the first workflow run.
   * @default - no deploy-role stack
   */
  readonly deployRole?: DeployRoleOptions;
}

/**
 * Composes the app from a validated config: a keys stack per replica region (the DR region's
 * secrets key, which the primary's secret replicas are encrypted with), the primary region (after
 * the keys stacks), the DR region (which depends on the primary so `cdk deploy --all` orders them)
 * and the us-east-1 health-check monitoring stack.
 */
export function buildApp(options: BuildAppOptions): HaApp {
  const { config } = options;
  const app = options.app ?? new App(options.appProps);
  const keys = secretReplicaRegions(config).map(
    (region) =>
      new KeysStack(app, keysStackName(config, region), {
        config,
        region,
        description: `${config.appName}: Secrets Manager key of ${region} (deploy before ${stackName(config, 'primary')})`,
      }),
  );
  const keysOf = (region: string) => keys.find((k) => k.region === region);
  const primary = new RegionalStack(app, stackName(config, 'primary'), {
    config,
    role: 'primary',
    description: `${config.appName}: primary region (${config.primary.region})`,
  });
  for (const k of keys) {
    primary.addStackDependency(
      k,
      `The secret replicas in ${k.region} are encrypted with this stack's key (by alias)`,
    );
  }
  const drKeys = keysOf(config.dr.region);
  const secondary = new RegionalStack(app, stackName(config, 'secondary'), {
    config,
    role: 'secondary',
    description: `${config.appName}: DR region (${config.dr.region})`,
    ...(drKeys ? { secretsKeyArn: drKeys.secretsKey.keyArn } : {}),
  });
  if (drKeys)
    secondary.addStackDependency(drKeys, 'Its secrets and the replicas it reads use the keys stack key');
  secondary.addStackDependency(
    primary,
    'The Global Database secondary attaches to the global cluster the primary creates',
  );

  const globalMonitoring = new GlobalMonitoringStack(app, stackName(config, 'global-monitoring'), {
    config,
    description: `${config.appName}: Route 53 health-check alarms (us-east-1, where those metrics live)`,
    healthChecks: [primary, secondary].map((s) => ({
      label: s.ctx.region.region,
      healthCheck: s.dns.healthCheck,
      meaning: `${s.ctx.role === 'primary' ? 'PRIMARY' : 'SECONDARY'} record; ${s.dns.healthCheckPath} is failing`,
    })),
  });
  const regionSwitch = config.failover.regionSwitchPlan.enabled
    ? new RegionSwitchStack(app, stackName(config, 'region-switch'), {
        config,
        primary,
        secondary,
        description: `${config.appName}: ARC Region switch plan (${config.primary.region} <-> ${config.dr.region})`,
      })
    : undefined;
  const deployRole = options.deployRole
    ? new DeployRoleStack(app, stackName(config, 'deploy-role'), {
        config,
        deployRole: options.deployRole,
        description: `${config.appName}: GitHub Actions OIDC deploy role (assumes only the CDK bootstrap roles)`,
      })
    : undefined;
  for (const w of options.warnings ?? []) Annotations.of(secondary).addWarningV2('config:warning', w);

  // Why the compliance packs' remaining findings are acknowledged, per resource (docs/compliance.md).
  for (const stack of [primary, secondary]) acknowledgeComplianceFindings(stack);
  // Control Tower secure defaults (log-group KMS + retention, KMS grant restriction), in one place.
  applySecureDefaults(app);

  if (options.validations ?? true) addValidationPlugins(app);
  return {
    app,
    keys,
    primary,
    secondary,
    globalMonitoring,
    ...(regionSwitch ? { regionSwitch } : {}),
    deployRole,
  };
}
