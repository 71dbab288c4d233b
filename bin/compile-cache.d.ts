// Types of bin/compile-cache.js (plain CommonJS: the launcher loads it before any TypeScript).

/** Where the launcher keeps the cache: under node_modules, so `npm ci` starts it afresh. */
export declare const PROJECT_CACHE_DIR: string;

/** Enables the code cache in `cacheDir`; returns which one runs. */
export declare function enableCompileCache(cacheDir: string): 'node' | 'fallback' | 'off';

/** The Node 20 fallback over `dir`, with its counters. */
export declare function installFallback(dir: string): { hits: number; misses: number; written: number };
