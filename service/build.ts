/** `npm run build` step: bundles the service to dist/service/index.js. */
import path from 'node:path';
import { buildServiceBundle } from './build-options';

const outfile = path.join(__dirname, '..', 'dist', 'service', 'index.js');

buildServiceBundle(outfile)
  .then(() => process.stdout.write(`service bundle: ${path.relative(process.cwd(), outfile)}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`service build failed: ${String(err)}\n`);
    process.exit(1);
  });
