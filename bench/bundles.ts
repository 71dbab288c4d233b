/*
 * Lambda bundle budget (ARCHITECTURE.md "Budgets"): each bundle minified, AWS SDK and Powertools
 * left to the runtime/layer, <= 20 KB.
 *
 * For every lambda/<name>/index.ts and lambda/<group>/<name>/index.ts (lambda/shared is library
 * code) this builds the bundle with the options of SHARED_BUNDLING (the same esbuild the CDK uses),
 * then measures:
 *   - size: minified bytes, and gzip bytes (what the deployment zip roughly costs);
 *   - cold load: a fresh `node -e` per run (median of N runs) that first requires the external
 *     AWS SDK clients the bundle imports (timed: "SDK ms", paid on Lambda too, from the runtime),
 *     then requires the bundle itself (timed: "bundle ms", the code this budget is about).
 *     "cold require ms" is the sum: what a cold start spends loading the handler module.
 * Prints a table and writes bench/results/bundles.json. Exit code 1 if any bundle is over budget.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { buildSync } from 'esbuild';
import { SHARED_BUNDLING } from '../lib/constructs/lambda-defaults';

const ROOT = path.resolve(__dirname, '..');
const BUDGET_BYTES = 20 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface BundleResult {
  readonly name: string;
  readonly entry: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly externals: string[];
  /** SDK externals + bundle, fresh process (median). */
  readonly coldRequireMsMedian: number;
  /** The bundle alone, after its externals were loaded (median). */
  readonly bundleOnlyMsMedian: number;
  /** The external SDK clients alone (median). */
  readonly sdkMsMedian: number;
  readonly withinBudget: boolean;
}

function entries(): { name: string; entry: string }[] {
  const lambdaDir = path.join(ROOT, 'lambda');
  const found: { name: string; entry: string }[] = [];
  const walk = (dir: string, depth: number) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!d.isDirectory() || d.name === 'shared' || d.name === 'node_modules') continue;
      const sub = path.join(dir, d.name);
      const index = path.join(sub, 'index.ts');
      if (fs.existsSync(index)) found.push({ name: path.relative(lambdaDir, sub), entry: index });
      else if (depth < 2) walk(sub, depth + 1);
    }
  };
  walk(lambdaDir, 1);
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * In a fresh Node process: time require() of the externals, then of the bundle. NODE_PATH finds
 * the SDK in node_modules (on Lambda it comes from the runtime).
 */
function timeRequire(bundle: string, externals: string[], cwd: string): { sdk: number; bundle: number } {
  const req = (m: string) => `require(${JSON.stringify(m)});`;
  const script =
    'const now=()=>Number(process.hrtime.bigint())/1e6;' +
    `let t=now();${externals.map(req).join('')}const sdk=now()-t;` +
    `t=now();${req(bundle)}const own=now()-t;` +
    'process.stdout.write(JSON.stringify({sdk,bundle:own}))';
  const out = execFileSync(process.execPath, ['--no-warnings', '-e', script], {
    cwd,
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), AWS_REGION: 'us-east-1' },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { sdk: number; bundle: number };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundles-'));
  const results: BundleResult[] = [];
  for (const { name, entry } of entries()) {
    const outfile = path.join(outDir, name.replace(/\//g, '__'), 'index.js');
    buildSync({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      minify: SHARED_BUNDLING.minify,
      sourcemap: SHARED_BUNDLING.sourceMap,
      target: SHARED_BUNDLING.target,
      format: SHARED_BUNDLING.format === 'esm' ? 'esm' : 'cjs',
      external: [...(SHARED_BUNDLING.externalModules ?? [])],
      logLevel: 'silent',
    });
    const code = fs.readFileSync(outfile);
    const externals = [
      ...new Set(
        [
          ...code.toString('utf8').matchAll(/require\("(@aws-sdk\/[^"]+|@aws-lambda-powertools\/[^"]+)"\)/g),
        ].map((m) => m[1]),
      ),
    ].sort();
    const runs = Array.from({ length: RUNS }, () => timeRequire(outfile, externals, outDir));
    results.push({
      name,
      entry: path.relative(ROOT, entry),
      bytes: code.length,
      gzipBytes: zlib.gzipSync(code).length,
      externals,
      coldRequireMsMedian: round(median(runs.map((r) => r.sdk + r.bundle))),
      bundleOnlyMsMedian: round(median(runs.map((r) => r.bundle))),
      sdkMsMedian: round(median(runs.map((r) => r.sdk))),
      withinBudget: code.length <= BUDGET_BYTES,
    });
  }
  fs.rmSync(outDir, { recursive: true, force: true });

  const rows = results.map((r) => [
    r.name,
    kb(r.bytes),
    kb(r.gzipBytes),
    String(r.coldRequireMsMedian),
    String(r.bundleOnlyMsMedian),
    String(r.sdkMsMedian),
    r.withinBudget ? 'ok' : 'OVER',
    r.externals.join(' '),
  ]);
  const header = [
    'bundle',
    'minified KB',
    'gzip KB',
    'cold require ms',
    'bundle ms',
    'SDK ms',
    '<=20 KB',
    'external (runtime)',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((row) => console.log(line(row)));
  console.log(
    `\nNode ${process.version}, ${RUNS} fresh processes per bundle (median); budget ${BUDGET_BYTES} bytes per bundle.`,
  );

  const resultsDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(
    path.join(resultsDir, 'bundles.json'),
    JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        runsPerBundle: RUNS,
        budgetBytes: BUDGET_BYTES,
        esbuild: {
          minify: SHARED_BUNDLING.minify,
          target: SHARED_BUNDLING.target,
          format: SHARED_BUNDLING.format,
          external: SHARED_BUNDLING.externalModules,
        },
        bundles: results,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`Wrote ${path.relative(ROOT, path.join(resultsDir, 'bundles.json'))}`);
  const over = results.filter((r) => !r.withinBudget);
  if (over.length > 0) {
    console.error(`Over budget: ${over.map((r) => `${r.name} (${r.bytes} bytes)`).join(', ')}`);
    process.exitCode = 1;
  }
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const round = (ms: number) => Math.round(ms * 10) / 10;

main();
