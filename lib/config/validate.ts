import { z } from 'zod';
import { profileProblems } from './profiles';
import { regionSwitchPlanProblems, regionSwitchPlanWarnings } from './region-switch';
import { appConfigSchema, type AppConfig } from './schema';

/** One bad field: where it is, what it holds, and what is allowed. */
export interface ConfigProblem {
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/** Thrown before any construct exists; lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid config (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was synthesized:\n` +
        problems.map((p) => `  - ${p.path} = ${show(p.value)}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** A valid config plus the findings that are allowed but worth a warning at synth. */
export interface ValidatedConfig {
  readonly config: AppConfig;
  readonly warnings: readonly string[];
}

/**
 * Validates a merged config object: shape and ranges (zod), then the rules that span fields.
 * Throws one ConfigError that names every bad field.
 */
export function validateConfig(input: unknown): ValidatedConfig {
  const parsed = appConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => fromZodIssue(issue, input)));
  }
  const config = parsed.data;
  const problems = crossFieldProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);

  const warnings: string[] = [];
  if (config.database.drInstances < 2) {
    warnings.push(
      `database.drInstances = ${config.database.drInstances}: after a promotion the DR writer has no in-region standby; 2 or more is recommended (INV-DB)`,
    );
  }
  warnings.push(...regionSwitchPlanWarnings(config));
  return { config, warnings };
}

function crossFieldProblems(c: AppConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, value: unknown, message: string) => problems.push({ path, value, message });

  for (const key of ['primary', 'dr'] as const) {
    const { region, availabilityZones } = c[key];
    const seen = new Set<string>();
    availabilityZones.forEach((az, i) => {
      if (seen.has(az))
        add(`${key}.availabilityZones[${i}]`, az, 'duplicate availability zone; list each AZ once');
      seen.add(az);
      if (!new RegExp(`^${region}[a-z]$`).test(az)) {
        add(`${key}.availabilityZones[${i}]`, az, `must be an AZ of ${region}, such as ${region}a`);
      }
    });
  }
  if (c.dr.region === c.primary.region) {
    add(
      'dr.region',
      c.dr.region,
      `must differ from primary.region (${c.primary.region}): DR needs another region`,
    );
  }
  if (c.dr.account !== c.primary.account) {
    add(
      'dr.account',
      c.dr.account,
      `must equal primary.account (${c.primary.account}): Aurora Global Database spans regions of one account`,
    );
  }
  if (c.writerRegion !== c.primary.region && c.writerRegion !== c.dr.region) {
    add(
      'writerRegion',
      c.writerRegion,
      `must be primary.region (${c.primary.region}) or dr.region (${c.dr.region})`,
    );
  }
  if (c.fleet.maxPerAz <= c.fleet.minPerAz) {
    add(
      'fleet.maxPerAz',
      c.fleet.maxPerAz,
      `must exceed fleet.minPerAz (${c.fleet.minPerAz}): a rolling update needs room above the minimum in service`,
    );
  }
  if (c.dns.recordName !== c.dns.zoneName && !c.dns.recordName.endsWith(`.${c.dns.zoneName}`)) {
    add('dns.recordName', c.dns.recordName, `must be inside the hosted zone ${c.dns.zoneName}`);
  }
  if (windowsOverlap(c.cache.snapshotWindow, c.cache.maintenanceWindow)) {
    add(
      'cache.maintenanceWindow',
      c.cache.maintenanceWindow,
      `must not overlap cache.snapshotWindow (${c.cache.snapshotWindow}) on any day`,
    );
  }
  problems.push(...profileProblems(c));
  problems.push(...regionSwitchPlanProblems(c));
  return problems;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const WEEK = 7 * 24 * 60;

/** Does a daily "hh:mm-hh:mm" window overlap a weekly "ddd:hh:mm-ddd:hh:mm" one? */
export function windowsOverlap(daily: string, weekly: string): boolean {
  const [ds, de] = daily.split('-').map(minutes);
  const [ws, we] = weekly.split('-').map((p) => DAYS.indexOf(p.slice(0, 3)) * 24 * 60 + minutes(p.slice(4)));
  const weeklyEnd = we > ws ? we : we + WEEK;
  const dailyLength = (de - ds + 24 * 60) % (24 * 60) || 24 * 60;
  for (let day = -1; day < 8; day++) {
    const start = day * 24 * 60 + ds;
    if (start < weeklyEnd && start + dailyLength > ws) return true;
  }
  return false;
}

function fromZodIssue(issue: z.core.$ZodIssue, root: unknown): ConfigProblem {
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    const where = path || '(root)';
    const allowed = allowedKeys(issue.path);
    return {
      path: issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(', '),
      value: issue.keys,
      message: `unknown key${issue.keys.length > 1 ? 's' : ''} in ${where}; allowed keys: ${allowed.join(', ')}`,
    };
  }
  const value = 'input' in issue ? issue.input : valueAt(root, issue.path);
  return { path: path || '(root)', value, message: issue.message };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    root,
  );
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = appConfigSchema;
  for (const key of path) {
    if (schema instanceof z.ZodObject) schema = schema.shape[String(key)] as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
