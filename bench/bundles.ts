/*
 * Lambda bundle budget (docs/architecture.md, "Budgets"): each bundle minified, AWS SDK and Powertools
 * left to the runtime/layer, <= 20 KB.
 *
 * For every lambda/<name>/index.ts and lambda/<group>/<name>/index.ts (lambda/shared is library
 * code) this builds the bundle with the options its construct deploys it with (SHARED_BUNDLING, or
 * a function's own options, e.g. DB_BOOTSTRAP_BUNDLING, which leaves `pg` to the pg layer) and the
 * same esbuild options the app bundles with (lambdaBuildOptions), then measures:
 *   - size: minified bytes, and gzip bytes (what the deployment zip roughly costs);
 *   - cold load: a fresh `node -e` per run (median of N runs) that first requires the external
 *     AWS SDK clients the bundle imports (timed: "SDK ms", paid on Lambda too, from the runtime),
 *     then the modules it takes from a layer, loaded from the built layer as Lambda does from
 *     /opt/nodejs/node_modules (timed: "layer ms"), then the bundle itself (timed: "bundle ms",
 *     the code this budget is about). "cold require ms" is the sum: what a cold start spends
 *     loading the handler module.
 * Layers (built with the recipe their construct uses) are reported separately, for information:
 * they are shared code outside the per-function budget, like the Powertools layer.
 * Prints tables and writes bench/results/bundles.json. Exit code 1 if any bundle is over budget.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { buildSync } from 'esbuild';
import { DB_BOOTSTRAP_BUNDLING } from '../lib/constructs/db-bootstrap';
import { lambdaBuildOptions, SHARED_BUNDLING, type LambdaBundling } from '../lib/constructs/lambda-defaults';
import { buildPgLayer, PG_LAYER_MODULES } from '../lib/constructs/pg-layer';

const ROOT = path.resolve(__dirname, '..');
const BUDGET_BYTES = 20 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** A layer a function takes modules from: built once, outside the per-function budget. */
interface LayerSpec {
  readonly name: string;
  readonly modules: readonly string[];
  /** Writes the layer contents (nodejs/node_modules/...) under a directory; returns the main file. */
  readonly build: (outputDir: string) => string;
}

const PG_LAYER: LayerSpec = { name: 'pg', modules: PG_LAYER_MODULES, build: buildPgLayer };

/** Functions deployed with other than SHARED_BUNDLING: their options and layers, as their construct sets them. */
const OVERRIDES: Readonly<Record<string, { bundling: LambdaBundling; layers: readonly LayerSpec[] }>> = {
  'db-bootstrap': { bundling: DB_BOOTSTRAP_BUNDLING, layers: [PG_LAYER] },
};

interface BundleResult {
  readonly name: string;
  readonly entry: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Modules required from the runtime (AWS SDK, Powertools). */
  readonly externals: string[];
  /** Layers the function takes modules from (reported under `layers`, not counted here). */
  readonly layers: string[];
  /** SDK externals + layer modules + bundle, fresh process (median). */
  readonly coldRequireMsMedian: number;
  /** The bundle alone, after its externals were loaded (median). */
  readonly bundleOnlyMsMedian: number;
  /** The external SDK clients alone (median). */
  readonly sdkMsMedian: number;
  /** The layer modules alone, after the SDK (median); 0 without layers. */
  readonly layerMsMedian: number;
  readonly withinBudget: boolean;
}

interface LayerResult {
  readonly name: string;
  readonly modules: readonly string[];
  readonly usedBy: string[];
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Outside the per-function budget (shared code, like the Powertools layer). */
  readonly countsTowardsBudget: false;
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
 * In a fresh Node process: time require() of the SDK externals, then of the layer modules, then
 * of the bundle. NODE_PATH finds the layer modules first in the built layers' nodejs/node_modules
 * (as Lambda does in /opt/nodejs/node_modules), then the SDK in node_modules (on Lambda it comes
 * from the runtime).
 */
function timeRequire(
  bundle: string,
  externals: string[],
  layerModules: readonly string[],
  layerPaths: string[],
  cwd: string,
): { sdk: number; layer: number; bundle: number } {
  const req = (m: string) => `require(${JSON.stringify(m)});`;
  const script =
    'const now=()=>Number(process.hrtime.bigint())/1e6;' +
    `let t=now();${externals.map(req).join('')}const sdk=now()-t;` +
    `t=now();${layerModules.map(req).join('')}const layer=now()-t;` +
    `t=now();${req(bundle)}const own=now()-t;` +
    'process.stdout.write(JSON.stringify({sdk,layer,bundle:own}))';
  const out = execFileSync(process.execPath, ['--no-warnings', '-e', script], {
    cwd,
    env: {
      ...process.env,
      NODE_PATH: [...layerPaths, path.join(ROOT, 'node_modules')].join(path.delimiter),
      AWS_REGION: 'us-east-1',
    },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { sdk: number; layer: number; bundle: number };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundles-'));
  const results: BundleResult[] = [];
  const layers = new Map<LayerSpec, { dir: string; result: LayerResult }>();
  const layerFor = (spec: LayerSpec) => {
    let built = layers.get(spec);
    if (!built) {
      const dir = path.join(outDir, `layer-${spec.name}`);
      const file = spec.build(dir);
      const code = fs.readFileSync(file);
      built = {
        dir,
        result: {
          name: spec.name,
          modules: spec.modules,
          usedBy: [],
          file: path.relative(dir, file),
          bytes: code.length,
          gzipBytes: zlib.gzipSync(code).length,
          countsTowardsBudget: false,
        },
      };
      layers.set(spec, built);
    }
    return built;
  };

  for (const { name, entry } of entries()) {
    const { bundling, layers: specs } = OVERRIDES[name] ?? { bundling: SHARED_BUNDLING, layers: [] };
    const outfile = path.join(outDir, name.replace(/\//g, '__'), 'index.js');
    buildSync(lambdaBuildOptions(entry, outfile, bundling));
    const code = fs.readFileSync(outfile);
    const text = code.toString('utf8');
    const externals = [
      ...new Set(
        [...text.matchAll(/require\("(@aws-sdk\/[^"]+|@aws-lambda-powertools\/[^"]+)"\)/g)].map((m) => m[1]),
      ),
    ].sort();
    const builtLayers = specs.map(layerFor);
    builtLayers.forEach((l) => l.result.usedBy.push(name));
    // Only the layer modules the bundle really requires.
    const layerModules = specs
      .flatMap((l) => l.modules)
      .filter((m) => text.includes(`require(${JSON.stringify(m)})`));
    const layerPaths = builtLayers.map((l) => path.join(l.dir, 'nodejs', 'node_modules'));
    const runs = Array.from({ length: RUNS }, () =>
      timeRequire(outfile, externals, layerModules, layerPaths, outDir),
    );
    results.push({
      name,
      entry: path.relative(ROOT, entry),
      bytes: code.length,
      gzipBytes: zlib.gzipSync(code).length,
      externals,
      layers: specs.map((l) => l.name),
      coldRequireMsMedian: round(median(runs.map((r) => r.sdk + r.layer + r.bundle))),
      bundleOnlyMsMedian: round(median(runs.map((r) => r.bundle))),
      sdkMsMedian: round(median(runs.map((r) => r.sdk))),
      layerMsMedian: round(median(runs.map((r) => r.layer))),
      withinBudget: code.length <= BUDGET_BYTES,
    });
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  const layerResults = [...layers.values()].map((l) => l.result);

  printTable(
    [
      'bundle',
      'minified KB',
      'gzip KB',
      'cold require ms',
      'bundle ms',
      'SDK ms',
      'layer ms',
      '<=20 KB',
      'external (runtime / layer)',
    ],
    results.map((r) => [
      r.name,
      kb(r.bytes),
      kb(r.gzipBytes),
      String(r.coldRequireMsMedian),
      String(r.bundleOnlyMsMedian),
      String(r.sdkMsMedian),
      r.layers.length > 0 ? String(r.layerMsMedian) : '-',
      r.withinBudget ? 'ok' : 'OVER',
      [...r.externals, ...r.layers.map((l) => `layer:${l}`)].join(' '),
    ]),
  );
  console.log(
    `\nNode ${process.version}, ${RUNS} fresh processes per bundle (median); budget ${BUDGET_BYTES} bytes per bundle.`,
  );
  if (layerResults.length > 0) {
    console.log('\nLayers (shared code, outside the per-function budget; for information):');
    printTable(
      ['layer', 'file', 'minified KB', 'gzip KB', 'used by'],
      layerResults.map((l) => [l.name, l.file, kb(l.bytes), kb(l.gzipBytes), l.usedBy.join(' ')]),
    );
  }

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
          external: SHARED_BUNDLING.external,
          perFunctionExternal: Object.fromEntries(
            Object.entries(OVERRIDES).map(([name, o]) => [name, o.bundling.external]),
          ),
        },
        bundles: results,
        layers: layerResults,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nWrote ${path.relative(ROOT, path.join(resultsDir, 'bundles.json'))}`);
  const over = results.filter((r) => !r.withinBudget);
  if (over.length > 0) {
    console.error(`Over budget: ${over.map((r) => `${r.name} (${r.bytes} bytes)`).join(', ')}`);
    process.exitCode = 1;
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((row) => console.log(line(row)));
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const round = (ms: number) => Math.round(ms * 10) / 10;

main();
