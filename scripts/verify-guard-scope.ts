/**
 * Proves that the Control Tower check's per-rule scopes (lib/checks/guard-scope.ts) find exactly
 * what cfn-guard finds over the whole templates: every relevant rule file, over the default app's
 * templates and over damaged copies of them (properties dropped at random, seeded, so many rules
 * fail in many ways). Run after upgrading @cdklabs/cdk-validator-cfnguard: a new rule that reads
 * resources other than by type would show up here as a difference.
 * Usage: npm run verify:guard-scope [-- --variants N]   (exits 1 on any difference)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { buildApp } from '../lib/app-builder';
import { controlTowerRuleFiles, runScopedGuard, type GuardViolations } from '../lib/checks/control-tower';
import type { CfnTemplate } from '../lib/checks/guard-scope';
import { loadConfig } from '../lib/config';
import { cdkJsonContext } from './cdk-json';

const MAX_BUFFER = 256 * 1024 * 1024;

function parseVariants(argv: readonly string[]): number {
  const i = argv.indexOf('--variants');
  if (i < 0) return 2;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--variants: expected a whole number ≥ 0, got '${argv[i + 1]}'`);
  return n;
}

/** Deterministic PRNG (mulberry32), so a difference can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Drops about a third of the keys in each resource's properties, two levels deep. */
function damaged(template: CfnTemplate, seed: number): CfnTemplate {
  const next = random(seed);
  const prune = (value: unknown, depth: number): unknown => {
    if (depth === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => key.startsWith('Fn::') || key === 'Ref' || next() >= 1 / 3)
        .map(([key, v]) => [key, prune(v, depth - 1)]),
    );
  };
  const resources = Object.entries(template.Resources ?? {}).map(([id, r]) => {
    const properties: unknown = prune(r.Properties, 2);
    return [id, { ...r, Properties: properties }] as const;
  });
  return { ...template, Resources: Object.fromEntries(resources) };
}

/** Findings as comparable lines: rule, template file, resource and the paths it failed at. */
function findings(violations: GuardViolations): string[] {
  return violations
    .flatMap((v) =>
      v.violatingResources.map(
        (r) =>
          `${v.ruleName} ${path.basename(r.templatePath)} ${r.resourceLogicalId} ${[...r.locations].sort().join(',')}`,
      ),
    )
    .sort();
}

function main(): void {
  const variants = parseVariants(process.argv.slice(2));
  const { config, warnings } = loadConfig();
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-guard-scope-'));
  const { app } = buildApp({
    config,
    warnings,
    validations: false,
    appProps: { outdir, context: cdkJsonContext() },
  });
  const assembly = app.synth();
  const originals = assembly.stacks.map((s) => ({
    name: path.basename(s.templateFullPath),
    template: s.template as CfnTemplate,
  }));
  const types = new Set(
    originals.flatMap(({ template }) => Object.values(template.Resources ?? {}).map((r) => r.Type)),
  );
  const rules = controlTowerRuleFiles().filter((r) => r.resourceTypes.some((t) => types.has(t)));
  let differences = 0;
  try {
    for (let variant = 0; variant <= variants; variant++) {
      const dir = fs.mkdtempSync(path.join(outdir, `variant-${variant}-`));
      const templates = originals.map(({ name, template }) => {
        const templatePath = path.join(dir, name);
        const content = variant === 0 ? template : damaged(template, variant);
        fs.writeFileSync(templatePath, JSON.stringify(content));
        return { templatePath, template: content };
      });
      const whole = findings(
        new CfnGuardValidator({
          controlTowerRulesEnabled: false,
          rules: rules.map((r) => r.file),
          maxBuffer: MAX_BUFFER,
        }).validate({
          templatePaths: templates.map((t) => t.templatePath),
          appConstruct: app,
        }).violations,
      );
      const scoped = findings(runScopedGuard(rules, templates, app, MAX_BUFFER));
      const missed = whole.filter((f) => !scoped.includes(f));
      const extra = scoped.filter((f) => !whole.includes(f));
      differences += missed.length + extra.length;
      console.log(
        `${variant === 0 ? 'default app' : `damaged copy ${variant}`}: ${rules.length} rule files, ${whole.length} findings over whole templates, ${scoped.length} over scopes, ${missed.length} missed, ${extra.length} extra`,
      );
      for (const f of missed) console.log(`  missed: ${f}`);
      for (const f of extra) console.log(`  extra:  ${f}`);
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  if (differences > 0) {
    console.error(
      `verify-guard-scope: ${differences} difference(s): the scoped Control Tower check is not sound for these rules`,
    );
    process.exitCode = 1;
  }
}

main();
