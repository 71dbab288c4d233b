#!/usr/bin/env node
/**
 * npm run report [-- --json] [--out <cdk.out>] [--fail-on-budget]
 *
 * Prints the resilience report of a synthesized app (run `npm run synth` first).
 * Exit codes: 0 every invariant passes; 1 an invariant fails; 2 usage error or
 * no cloud assembly; 3 (only with --fail-on-budget) a recovery budget is exceeded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnTemplate } from '../lib/checks';
import { AssemblyError, buildReport, renderJson, renderMarkdown, stacksFromManifest } from '../lib/report';

interface Args {
  readonly json: boolean;
  readonly out: string;
  readonly failOnBudget: boolean;
}

const USAGE = 'usage: npm run report -- [--json] [--out <cdk.out directory>] [--fail-on-budget]';

function parseArgs(argv: readonly string[]): Args {
  let json = false;
  let out = 'cdk.out';
  let failOnBudget = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--fail-on-budget') failOnBudget = true;
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
  return { json, out, failOnBudget };
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const dir = path.resolve(args.out);
  const manifestPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    console.error(
      `No cloud assembly at ${dir} (manifest.json not found). Run \`npm run synth\` first, ` +
        'or pass --out <directory> if you synthesized elsewhere.',
    );
    return 2;
  }
  let report;
  try {
    const manifest: unknown = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    const stacks = stacksFromManifest(manifest, (file) => {
      const templatePath = path.join(dir, file);
      if (!fs.existsSync(templatePath)) {
        throw new AssemblyError(`${templatePath} is missing: run \`npm run synth\` again`);
      }
      return JSON.parse(fs.readFileSync(templatePath, 'utf8')) as CfnTemplate;
    });
    report = buildReport(stacks);
  } catch (e) {
    if (e instanceof AssemblyError || e instanceof SyntaxError) {
      console.error(`Cannot read the cloud assembly at ${dir}: ${e.message}. Run \`npm run synth\` first.`);
      return 2;
    }
    throw e;
  }
  process.stdout.write(args.json ? renderJson(report) : renderMarkdown(report));
  if (!report.invariantsPass) {
    console.error('Resilience report: at least one invariant FAILS (see "Not passing" above).');
    return 1;
  }
  if (args.failOnBudget && !report.budgetsPass) {
    console.error('Resilience report: a recovery budget is exceeded (see "Budgets" above).');
    return 3;
  }
  return 0;
}

// `npm run report | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = main();
