// Worker thread of ParallelCloudFormationValidation (parallel-cfn-validation.ts): hosts aws-cdk-lib's
// own CloudFormationValidatePlugin, so its engine initializes on the other core while the app
// synthesizes. Plain CommonJS: a worker thread runs outside the TypeScript loader.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { workerData } = require('node:worker_threads');

const { port, signal } = workerData;
const done = new Int32Array(signal);

// A failure to load is reported to validate() (which is blocked waiting), never left unanswered.
let plugin;
let loadError;
try {
  plugin = new (require('aws-cdk-lib').CloudFormationValidatePlugin)();
} catch (e) {
  loadError = e;
}

function errorText(e) {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/**
 * Initializes the engine for these resource types by validating a template with one bare resource
 * of each: the plugin keeps an engine while later templates use only types it has seen, and the
 * per-type schemas are then loaded too. The findings (missing properties) are discarded.
 */
function prepare(resourceTypes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validation-warmup-'));
  try {
    const templatePath = path.join(dir, 'warmup.template.json');
    const resources = Object.fromEntries(resourceTypes.map((type, i) => [`R${i}`, { Type: type }]));
    fs.writeFileSync(templatePath, JSON.stringify({ Resources: resources }));
    plugin.validate({ stackTemplates: [{ stackConstructPath: 'warmup', templatePath }] });
  } catch {
    // Only a head start: the real validation reports any problem with the engine.
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

port.on('message', (message) => {
  if (message.kind === 'prepare') {
    if (plugin) prepare(message.resourceTypes);
    return;
  }
  let result;
  try {
    if (loadError) throw loadError;
    result = { report: plugin.validate({ stackTemplates: message.stackTemplates }), version: plugin.version };
  } catch (e) {
    result = { error: errorText(e) };
  }
  port.postMessage(result);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
