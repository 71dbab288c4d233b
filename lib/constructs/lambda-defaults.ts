import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync, version as esbuildVersion, type BuildOptions } from 'esbuild';
import type { Construct } from 'constructs';
import { filesDigest, listFiles, localBundling, PROJECT_ROOT } from './local-bundling';

/** Path of a handler under lambda/, e.g. lambdaEntry('snapshot/create'). */
export function lambdaEntry(name: string): string {
  return path.join(PROJECT_ROOT, 'lambda', name, 'index.ts');
}

/** How a function's handler is bundled (esbuild, in process); every field shapes the output. */
export interface LambdaBundling {
  readonly minify: boolean;
  /** esbuild target, e.g. `node24`: the runtime's Node.js major. */
  readonly target: string;
  readonly format: 'cjs' | 'esm';
  /** Modules left to the runtime or a layer (globs allowed). */
  readonly external: readonly string[];
}

/**
 * The one bundling setup every function shares: minified CJS for Node.js 24, the AWS SDK v3 left
 * to the runtime so each bundle stays small (budget: <= 20 KB).
 */
export const SHARED_BUNDLING: LambdaBundling = {
  minify: true,
  target: 'node24',
  format: 'cjs',
  external: ['@aws-sdk/*'],
};

/** Defaults for every function of the app; spread first, then override per function. */
export const SHARED_FUNCTION_PROPS = {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  timeout: Duration.seconds(60),
  memorySize: 256,
  tracing: lambda.Tracing.ACTIVE,
} as const satisfies Partial<lambda.FunctionProps>;

/** The esbuild options a handler is bundled with: by the app at synth and by bench/bundles.ts. */
export function lambdaBuildOptions(
  entry: string,
  outfile: string,
  bundling: LambdaBundling = SHARED_BUNDLING,
): BuildOptions {
  return {
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    minify: bundling.minify,
    sourcemap: false,
    target: bundling.target,
    format: bundling.format,
    external: [...bundling.external],
    legalComments: 'none',
    logLevel: 'silent',
  };
}

/**
 * A handler under lambda/ as Lambda code, bundled at synth by esbuild's API in this process (one
 * native esbuild call, ~20 ms; NodejsFunction spawns `npx esbuild` for each function, ~0.3 s).
 * The content hash lets the primary and DR stacks share one bundle and leaves an unchanged
 * function's bundle in an existing cdk.out as it is.
 */
export function bundledHandlerCode(entry: string, bundling: LambdaBundling = SHARED_BUNDLING): lambda.Code {
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.CUSTOM,
    assetHash: lambdaAssetHash(entry, bundling),
    bundling: localBundling((outputDir) => {
      buildSync(lambdaBuildOptions(entry, path.join(outputDir, 'index.js'), bundling));
    }),
  });
}

/** Props of a BundledFunction: a Lambda function minus what the bundle decides. */
export interface BundledFunctionProps extends Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime'> {
  /** The handler module, e.g. lambdaEntry('failover'); it exports `handler`. */
  readonly entry: string;
  /** @default SHARED_BUNDLING */
  readonly bundling?: LambdaBundling;
  /** @default SHARED_FUNCTION_PROPS.runtime (Node.js 24) */
  readonly runtime?: lambda.Runtime;
}

/** A Node.js function whose `handler` export is bundled from `entry` on the shared defaults. */
export class BundledFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    const { entry, bundling, ...functionProps } = props;
    if (!fs.existsSync(entry)) throw new Error(`BundledFunction ${id}: entry ${entry} does not exist`);
    super(scope, id, {
      ...SHARED_FUNCTION_PROPS,
      ...functionProps,
      runtime: props.runtime ?? SHARED_FUNCTION_PROPS.runtime,
      handler: 'index.handler',
      code: bundledHandlerCode(entry, bundling),
    });
  }
}

/**
 * A deterministic asset hash for a function bundled from lambda/: its entry, the bundling options,
 * the esbuild version and every source file under lambda/ (handlers import lambda/shared) plus the
 * lock file.
 */
export function lambdaAssetHash(entry: string, bundling: LambdaBundling = SHARED_BUNDLING): string {
  return crypto
    .createHash('sha256')
    .update(path.relative(PROJECT_ROOT, entry))
    .update(JSON.stringify(bundling))
    .update(esbuildVersion)
    .update(lambdaSourcesDigest())
    .digest('hex');
}

let sourcesDigest: string | undefined;

/** Digest of lambda/ (but its READMEs) and the lock file, read once per process (every function hashes it). */
function lambdaSourcesDigest(): string {
  sourcesDigest ??= filesDigest([
    ...listFiles(path.join(PROJECT_ROOT, 'lambda')).filter((f) => !f.endsWith('.md')),
    path.join(PROJECT_ROOT, 'package-lock.json'),
  ]);
  return sourcesDigest;
}

/**
 * A security group for functions that only call AWS APIs: no ingress, HTTPS out only. (DNS to
 * the VPC resolver is not filtered by security groups.)
 */
export function httpsEgressOnlySecurityGroup(
  scope: Construct,
  id: string,
  vpc: ec2.IVpc,
  purpose: string,
): ec2.SecurityGroup {
  const sg = new ec2.SecurityGroup(scope, id, {
    vpc,
    description: `${purpose}: HTTPS to AWS APIs only, no ingress`,
    allowAllOutbound: false,
  });
  sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (through NAT)');
  return sg;
}
