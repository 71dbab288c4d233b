#!/usr/bin/env node
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildServiceBundle } from '../service/build-options';

// The service bundle (esbuild, ~0.3 s in its own process) starts first, so it is built on the
// other core while this thread loads the CDK modules below; nothing waits for it until then.
const serviceBundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-ref-service-'));
const serviceBundle = buildServiceBundle(path.join(serviceBundleDir, 'index.js'));
// Handled where it is awaited; this only keeps an early config error from racing a failed build.
serviceBundle.catch(() => undefined);

async function main(): Promise<void> {
  // Loaded only now (require, not import, which would be hoisted above the build).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { buildApp } = require('../lib/app-builder') as typeof import('../lib/app-builder');
  const { ConfigError, loadConfig } = require('../lib/config') as typeof import('../lib/config');
  /* eslint-enable @typescript-eslint/no-require-imports */

  // Composition only: validate the config before any construct exists, then build and synth.
  const app = new App();
  try {
    const { config, warnings } = loadConfig({
      configFile: app.node.tryGetContext('config') as string | undefined,
      env: process.env,
    });
    await serviceBundle;
    buildApp({ app, config, warnings, prebuiltServiceBundle: serviceBundleDir });
    app.synth();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  // The asset was copied into the cloud assembly; remove the build once esbuild is done with it.
  .finally(() =>
    serviceBundle
      .catch(() => undefined)
      .finally(() => fs.rmSync(serviceBundleDir, { recursive: true, force: true })),
  );
