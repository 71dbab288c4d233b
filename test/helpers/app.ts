import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type HaApp } from '../../lib/app-builder';
import { loadConfig, stackName, type AppConfig } from '../../lib/config';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The context `cdk synth` applies from cdk.json: tests must see the same feature flags. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'));
  return cdkJson.context as Record<string, unknown>;
}

export interface SynthesizedApp extends HaApp {
  readonly config: AppConfig;
  readonly templates: {
    readonly primary: Template;
    readonly secondary: Template;
    readonly globalMonitoring: Template;
  };
  /** Raw template JSON by stack name. */
  readonly json: Readonly<Record<string, { Resources: Record<string, { Type: string; Properties?: any }> }>>;
}

export interface SynthOptions {
  /** Config overrides merged over the defaults. @default none */
  readonly overrides?: unknown;
  /** Run the policy packs (cdk-nag, resilience pack). @default false */
  readonly validations?: boolean;
  /** Run aws-cdk-lib's built-in CloudFormation validator (~2.5 s). @default false */
  readonly builtInValidation?: boolean;
}

/** Builds and synthesizes the whole app once, with cdk.json's context. */
export function synthApp(options: SynthOptions = {}): SynthesizedApp {
  const { config, warnings } = loadConfig({ overrides: options.overrides });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-'));
  const built = buildApp({
    config,
    warnings,
    validations: options.validations ?? false,
    appProps: {
      outdir,
      context: cdkJsonContext(),
      builtinCloudFormationValidation: options.builtInValidation ?? false,
    },
  });
  const assembly = built.app.synth();
  const json = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template]));
  const tpl = (role: Parameters<typeof stackName>[1]) => Template.fromJSON(json[stackName(config, role)]);
  return {
    ...built,
    config,
    json,
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
