#!/usr/bin/env node
/**
 * npm run report [-- --json] [--out <cdk.out>] [--allow-budget-overrun]
 * npm run report -- --compare [--json] [-c config=<file>]
 *
 * Prints the resilience and cost report of a synthesized app (run `npm run synth` first), or,
 * with --compare, synthesizes the app once per DR strategy (offline, in this process) and prints
 * cost against RTO/RPO side by side.
 *
 * Exit codes: 0 every invariant passes and every budget holds; 1 an invariant fails; 2 usage
 * error, no cloud assembly or an unreadable one; 3 a recovery budget is exceeded (relax with
 * --allow-budget-overrun); 4 a partial assembly (a stack without its template, or a stack missing).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CfnTemplate, StackInput } from '../lib/checks';
import {
  AssemblyError,
  buildReport,
  compareProfiles,
  missingStacks,
  PartialAssemblyError,
  renderComparison,
  renderJson,
  renderMarkdown,
  REPORT_EXIT,
  REPORT_JSON_VERSION,
  reportExitCode,
  stacksFromManifest,
} from '../lib/report';
import { ConfigArgError, parseConfigArg } from '../lib/config/cli';
import { cdkJsonContext } from './cdk-json';

interface Args {
  readonly json: boolean;
  readonly out: string;
  readonly allowBudgetOverrun: boolean;
  readonly compare: boolean;
  readonly configFile?: string;
}

const USAGE =
  'usage: npm run report -- [--json] [--out <cdk.out directory>] [--allow-budget-overrun]\n' +
  '       npm run report -- --compare [--json] [-c config=<file>]';

function parseArgs(commandLine: readonly string[]): Args {
  let parsed;
  try {
    parsed = parseConfigArg(commandLine);
  } catch (e) {
    if (!(e instanceof ConfigArgError)) throw e;
    console.error(`${e.message}\n${USAGE}`);
    process.exit(REPORT_EXIT.usage);
  }
  const { configFile, rest: argv } = parsed;
  let json = false;
  let out = 'cdk.out';
  let allowBudgetOverrun = false;
  let compare = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--compare') compare = true;
    else if (arg === '--allow-budget-overrun') allowBudgetOverrun = true;
    // Failing on a budget is the default now; the old flag is still accepted.
    else if (arg === '--fail-on-budget') allowBudgetOverrun = false;
    else if (arg === '--out' && argv[i + 1] !== undefined) out = argv[++i];
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`Unknown argument '${arg}'.\n${USAGE}`);
      process.exit(2);
    }
  }
  return { json, out, allowBudgetOverrun, compare, configFile };
}

function reportAssembly(args: Args): number {
  const dir = path.resolve(args.out);
  const manifestPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    console.error(
      `No cloud assembly at ${dir} (manifest.json not found). Run \`npm run synth\` first, ` +
        'or pass --out <directory> if you synthesized elsewhere.',
    );
    return REPORT_EXIT.usage;
  }
  let report;
  try {
    const manifest: unknown = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    const stacks = stacksFromManifest(manifest, (file) => {
      const templatePath = path.join(dir, file);
      if (!fs.existsSync(templatePath)) {
        throw new PartialAssemblyError(`the manifest lists ${file} but ${templatePath} does not exist`);
      }
      return JSON.parse(fs.readFileSync(templatePath, 'utf8')) as CfnTemplate;
    });
    const missing = missingStacks(manifest, stacks);
    if (missing.length > 0) throw new PartialAssemblyError(`stacks missing: ${missing.join('; ')}`);
    report = buildReport(stacks);
  } catch (e) {
    if (e instanceof PartialAssemblyError) {
      console.error(
        `Partial cloud assembly at ${dir}: ${e.message}. A synth failed half-way; fix the error it printed and run \`npm run synth\` again.`,
      );
      return REPORT_EXIT.partialAssembly;
    }
    if (e instanceof AssemblyError || e instanceof SyntaxError) {
      console.error(`Cannot read the cloud assembly at ${dir}: ${e.message}. Run \`npm run synth\` first.`);
      return REPORT_EXIT.usage;
    }
    throw e;
  }
  process.stdout.write(args.json ? renderJson(report) : renderMarkdown(report));
  const code = reportExitCode(report, args);
  if (code === REPORT_EXIT.invariantFails) {
    console.error('Resilience report: at least one invariant FAILS (see "Not passing" above).');
  } else if (code === REPORT_EXIT.budgetExceeded) {
    console.error(
      'Resilience report: a recovery budget is exceeded (see "Budgets" above); --allow-budget-overrun relaxes this.',
    );
  } else if (!report.budgetsPass) {
    console.error('Resilience report: a recovery budget is exceeded (allowed by --allow-budget-overrun).');
  }
  return code;
}

/** Synthesizes the app with one DR strategy, offline and in this process, with cdk.json's context. */
function synthesizeProfile(drStrategy: string, configFile: string | undefined): StackInput[] {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only for --compare */
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { buildApp } = require('../lib/app-builder') as typeof import('../lib/app-builder');
  const { loadConfig } = require('../lib/config') as typeof import('../lib/config');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { config, warnings } = loadConfig({ configFile, overrides: { drStrategy }, env: process.env });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `ha-ref-compare-${drStrategy}-`));
  try {
    const app = new App({ outdir, context: cdkJsonContext() });
    buildApp({ app, config, warnings, validations: false });
    return app.synth().stacks.map((s) => ({
      stackName: s.stackName,
      region: s.environment.region === 'unknown-region' ? undefined : s.environment.region,
      template: s.template as StackInput['template'],
    }));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function compare(args: Args): number {
  const { ConfigError, DR_STRATEGIES } = require('../lib/config') as typeof import('../lib/config'); // eslint-disable-line @typescript-eslint/no-require-imports
  let runs;
  try {
    runs = DR_STRATEGIES.map((drStrategy) => {
      const stacks = synthesizeProfile(drStrategy, args.configFile);
      return { drStrategy, stacks, report: buildReport(stacks) };
    });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return REPORT_EXIT.usage;
    }
    throw e;
  }
  const rows = compareProfiles(runs);
  process.stdout.write(
    args.json
      ? `${JSON.stringify({ version: REPORT_JSON_VERSION, profiles: rows }, null, 2)}\n`
      : renderComparison(rows),
  );
  const failing = rows.filter((r) => !r.invariantsPass).map((r) => r.drStrategy);
  if (failing.length > 0) {
    console.error(
      `DR strategies with a failing invariant: ${failing.join(', ')} (run npm run report on each).`,
    );
    return REPORT_EXIT.invariantFails;
  }
  return 0;
}

// `npm run report | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const args = parseArgs(process.argv.slice(2));
process.exitCode = args.compare ? compare(args) : reportAssembly(args);
