/** `npm run build` step: bundles the service to dist/service/index.js. */
import { build } from 'esbuild';
import path from 'node:path';
import { serviceBuildOptions } from './build-options';

const outfile = path.join(__dirname, '..', 'dist', 'service', 'index.js');

build(serviceBuildOptions(outfile))
  .then(() => process.stdout.write(`service bundle: ${path.relative(process.cwd(), outfile)}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`service build failed: ${String(err)}\n`);
    process.exit(1);
  });
