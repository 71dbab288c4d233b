/**
 * Full offline synth of every stack vs an empty CDK app (bench/empty-app.ts), both run by the same
 * CLI, the same runner (cdk.json's `app` command, with the other entry file) and cdk.json's flags,
 * built-in CloudFormation validation on for both; interleaved in one run.
 * Two full-app figures: "cold" into a fresh output directory (every asset bundled; the budget is
 * judged on this one) and "warm" into an existing cdk.out whose content-hashed assets are unchanged
 * (the edit-synth loop). A first, uncounted synth fills tsx's transform cache and the OS file cache.
 * Budget (docs/architecture.md, "Budgets"): ratio <= 2.5, goal 2.0.
 * Usage: npm run bench:synth [-- --runs N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BUDGET = 2.5;
const GOAL = 2.0;
const root = path.resolve(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const cdk = path.join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
// The empty app runs with exactly the app's runner and flags: cdk.json's command, other entry.
const appCommand = (JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { app: string }).app;
if (!appCommand.includes('bin/app.ts'))
  throw new Error(`cdk.json "app" (${appCommand}) does not run bin/app.ts`);
const emptyAppCommand = appCommand.replace('bin/app.ts', 'bench/empty-app.ts');

function timeSynth(app?: string, reuseOut?: string): number {
  const out = reuseOut ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const args = [cdk, 'synth', '--quiet', '-o', out, ...(app ? ['--app', app] : [])];
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!reuseOut) fs.rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`synth failed (${app ?? 'full app'}):\n${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const full: number[] = [];
const warm: number[] = [];
const empty: number[] = [];
const warmOut = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-warm-'));
timeSynth(undefined, warmOut); // fills the warm cdk.out, tsx's cache and the OS file cache; not counted
for (let i = 0; i < runs; i++) {
  // Each round times all three back to back (alternating which goes first), so a drift in machine
  // speed across the run shifts a round's figures together and its ratio stays comparable.
  if (i % 2 === 0) empty.push(timeSynth(emptyAppCommand));
  full.push(timeSynth());
  warm.push(timeSynth(undefined, warmOut));
  if (i % 2 === 1) empty.push(timeSynth(emptyAppCommand));
}
fs.rmSync(warmOut, { recursive: true, force: true });
const ratios = full.map((f, i) => f / empty[i]);
const warmRatios = warm.map((w, i) => w / empty[i]);
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}, load average at end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
  runs,
  emptyAppMedianMs: Math.round(median(empty)),
  fullAppMedianMs: Math.round(median(full)),
  /** Median of the per-round ratios (full / empty of the same round): the budget is judged on it. */
  ratio: Number(median(ratios).toFixed(2)),
  ratioOfMedians: Number((median(full) / median(empty)).toFixed(2)),
  warmFullAppMedianMs: Math.round(median(warm)),
  warmRatio: Number(median(warmRatios).toFixed(2)),
  budget: BUDGET,
  goal: GOAL,
  appCommand,
  emptyAppCommand,
  emptyMs: empty.map(Math.round),
  fullMs: full.map(Math.round),
  warmMs: warm.map(Math.round),
  ratios: ratios.map((r) => Number(r.toFixed(2))),
};
fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results', 'synth.json'), JSON.stringify(result, null, 2) + '\n');
console.log('| app | median synth (ms) | runs (ms) |');
console.log('|---|---|---|');
console.log(`| empty CDK app | ${result.emptyAppMedianMs} | ${result.emptyMs.join(', ')} |`);
console.log(`| full app, cold (fresh cdk.out) | ${result.fullAppMedianMs} | ${result.fullMs.join(', ')} |`);
console.log(
  `| full app, warm (unchanged assets) | ${result.warmFullAppMedianMs} | ${result.warmMs.join(', ')} |`,
);
console.log(
  `\nratio cold full / empty = ${result.ratio} (median of per-round ratios ${result.ratios.join(', ')}; ` +
    `ratio of medians ${result.ratioOfMedians}; budget <= ${BUDGET}, goal ${GOAL}); warm = ${result.warmRatio}`,
);
if (result.ratio > BUDGET) process.exitCode = 1;
