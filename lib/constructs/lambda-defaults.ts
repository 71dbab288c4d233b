import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/** Repository root: NodejsFunction bundles from here with the local esbuild (no Docker). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Path of a handler under lambda/, e.g. lambdaEntry('snapshot/create'). */
export function lambdaEntry(name: string): string {
  return path.join(PROJECT_ROOT, 'lambda', name, 'index.ts');
}

/**
 * The one bundling setup every function shares: minified CJS for Node.js 22, the AWS SDK v3 and
 * Powertools left to the runtime/layer so each bundle stays small (budget: <= 20 KB).
 */
export const SHARED_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: false,
  target: 'node22',
  format: nodejs.OutputFormat.CJS,
  externalModules: ['@aws-sdk/*', '@aws-lambda-powertools/*'],
  forceDockerBundling: false,
};

/** Defaults for every NodejsFunction of the app; spread first, then override per function. */
export const SHARED_FUNCTION_PROPS: Pick<
  nodejs.NodejsFunctionProps,
  | 'runtime'
  | 'architecture'
  | 'bundling'
  | 'projectRoot'
  | 'depsLockFilePath'
  | 'timeout'
  | 'memorySize'
  | 'tracing'
> = {
  runtime: lambda.Runtime.NODEJS_22_X,
  architecture: lambda.Architecture.ARM_64,
  bundling: SHARED_BUNDLING,
  projectRoot: PROJECT_ROOT,
  depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
  timeout: Duration.seconds(60),
  memorySize: 256,
  tracing: lambda.Tracing.ACTIVE,
};

/**
 * A deterministic asset hash for a function bundled from lambda/: its entry, every source file
 * under lambda/ (handlers import lambda/shared), the lock file and the bundling options.
 * NodejsFunction runs esbuild through `npx` (~0.4 s a call); with a content hash the primary and
 * DR stacks share one bundle per function and an unchanged function is not rebundled into an
 * existing cdk.out.
 */
export function lambdaAssetHash(entry: string, bundling: nodejs.BundlingOptions = SHARED_BUNDLING): string {
  const hash = crypto.createHash('sha256');
  hash.update(path.relative(PROJECT_ROOT, entry)).update(JSON.stringify(bundling));
  for (const file of [
    ...sourceFiles(path.join(PROJECT_ROOT, 'lambda')),
    path.join(PROJECT_ROOT, 'package-lock.json'),
  ]) {
    hash.update(path.relative(PROJECT_ROOT, file)).update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => !f.endsWith('.md'))
    .sort();
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
