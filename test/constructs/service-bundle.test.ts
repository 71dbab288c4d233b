import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { App, AssetStaging, Stack } from 'aws-cdk-lib';
import { ServiceBundle } from '../../lib/constructs/service-bundle';

// Bundling is the subject here; CloudFormation validation of these one-asset stacks is not.
const NO_VALIDATION = { builtinCloudFormationValidation: false };

/** Path of the staged bundle file in the synthesized cloud assembly (file packaging: asset.<hash>.js). */
function stagedBundlePath(app: App, bundle: ServiceBundle): string {
  return path.join(app.synth().directory, `asset.${bundle.asset.assetHash}.js`);
}

function stagedBundle(app: App, bundle: ServiceBundle): string {
  return fs.readFileSync(stagedBundlePath(app, bundle), 'utf8');
}

describe('ServiceBundle', () => {
  const env = { account: '111111111111', region: 'us-east-1' };
  // Staging is cached per process by asset hash; each test stages its own.
  beforeEach(() => AssetStaging.clearAssetHashCache());

  test('GIVEN the service sources THEN it bundles the service at construction into one index.js', () => {
    const app = new App(NO_VALIDATION);
    const bundle = new ServiceBundle(new Stack(app, 'Built', { env }), 'Bundle');
    const code = stagedBundle(app, bundle);
    expect(code).toContain('/readyz');
    expect(code.length).toBeGreaterThan(100_000); // fastify, pg and ioredis are inside
  });

  test('GIVEN the bundle WHEN synthesized THEN it is uploaded as one .js file that node parses, not a zip', () => {
    // The boot downloads the object to index.js and runs it with node: a zip would crash-loop.
    const app = new App(NO_VALIDATION);
    const stack = new Stack(app, 'Packaged', { env });
    const bundle = new ServiceBundle(stack, 'Bundle');
    const file = stagedBundlePath(app, bundle);
    const assets = JSON.parse(
      fs.readFileSync(path.join(app.synth().directory, `${stack.artifactId}.assets.json`), 'utf8'),
    ) as {
      files: Record<
        string,
        { source: { packaging: string }; destinations: Record<string, { objectKey: string }> }
      >;
    };
    const entry = assets.files[bundle.asset.assetHash];
    expect(entry.source.packaging).toBe('file');
    expect(Object.values(entry.destinations)[0].objectKey).toMatch(/\.js$/);
    expect(bundle.asset.isFile).toBe(true);
    expect(fs.readFileSync(file).subarray(0, 2).toString('latin1')).not.toBe('PK');
    expect(() => execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' })).not.toThrow();
  });

  test('GIVEN unchanged sources THEN two constructions get the same asset hash (no new launch template version)', () => {
    const a = new ServiceBundle(new Stack(new App(NO_VALIDATION), 'A', { env }), 'Bundle');
    const b = new ServiceBundle(new Stack(new App(NO_VALIDATION), 'B', { env }), 'Bundle');
    expect(a.asset.assetHash).toBe(b.asset.assetHash);
  });
});
