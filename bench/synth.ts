/**
 * Full offline synth of every stack vs an empty CDK app, same CLI, runner (tsx) and cdk.json
 * flags (built-in CloudFormation validation on for both), interleaved in one run.
 * Budget (ARCHITECTURE.md): ratio <= 2.0, goal 1.5.  Usage: npm run bench:synth [-- --runs N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const cdk = path.join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));

function timeSynth(app?: string): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const args = [cdk, 'synth', '--quiet', '-o', out, ...(app ? ['--app', app] : [])];
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`synth failed (${app ?? 'full app'}):\n${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const full: number[] = [];
const empty: number[] = [];
timeSynth(); // warm the file cache and esbuild once; not counted
for (let i = 0; i < runs; i++) {
  empty.push(timeSynth('npx tsx bench/empty-app.ts'));
  full.push(timeSynth());
}
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`,
  runs,
  emptyAppMedianMs: Math.round(median(empty)),
  fullAppMedianMs: Math.round(median(full)),
  ratio: Number((median(full) / median(empty)).toFixed(2)),
  budget: 2.0,
  emptyMs: empty.map(Math.round),
  fullMs: full.map(Math.round),
};
fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results', 'synth.json'), JSON.stringify(result, null, 2) + '\n');
console.log('| app | median synth (ms) | runs (ms) |');
console.log('|---|---|---|');
console.log(`| empty CDK app | ${result.emptyAppMedianMs} | ${result.emptyMs.join(', ')} |`);
console.log(`| full app (3 stacks) | ${result.fullAppMedianMs} | ${result.fullMs.join(', ')} |`);
console.log(`\nratio full / empty = ${result.ratio} (budget <= ${result.budget})`);
if (result.ratio > result.budget) process.exitCode = 1;
