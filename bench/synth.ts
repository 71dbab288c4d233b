/**
 * Full offline synth of every stack vs an empty CDK app, same CLI, launcher (cdk.json's `app`
 * command, bench/empty-app.ts as its entry) and cdk.json flags (built-in CloudFormation validation
 * on for both), interleaved in one run.
 * Two full-app figures: "cold" into a fresh output directory (every asset bundled, as on the first
 * synth after `npm ci`; the budget is judged on this one) and "warm" into an existing cdk.out whose
 * content-hashed assets are unchanged (the edit-synth loop).
 * Both runs load aws-cdk-lib and cdk-nag from the launcher's code cache (bin/compile-cache.js), which
 * the first, uncounted synth fills, as tsx's transform cache and the OS file cache. A last pass times
 * the first synth after `npm ci` too (empty code cache for both apps; reported, not judged).
 * Budget (ARCHITECTURE.md): ratio <= 2.0, goal 1.5.  Usage: npm run bench:synth [-- --runs N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_CACHE_DIR } from '../bin/compile-cache';

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
timeSynth(undefined, warmOut); // fills the warm cdk.out and the OS file cache; not counted
for (let i = 0; i < runs; i++) {
  // Each round times all three back to back (alternating which goes first), so a drift in machine
  // speed across the run shifts a round's figures together and its ratio stays comparable.
  if (i % 2 === 0) empty.push(timeSynth(emptyAppCommand));
  full.push(timeSynth());
  warm.push(timeSynth(undefined, warmOut));
  if (i % 2 === 1) empty.push(timeSynth(emptyAppCommand));
}
// First synth after `npm ci`: node_modules/.cache is gone, so the code cache is empty.
const firstEmpty: number[] = [];
const firstFull: number[] = [];
for (let i = 0; i < Math.min(runs, 3); i++) {
  fs.rmSync(PROJECT_CACHE_DIR, { recursive: true, force: true });
  firstEmpty.push(timeSynth(emptyAppCommand));
  fs.rmSync(PROJECT_CACHE_DIR, { recursive: true, force: true });
  firstFull.push(timeSynth());
}
const ratios = full.map((f, i) => f / empty[i]);
const warmRatios = warm.map((w, i) => w / empty[i]);
fs.rmSync(warmOut, { recursive: true, force: true });
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`,
  runs,
  emptyAppMedianMs: Math.round(median(empty)),
  fullAppMedianMs: Math.round(median(full)),
  /** Median of the per-round ratios (full / empty of the same round): the budget is judged on it. */
  ratio: Number(median(ratios).toFixed(2)),
  ratioOfMedians: Number((median(full) / median(empty)).toFixed(2)),
  warmFullAppMedianMs: Math.round(median(warm)),
  warmRatio: Number(median(warmRatios).toFixed(2)),
  /** Empty code cache (first synth after npm ci): informational, the budget is judged above. */
  firstSynthEmptyAppMedianMs: Math.round(median(firstEmpty)),
  firstSynthFullAppMedianMs: Math.round(median(firstFull)),
  firstSynthRatio: Number(median(firstFull.map((f, i) => f / firstEmpty[i])).toFixed(2)),
  budget: 2.0,
  appCommand,
  emptyAppCommand,
  emptyMs: empty.map(Math.round),
  fullMs: full.map(Math.round),
  warmMs: warm.map(Math.round),
  firstSynthEmptyMs: firstEmpty.map(Math.round),
  firstSynthFullMs: firstFull.map(Math.round),
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
  `| first synth after npm ci (empty code cache): empty app / full app | ` +
    `${result.firstSynthEmptyAppMedianMs} / ${result.firstSynthFullAppMedianMs} | ` +
    `${result.firstSynthEmptyMs.join(', ')} / ${result.firstSynthFullMs.join(', ')} |`,
);
console.log(
  `\nratio cold full / empty = ${result.ratio} (median of per-round ratios ${result.ratios.join(', ')}; ` +
    `ratio of medians ${result.ratioOfMedians}; budget <= ${result.budget}); warm = ${result.warmRatio}; ` +
    `first synth after npm ci = ${result.firstSynthRatio} (not judged)`,
);
if (result.ratio > result.budget) process.exitCode = 1;
