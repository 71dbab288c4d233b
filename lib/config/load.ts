import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG, PLACEHOLDER_ACCOUNT } from './defaults';
import { DR_STRATEGIES, profileOverrides, type DrStrategy } from './profiles';
import type { AppConfig, DeepPartial } from './schema';
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
 * file, then inline overrides; validates the result and throws on any problem (a real account
 * with the placeholder hosted zone among them: credentials without a config file stop here).
 */
export function loadConfig(sources: ConfigSources = {}): ValidatedConfig {
  // The user's layers first (CDK_DEFAULT_ACCOUNT, file, inline), so the profile they choose
  // can sit between the defaults and them: defaults, then profile, then the user's values.
  let user: unknown = {};
  const account = sources.env?.CDK_DEFAULT_ACCOUNT;
  if (account) user = deepMerge(user, { primary: { account }, dr: { account } });
  if (sources.configFile) user = deepMerge(user, readJson(sources.configFile));
  if (sources.overrides !== undefined) user = deepMerge(user, sources.overrides);
  const requested = deepMerge(structuredClone(DEFAULT_CONFIG), user);
  return validateConfig(deepMerge(deepMerge(structuredClone(DEFAULT_CONFIG), profileOf(requested)), user), {
    configFile: sources.configFile,
    accountFromEnvironment: account !== undefined && account !== '',
  });
}

/** The values of the profile `requested.drStrategy` names ({} for warm-standby or a bad name, which validation reports). */
function profileOf(requested: unknown): DeepPartial<AppConfig> {
  const strategy = (requested as { drStrategy?: unknown }).drStrategy;
  return DR_STRATEGIES.includes(strategy as DrStrategy)
    ? profileOverrides(strategy as DrStrategy, requested as AppConfig)
    : {};
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
