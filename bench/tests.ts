/**
 * Wall time of `npm test` (jest, all unit and synth tests) and the slowest files, measured from
 * outside the suite (never a timed test). Budget (docs/architecture.md, "Budgets"): <= 60 s on a 2-core machine.
 * Usage: npm run bench:tests
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tests-')), 'jest.json');
const start = process.hrtime.bigint();
const run = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--json', `--outputFile=${out}`],
  {
    cwd: root,
    encoding: 'utf8',
  },
);
const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; startTime: number; endTime: number }[];
};
const files = report.testResults
  .map((r) => ({ file: path.relative(root, r.name), seconds: (r.endTime - r.startTime) / 1000 }))
  .sort((a, b) => b.seconds - a.seconds);
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
  wallSeconds: Number(wallSeconds.toFixed(1)),
  budgetSeconds: 60,
  passed: report.numPassedTests,
  failed: report.numFailedTests,
  slowestFiles: files.slice(0, 10),
};
fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results', 'tests.json'), JSON.stringify(result, null, 2) + '\n');
console.log(
  `npm test: ${result.wallSeconds} s wall (budget ${result.budgetSeconds} s), ${result.passed} passed, ${result.failed} failed`,
);
console.log('| slowest test files | s |\n|---|---|');
for (const f of result.slowestFiles) console.log(`| ${f.file} | ${f.seconds.toFixed(1)} |`);
if (run.status !== 0 || result.wallSeconds > result.budgetSeconds) process.exitCode = 1;
