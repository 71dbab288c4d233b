#!/usr/bin/env node
// Launcher for a TypeScript entry point that exports `main()` (cdk.json: node bin/run.js bin/app.ts).
// - tsx is registered only while the entry module loads (with it, every TypeScript file it
//   imports) and removed before main() runs, so none of its hooks sit in front of the ~40
//   aws-cdk-lib service modules cdk-nag loads during synthesis. Any TypeScript module must
//   therefore be imported by the entry module, not required later.
// - JavaScript keeps Node's own loader even while tsx is registered (below).
// - The modules under node_modules load through a V8 code cache (bin/compile-cache.js;
//   NODE_DISABLE_COMPILE_CACHE=1 turns it off).
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { PROJECT_CACHE_DIR, enableCompileCache } = require('./compile-cache');

enableCompileCache(PROJECT_CACHE_DIR);
const { register } = require('tsx/cjs/api');

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node bin/run.js <entry.ts> (the entry exports main())');
  process.exit(2);
}
const nodeJsLoader = Module._extensions['.js'];
const unregister = register();
// tsx hooks .js files too, to compile JavaScript written as ES modules; it lexes every one to find
// out (~3.8 MB of cdk-nag and aws-cdk-lib while the entry loads, ~60 ms). Every dependency here is
// CommonJS, so JavaScript keeps Node's own loader and tsx compiles only the TypeScript.
Module._extensions['.js'] = nodeJsLoader;
const { main } = require(path.resolve(entry));
unregister();
if (typeof main !== 'function') {
  console.error(`${entry} does not export main()`);
  process.exit(2);
}
Promise.resolve(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
