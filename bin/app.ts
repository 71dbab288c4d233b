#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app-builder';
import { ConfigError, loadConfig } from '../lib/config';
import { deployRoleFromContext } from '../lib/delivery/deploy-role-context';

// Composition only (cdk.json runs this file with tsx): load and validate the config before any
// construct exists, build the stacks, synthesize. No automatic synth at exit: a refused config
// must leave no cloud assembly (manifest.json, tree.json) behind.
const app = new App({ autoSynth: false });
try {
  const { config, warnings } = loadConfig({
    configFile: app.node.tryGetContext('config') as string | undefined,
    env: process.env,
  });
  const deployRole = deployRoleFromContext((key) => app.node.tryGetContext(key));
  buildApp({ app, config, warnings, deployRole });
  app.synth();
} catch (e) {
  // A bad config is the user's input, not a bug: print its problems, without a stack trace.
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exitCode = 1;
}
