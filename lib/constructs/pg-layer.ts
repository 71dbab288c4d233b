import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { Construct } from 'constructs';
import { SHARED_BUNDLING, SHARED_FUNCTION_PROPS } from './lambda-defaults';
import { localBundling, PROJECT_ROOT } from './local-bundling';

/** Modules the layer provides: a function that uses it marks these external in its bundling. */
export const PG_LAYER_MODULES: readonly string[] = ['pg'];

/** Where the driver sits in the layer: Lambda puts /opt/nodejs/node_modules on the Node.js module path. */
export const PG_LAYER_ENTRY = path.join('nodejs', 'node_modules', 'pg', 'index.js');

/** Bumped when the recipe below changes in a way the inputs of pgLayerHash() do not show. */
const RECIPE_VERSION = 1;

/**
 * esbuild options for the layer: pg and all its dependencies in one minified CJS file for the
 * function runtime. pg-native (the optional libpq binding) is never used, so it stays external:
 * pg requires it lazily, only when asked for `pg.native`.
 */
export function pgLayerBuildOptions(outfile: string): BuildOptions {
  return {
    entryPoints: ['pg'],
    absWorkingDir: PROJECT_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    minify: true,
    sourcemap: false,
    target: SHARED_BUNDLING.target,
    format: 'cjs',
    external: ['pg-native'],
    legalComments: 'none',
    logLevel: 'silent',
  };
}

/**
 * Writes the layer contents under `outputDir`: nodejs/node_modules/pg/{index.js,package.json,LICENSE}.
 * Returns the path of the bundled index.js.
 */
export function buildPgLayer(outputDir: string): string {
  const outfile = path.join(outputDir, PG_LAYER_ENTRY);
  buildSync(pgLayerBuildOptions(outfile));
  const pgDir = path.dirname(require.resolve('pg/package.json', { paths: [PROJECT_ROOT] }));
  const pkg = JSON.parse(fs.readFileSync(path.join(pgDir, 'package.json'), 'utf8')) as { version: string };
  fs.writeFileSync(
    path.join(path.dirname(outfile), 'package.json'),
    JSON.stringify({ name: 'pg', version: pkg.version, main: 'index.js', license: 'MIT' }, null, 2) + '\n',
  );
  // The minified bundle drops pg's notices; ship its MIT licence next to it.
  fs.copyFileSync(path.join(pgDir, 'LICENSE'), path.join(path.dirname(outfile), 'LICENSE'));
  return outfile;
}

interface LockPackage {
  readonly version?: string;
  readonly integrity?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}
interface LockFile {
  readonly packages?: Record<string, LockPackage>;
}

/**
 * Stable asset hash: the locked name@version+integrity of pg and every package it pulls in
 * (resolved as npm does, nested node_modules first), the esbuild version and the build recipe.
 * Unrelated dependency changes keep the hash, so synth stays deterministic and the layer version
 * is not republished; absolute paths never enter it, so every machine computes the same hash.
 */
export function pgLayerHash(
  lock: LockFile = JSON.parse(
    fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8'),
  ) as LockFile,
): string {
  const packages = lock.packages ?? {};
  const resolve = (name: string, from: string): string | undefined => {
    // npm lookup: <from>/node_modules/<name>, then each parent's node_modules, then the root.
    let dir = from;
    for (;;) {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (packages[key]) return key;
      if (!dir) return undefined;
      const up = dir.lastIndexOf('/node_modules/');
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  };
  const root = resolve('pg', '');
  if (!root) throw new Error('PgLayer: package-lock.json has no node_modules/pg entry (run npm install pg)');
  const seen = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const p = packages[key];
    for (const dep of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) {
      const found = resolve(dep, key);
      if (found) queue.push(found);
    }
  }
  const hash = crypto.createHash('sha256');
  const options = pgLayerBuildOptions('index.js');
  hash.update(
    JSON.stringify({
      recipe: RECIPE_VERSION,
      esbuild: esbuildVersion,
      options: { ...options, absWorkingDir: undefined },
      runtime: SHARED_FUNCTION_PROPS.runtime.name,
      architecture: SHARED_FUNCTION_PROPS.architecture.name,
    }),
  );
  for (const key of [...seen].sort()) {
    hash.update(`${key}@${packages[key].version ?? ''}#${packages[key].integrity ?? ''}\n`);
  }
  return hash.digest('hex');
}

/**
 * Lambda layer with the `pg` PostgreSQL driver bundled into one minified file, so a function that
 * uses pg marks it external and its own bundle stays within the 20 KB budget (as Powertools
 * comes from its layer). Built at synth by the local esbuild (no Docker), pure JavaScript, so it
 * runs on the shared runtime and architecture (Node.js 22, arm64) it declares compatibility with.
 */
export class PgLayer extends lambda.LayerVersion {
  constructor(scope: Construct, id: string) {
    const pgDir = path.dirname(require.resolve('pg/package.json', { paths: [PROJECT_ROOT] }));
    super(scope, id, {
      description: 'pg PostgreSQL driver (bundled, minified) for the shared Node.js runtime',
      license: 'MIT',
      compatibleRuntimes: [SHARED_FUNCTION_PROPS.runtime],
      compatibleArchitectures: [SHARED_FUNCTION_PROPS.architecture],
      code: lambda.Code.fromAsset(pgDir, {
        assetHashType: AssetHashType.CUSTOM,
        assetHash: pgLayerHash(),
        bundling: localBundling(buildPgLayer),
      }),
    });
  }
}
