import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/app';

/**
 * bin/compile-cache.js, the launcher's V8 code cache. Each run is a fresh node process (the cache
 * hooks the CommonJS loader, which jest replaces), over a fixture package tree in a temp dir.
 */
const COMPILE_CACHE = path.join(PROJECT_ROOT, 'bin', 'compile-cache.js');

interface RunResult {
  readonly stats: { hits: number; misses: number; written: number };
  readonly out: Record<string, unknown>;
}

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function runNode(cwd: string, script: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd,
    env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '', ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`node exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const THROWS = `module.exports = () => { throw new Error('from line 1'); };`;

describe('installFallback', () => {
  let root: string;
  let cacheDir: string;
  const run = (): RunResult =>
    JSON.parse(
      runNode(
        root,
        `const { installFallback } = require(${JSON.stringify(COMPILE_CACHE)});
         const stats = installFallback(${JSON.stringify(cacheDir)});
         const pkg = require('cached-pkg');
         pkg.esm().then((esm) => process.on('exit', () =>
           console.log(JSON.stringify({ stats, out: { ...pkg, esm } }))));`,
      ),
    );
  const entries = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : []);

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'compile-cache-'));
    cacheDir = path.join(root, 'cache');
    const pkg = path.join(root, 'node_modules', 'cached-pkg');
    write(
      path.join(pkg, 'index.js'),
      `module.exports = {
         util: require('./lib/util').value,
         thisIsExports: this === module.exports,
         dirname: __dirname,
         filename: __filename,
         resolved: require.resolve('./lib/util'),
         other: require('other-pkg'),
         own: require('../../own'),
         errorAt: (() => {
           try {
             require('./throws')();
           } catch (e) {
             return e.stack.split('\\n')[1].replace(/^.*throws\\.js:/, '').replace(')', '');
           }
         })(),
         hashbang: require('./cli'),
         requireMainIsEntry: require.main === process.mainModule,
         esm: require('./lib/dynamic').esm,
       };`,
    );
    write(path.join(pkg, 'lib', 'util.js'), `exports.value = 'aaaa';`);
    write(
      path.join(pkg, 'lib', 'dynamic.js'),
      `exports.esm = () => import('../esm.mjs').then((m) => m.value);`,
    );
    write(path.join(pkg, 'throws.js'), THROWS);
    write(path.join(pkg, 'cli.js'), `#!/usr/bin/env node\nmodule.exports = 'hashbang ok';`);
    write(path.join(pkg, 'esm.mjs'), `export const value = 'esm ok';`);
    write(path.join(root, 'node_modules', 'other-pkg', 'index.js'), `module.exports = 'other ok';`);
    write(path.join(root, 'own.js'), `module.exports = 'own ok';`);
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN an empty cache THEN modules run as Node runs them and only dependencies are cached', () => {
    const { stats, out } = run();
    const pkg = path.join(root, 'node_modules', 'cached-pkg');
    expect(out).toEqual({
      util: 'aaaa',
      thisIsExports: true,
      dirname: pkg,
      filename: path.join(pkg, 'index.js'),
      resolved: path.join(pkg, 'lib', 'util.js'),
      other: 'other ok',
      own: 'own ok',
      // Line 1, where the module wrapper sits: the column must be the source's own.
      errorAt: `1:${THROWS.indexOf('new Error') + 1}`,
      hashbang: 'hashbang ok',
      requireMainIsEntry: true,
      esm: 'esm ok',
    });
    // index, lib/util, throws and cli of cached-pkg, and other-pkg. Not lib/dynamic, which calls
    // import(); not own.js, outside node_modules; not the .mjs (ES modules load elsewhere).
    expect(stats).toEqual({ hits: 0, misses: 5, written: 5 });
    expect(entries()).toHaveLength(5);
  });

  test('GIVEN a filled cache THEN every module comes from it and nothing is rewritten', () => {
    const first = run();
    const second = run();
    expect(second.stats).toEqual({ hits: 5, misses: 0, written: 0 });
    expect(second.out).toEqual(first.out);
  });

  test('GIVEN a module edited to the same length THEN its new code runs, not the cached one', () => {
    run();
    // V8 checks only a cached script's source length; the cache key must cover the content.
    write(path.join(root, 'node_modules', 'cached-pkg', 'lib', 'util.js'), `exports.value = 'bbbb';`);
    const { stats, out } = run();
    expect(out.util).toBe('bbbb');
    expect(stats).toEqual({ hits: 4, misses: 1, written: 1 });
  });

  test('GIVEN a corrupt cache entry THEN V8 rejects it, the module still runs and the entry is rewritten', () => {
    run();
    for (const entry of entries()) fs.writeFileSync(path.join(cacheDir, entry), 'not a code cache');
    const { stats, out } = run();
    expect(out.util).toBe('aaaa');
    expect(stats).toEqual({ hits: 0, misses: 5, written: 5 });
    expect(run().stats.hits).toBe(5);
  });

  test('GIVEN a cache directory that cannot be created THEN the modules still run and nothing fails', () => {
    const blocker = path.join(root, 'not-a-directory');
    fs.writeFileSync(blocker, '');
    cacheDir = path.join(blocker, 'cache');
    const { stats, out } = run();
    expect(out.util).toBe('aaaa');
    expect(stats).toEqual({ hits: 0, misses: 5, written: 0 });
  });
});

describe('enableCompileCache', () => {
  const mode = (env: NodeJS.ProcessEnv, cacheDir: string) =>
    runNode(
      PROJECT_ROOT,
      `const { enableCompileCache } = require(${JSON.stringify(COMPILE_CACHE)});
       console.log(enableCompileCache(${JSON.stringify(cacheDir)}));`,
      env,
    ).trim();

  test("GIVEN NODE_DISABLE_COMPILE_CACHE THEN it is off; otherwise Node's own cache where Node has one", () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'compile-cache-mode-'));
    const nodeHasOne = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache;
    expect(mode({ NODE_DISABLE_COMPILE_CACHE: '1' }, cacheDir)).toBe('off');
    expect(mode({}, cacheDir)).toBe(nodeHasOne === 'function' ? 'node' : 'fallback');
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
});

describe('aws-cdk-lib through the cache', () => {
  // A small stack with a VPC: hundreds of aws-cdk-lib modules, tokens and lazy values.
  const synth = (cacheDir?: string): { template: string; stats?: RunResult['stats'] } =>
    JSON.parse(
      runNode(
        PROJECT_ROOT,
        `const stats = ${cacheDir ? `require(${JSON.stringify(COMPILE_CACHE)}).installFallback(${JSON.stringify(cacheDir)})` : 'undefined'};
         const cdk = require('aws-cdk-lib');
         const app = new cdk.App({ builtinCloudFormationValidation: false });
         const stack = new cdk.Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
         new cdk.aws_ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
         const template = JSON.stringify(app.synth().getStackByName('S').template);
         process.on('exit', () => console.log(JSON.stringify({ template, stats })));`,
      ),
    );

  test('GIVEN a cold then a warm cache THEN the template is the one plain Node synthesizes', () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'compile-cache-cdk-'));
    const plain = synth();
    const cold = synth(cacheDir);
    const warm = synth(cacheDir);
    fs.rmSync(cacheDir, { recursive: true, force: true });
    expect(cold.stats!.misses).toBeGreaterThan(100);
    expect(warm.stats).toEqual({ hits: cold.stats!.misses, misses: 0, written: 0 });
    expect(JSON.parse(cold.template)).toEqual(JSON.parse(plain.template));
    expect(JSON.parse(warm.template)).toEqual(JSON.parse(plain.template));
  });
});
