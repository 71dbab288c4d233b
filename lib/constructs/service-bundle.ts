import * as path from 'node:path';
import { AssetHashType, BundlingOutput } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { serviceBuildOptions } from '../../service/build-options';
import { filesDigest, listFiles, localBundling, PROJECT_ROOT } from './local-bundling';

const SERVICE_DIR = path.join(PROJECT_ROOT, 'service');

/**
 * The sample service as one JavaScript file in an S3 asset (file packaging), bundled at synth by the local
 * esbuild (no Docker). The hash covers the service sources and the lock file, so an unchanged
 * service keeps its asset (and its launch template version) across synths.
 */
export class ServiceBundle extends Construct {
  public readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.asset = new s3assets.Asset(this, 'Asset', {
      path: path.join(SERVICE_DIR, 'src'),
      assetHashType: AssetHashType.CUSTOM,
      assetHash: sourceHash(),
      bundling: {
        ...localBundling((outputDir) => {
          buildSync(serviceBuildOptions(path.join(outputDir, 'index.js')));
        }),
        // The one file is the asset (file packaging, key ending .js): the boot runs it with node.
        // Without this a bundling output directory is uploaded as a zip.
        outputType: BundlingOutput.SINGLE_FILE,
      },
    });
  }
}

/** Hash of everything that shapes the bundle: service sources, build options, dependency lock. */
function sourceHash(): string {
  return filesDigest([
    ...listFiles(path.join(SERVICE_DIR, 'src')),
    path.join(SERVICE_DIR, 'build-options.ts'),
    path.join(PROJECT_ROOT, 'package-lock.json'),
  ]);
}
