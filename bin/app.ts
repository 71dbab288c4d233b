#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app-builder';
import { ConfigError, loadConfig } from '../lib/config';

// Composition only: validate the config before any construct exists, then build and synth.
const app = new App();
try {
  const { config, warnings } = loadConfig({
    configFile: app.node.tryGetContext('config') as string | undefined,
    env: process.env,
  });
  buildApp({ app, config, warnings });
  app.synth();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
