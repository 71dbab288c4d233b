#!/usr/bin/env node
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildServiceBundle } from '../service/build-options';

// The service bundle (esbuild, ~0.3 s in its own process) starts first, so it is built on the
// other core while this thread loads the CDK modules below; nothing waits for it until main().
const serviceBundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-ref-service-'));
const serviceBundle = buildServiceBundle(path.join(serviceBundleDir, 'index.js'));
// Handled where it is awaited; this only keeps an early config error from racing a failed build.
serviceBundle.catch(() => undefined);

// Loaded after the build started (require, not import, which would be hoisted above it), and when
// this module loads: bin/run.js compiles TypeScript only until then.
/* eslint-disable @typescript-eslint/no-require-imports */
const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const { buildApp } = require('../lib/app-builder') as typeof import('../lib/app-builder');
const { ConfigError, loadConfig } = require('../lib/config') as typeof import('../lib/config');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Synthesizes the app (run by bin/run.js, see cdk.json). */
export async function main(): Promise<void> {
  try {
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
  } finally {
    // The asset was copied into the cloud assembly; remove the build once esbuild is done with it.
    await serviceBundle.catch(() => undefined);
    fs.rmSync(serviceBundleDir, { recursive: true, force: true });
  }
}

// Also runnable directly (npx tsx bin/app.ts), without the launcher.
if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
