import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  BundledFunction,
  lambdaAssetHash,
  lambdaEntry,
  SHARED_BUNDLING,
} from '../../lib/constructs/lambda-defaults';

// Bundling is the subject here; CloudFormation validation of these one-asset stacks is not.
const NO_VALIDATION = { builtinCloudFormationValidation: false };

describe('lambdaAssetHash', () => {
  test('GIVEN the same entry and options WHEN hashed twice THEN the hash is stable (bundles are reused)', () => {
    expect(lambdaAssetHash(lambdaEntry('failover'))).toBe(lambdaAssetHash(lambdaEntry('failover')));
  });

  test('GIVEN two functions THEN their bundles never share a hash', () => {
    expect(lambdaAssetHash(lambdaEntry('failover'))).not.toBe(
      lambdaAssetHash(lambdaEntry('snapshot/create')),
    );
  });

  test('GIVEN different bundling options THEN the hash changes (the output would differ)', () => {
    const entry = lambdaEntry('snapshot/copy');
    expect(lambdaAssetHash(entry, { ...SHARED_BUNDLING, minify: false })).not.toBe(lambdaAssetHash(entry));
  });
});

describe('BundledFunction', () => {
  // One stack, one function: the bundle it stages is what Lambda would load.
  const app = new App(NO_VALIDATION);
  const stack = new Stack(app, 'Bundled', { env: { account: '111111111111', region: 'us-east-1' } });
  const fn = new BundledFunction(stack, 'Fn', { entry: lambdaEntry('snapshot/copy') });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const resource = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  const assetHash = (resource.Properties.Code.S3Key as string).replace(/\.zip$/, '');
  const bundleDir = path.join(assembly.directory, `asset.${assetHash}`);
  const bundle = fs.readFileSync(path.join(bundleDir, 'index.js'), 'utf8');

  test('THEN the handler runs on the shared runtime from a single minified index.js', () => {
    expect(resource.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x' });
    expect(fs.readdirSync(bundleDir)).toEqual(['index.js']);
    expect(bundle.split('\n').length).toBeLessThan(5);
  });

  test('THEN the AWS SDK stays external (required from the runtime, not bundled)', () => {
    expect(bundle).toMatch(/require\("@aws-sdk\/client-rds"\)/);
    // A bundled SDK client alone is hundreds of KB; the budget is 20 KB.
    expect(Buffer.byteLength(bundle)).toBeLessThan(20 * 1024);
  });

  test('THEN the bundle exports the handler (loaded with the SDK from node_modules, as on Lambda)', () => {
    const exported = { exports: {} as Record<string, unknown> };
    // Runs the generated bundle as Lambda's CommonJS loader would: executing it is the point.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('module', 'exports', 'require', bundle)(exported, exported.exports, require);
    expect(typeof exported.exports.handler).toBe('function');
    expect(fn.runtime.name).toBe('nodejs24.x');
  });

  test('GIVEN an entry that does not exist THEN construction fails naming it', () => {
    const other = new Stack(new App(NO_VALIDATION), 'Missing');
    expect(() => new BundledFunction(other, 'Fn', { entry: lambdaEntry('no-such-function') })).toThrow(
      /BundledFunction Fn: entry .*lambda\/no-such-function\/index\.ts does not exist/,
    );
  });
});
