import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BundlingOptions, DockerImage } from 'aws-cdk-lib';

/** Repository root: assets bundle from here with the local esbuild (no Docker). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Asset bundling done in this process (esbuild's API), never in Docker: `build` writes the
 * asset's files into the output directory. esbuild throws on any build error, which fails synth.
 */
export function localBundling(build: (outputDir: string) => void): BundlingOptions {
  return {
    // Never used: local bundling always succeeds or throws.
    image: DockerImage.fromRegistry('unused-local-esbuild'),
    local: {
      tryBundle(outputDir: string): boolean {
        build(outputDir);
        return true;
      },
    },
  };
}

/** Every file under `dir`, recursively, sorted (a stable order for hashing). */
export function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/** sha256 over each file's project-relative path and contents: an asset hash from its inputs. */
export function filesDigest(files: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of files) hash.update(path.relative(PROJECT_ROOT, file)).update(fs.readFileSync(file));
  return hash.digest('hex');
}
