import { build, type BuildOptions } from 'esbuild';
import path from 'node:path';

/**
 * esbuild options for the service bundle: one minified CommonJS file for Node.js 20 that runs with plain
 * `node index.js` (every dependency bundled, including the Secrets Manager client). Pure: no side effects, so the
 * CDK fleet construct can call it at synth time to build the S3 asset.
 */
export function serviceBuildOptions(outfile: string): BuildOptions {
  return {
    entryPoints: [path.join(__dirname, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    // pg's optional native binding is never used (pure JS client).
    external: ['pg-native'],
    logLevel: 'warning',
  };
}

/**
 * Builds the bundle to `outfile` in esbuild's own process without blocking the caller: bin/app.ts
 * starts it before loading the CDK modules so the two overlap on separate cores.
 */
export async function buildServiceBundle(outfile: string): Promise<void> {
  await build(serviceBuildOptions(outfile)); // rejects on any build error
}
