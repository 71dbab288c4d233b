import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp, type HaApp } from '../../lib/app-builder';
import type { DeployRoleOptions } from '../../lib/stacks/deploy-role-stack';
import type { StackInput } from '../../lib/checks';
import { loadConfig, stackName, type AppConfig } from '../../lib/config';
import { testContext } from './context';

export { PROJECT_ROOT } from '../../lib/constructs/local-bundling';

/** The synthesized templates of one app, with the config it was built from. */
export interface SynthesizedTemplates {
  readonly config: AppConfig;
  readonly templates: {
    readonly primary: Template;
    readonly secondary: Template;
    readonly globalMonitoring: Template;
  };
  /** Raw template JSON by stack name. */
  readonly json: Readonly<Record<string, { Resources: Record<string, { Type: string; Properties?: any }> }>>;
  /** Primary, secondary and global-monitoring stacks, in that order, with their regions. */
  readonly stacks: StackInput[];
  /** The cloud assembly (shared by the whole run for defaultApp(): read it, never write to it). */
  readonly assembly: CloudAssembly;
}

export interface SynthesizedApp extends HaApp, SynthesizedTemplates {}

export interface SynthOptions {
  /** Config overrides merged over the defaults. @default none */
  readonly overrides?: unknown;
  /** Run the policy packs (cdk-nag, resilience pack). @default false */
  readonly validations?: boolean;
  /** Run aws-cdk-lib's built-in CloudFormation validator (~2.5 s). @default false */
  readonly builtInValidation?: boolean;
  /** Context merged over testContext(). @default none */
  readonly context?: Record<string, unknown>;
  /** Also build the GitHub deploy role's stack (`-c deployRole=true`). @default none */
  readonly deployRole?: DeployRoleOptions;
}

/** Builds and synthesizes the whole app once, with cdk.json's context (testContext()). */
export function synthApp(options: SynthOptions = {}): SynthesizedApp {
  const { config, warnings } = loadConfig({ overrides: options.overrides });
  const outdir = testOutdir();
  const built = buildApp({
    config,
    warnings,
    validations: options.validations ?? false,
    deployRole: options.deployRole,
    appProps: {
      outdir,
      context: { ...testContext(), ...options.context },
      builtinCloudFormationValidation: options.builtInValidation ?? false,
    },
  });
  return { ...built, ...templatesOf(config, built.app.synth()) };
}

/** Environment variable naming the default app's cloud assembly (written by global-setup.ts). */
export const DEFAULT_APP_ENV = 'HA_REF_TEST_DEFAULT_APP';

/**
 * A new cloud assembly directory for a test's synth, holding the bundles of the run's default app:
 * every asset of this app is hashed from its inputs (AssetHashType.CUSTOM), and aws-cdk-lib skips
 * bundling an asset whose `asset.<hash>` is already in the outdir, as in a reused cdk.out. An asset
 * whose inputs differ gets another hash and is bundled (~1 s per synth saved when none does).
 */
export function testOutdir(prefix = 'cdk-test-'): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const defaultAssembly = process.env[DEFAULT_APP_ENV];
  for (const entry of defaultAssembly ? fs.readdirSync(defaultAssembly) : []) {
    if (entry.startsWith('asset.')) {
      fs.cpSync(path.join(defaultAssembly!, entry), path.join(outdir, entry), { recursive: true });
    }
  }
  return outdir;
}

/**
 * The default app (`synthApp()`: default config, cdk.json's context, no policy packs), synthesized
 * once per `npm test` run by global-setup.ts: for tests that only read its templates. Tests that
 * need the construct tree or another config call synthApp() themselves.
 */
export function defaultApp(): SynthesizedTemplates {
  const directory = process.env[DEFAULT_APP_ENV];
  if (!directory)
    throw new Error(`${DEFAULT_APP_ENV} is not set: run the tests with jest (jest.config.js globalSetup)`);
  return templatesOf(loadConfig().config, new CloudAssembly(directory));
}

function templatesOf(config: AppConfig, assembly: CloudAssembly): SynthesizedTemplates {
  const json = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template]));
  const tpl = (role: Parameters<typeof stackName>[1]) => Template.fromJSON(json[stackName(config, role)]);
  const stacks = (['primary', 'secondary', 'global-monitoring'] as const).map((role) => {
    const stack = assembly.getStackByName(stackName(config, role));
    return { stackName: stack.stackName, region: stack.environment.region, template: stack.template };
  });
  return {
    config,
    json,
    stacks,
    assembly,
    templates: {
      primary: tpl('primary'),
      secondary: tpl('secondary'),
      globalMonitoring: tpl('global-monitoring'),
    },
  };
}

/** Resources of one type in a raw template, as [logicalId, properties]. */
export function resourcesOfType(
  template: { Resources: Record<string, { Type: string; Properties?: any }> },
  type: string,
): [string, any][] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}
