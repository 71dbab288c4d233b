// V8 code cache for the launcher (bin/run.js), so a synth does not recompile the same ~1,150
// dependency modules (~28 MB of JavaScript, most of it aws-cdk-lib and cdk-nag) every time.
//
// On Node.js >= 22.1 this is Node's own module.enableCompileCache(). Node 20 has no such API, so
// a small fallback does the same for modules under node_modules (the project's own sources change
// too often to be worth it): it compiles each with vm.Script and the code V8 cached for it last
// time, and at exit stores V8's cache for the modules that had none. Taken at exit, not at compile
// time, the cache also holds the functions V8 compiled lazily during the synth: most of the saving
// (the compile-time cache of the v8-compile-cache package saved far less in a trial here).
// Entries are named by a hash of the module's path and full content (V8 itself checks only the
// source length), so an edited or upgraded module never runs from stale code.
// A cache must never break a synth: any failure to read or write it only costs time.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** Where the launcher keeps the cache: under node_modules, so `npm ci` starts it afresh. */
const PROJECT_CACHE_DIR = path.resolve(__dirname, '..', 'node_modules', '.cache', 'ha-ref-compile-cache');

/** The modules the fallback caches: dependencies, which change only on install. */
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;

/**
 * A script compiled from V8's code cache loses its dynamic-import loader on Node 20
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so a module that may call import() is compiled as Node
 * compiles it. Deliberately loose: a method named import() matches too (a few aws-cdk-lib files).
 */
const MAY_IMPORT = /\bimport\s*\(/;

/**
 * Enables the code cache in `cacheDir` unless NODE_DISABLE_COMPILE_CACHE is set (Node's own
 * switch, honoured by the fallback too). Returns which one runs: 'node', 'fallback', or 'off'.
 */
function enableCompileCache(cacheDir) {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return 'off';
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache(cacheDir);
    return 'node';
  }
  // The loader for import() in modules compiled by vm.Script (Node >= 20.12).
  if (!vm.constants || !vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER) return 'off';
  installFallback(path.join(cacheDir, `v8-${process.versions.v8}-${process.arch}`));
  return 'fallback';
}

/**
 * Compiles the CommonJS modules under node_modules through `dir`. Returns counters (modules served
 * from the cache, compiled without one, entries written at exit) for tests and diagnostics.
 */
function installFallback(dir) {
  const stats = { hits: 0, misses: 0, written: 0 };
  const uncached = [];
  const compile = Module.prototype._compile;

  Module.prototype._compile = function compileWithCache(content, filename) {
    if (!IN_NODE_MODULES.test(filename) || MAY_IMPORT.test(content))
      return compile.call(this, content, filename);
    const file = path.join(
      dir,
      crypto.createHash('sha1').update(filename).update('\0').update(content).digest('hex'),
    );
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // Not cached yet.
    }
    const script = new vm.Script(Module.wrap(withoutHashbang(content)), {
      filename,
      // Positions in stack traces as Node reports them, not shifted by the wrapper on line 1.
      columnOffset: -Module.wrapper[0].length,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData && !script.cachedDataRejected) stats.hits++;
    else {
      stats.misses++;
      uncached.push({ file, script });
    }
    const moduleWrapper = script.runInThisContext({ displayErrors: true });
    const require = Module.createRequire(filename);
    return moduleWrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };

  process.once('exit', () => {
    if (uncached.length === 0) return;
    try {
      fs.mkdirSync(dir, { recursive: true });
      for (const { file, script } of uncached) {
        // Written whole, then renamed: a concurrent synth reads the old entry or the new one.
        const partial = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(partial, script.createCachedData());
        fs.renameSync(partial, file);
        stats.written++;
      }
    } catch {
      // Not writable (read-only checkout, full disk): the next synth compiles again.
    }
  });
  return stats;
}

/** A module may start with `#!`, valid only at the very start of a script: keep it as a comment. */
function withoutHashbang(content) {
  return content.startsWith('#!') ? `//${content}` : content;
}

module.exports = { PROJECT_CACHE_DIR, enableCompileCache, installFallback };
