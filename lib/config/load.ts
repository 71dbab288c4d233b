import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG, PLACEHOLDER_ACCOUNT } from './defaults';
import { ConfigError, validateConfig, type ValidatedConfig } from './validate';

/** Where overrides come from; the app passes its context and environment. */
export interface ConfigSources {
  /** Path of a JSON file with overrides (`-c config=path/to.json`). @default none */
  readonly configFile?: string;
  /** Inline overrides, applied after the file (used by tests). @default none */
  readonly overrides?: unknown;
  /** Process environment; `CDK_DEFAULT_ACCOUNT` replaces the placeholder account. @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds the config: defaults, then CDK_DEFAULT_ACCOUNT in place of the placeholder, then the
 * file, then inline overrides; validates the result and throws on any problem.
 */
export function loadConfig(sources: ConfigSources = {}): ValidatedConfig {
  let merged: unknown = structuredClone(DEFAULT_CONFIG);
  const account = sources.env?.CDK_DEFAULT_ACCOUNT;
  if (account) merged = deepMerge(merged, { primary: { account }, dr: { account } });
  if (sources.configFile) merged = deepMerge(merged, readJson(sources.configFile));
  if (sources.overrides !== undefined) merged = deepMerge(merged, sources.overrides);
  return validateConfig(merged);
}

/** True while the account is still the shipped placeholder (deploys must replace it). */
export function isPlaceholderAccount(account: string): boolean {
  return account === PLACEHOLDER_ACCOUNT;
}

function readJson(file: string): unknown {
  const full = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    throw new ConfigError([
      { path: 'config', value: file, message: `cannot read file: ${(e as Error).message}` },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError([
      { path: 'config', value: file, message: `is not valid JSON: ${(e as Error).message}` },
    ]);
  }
}

/** Objects merge key by key; arrays and scalars from `override` replace the base. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return structuredClone(override);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = key in base ? deepMerge(base[key], value) : structuredClone(value);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
