import { z } from 'zod';
import { PLACEHOLDER_ACCOUNT, PLACEHOLDER_HOSTED_ZONE_ID } from './defaults';
import { AZ_CHECK_COMMAND, availabilityZonesOf, CACHE_ENGINE_VERSIONS, notOneOf } from './facts';
import { profileProblems } from './profiles';
import { scheduleIntervalSeconds } from './schedule';
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

/** Where the config came from, so a problem can say which file to write. */
export interface ValidationContext {
  /** The file passed with `-c config=`. @default none (the shipped defaults) */
  readonly configFile?: string;
  /** The account came from CDK_DEFAULT_ACCOUNT (the CLI's credentials), not from a file. @default false */
  readonly accountFromEnvironment?: boolean;
}

/**
 * Validates a merged config object: shape, ranges and AWS's facts (zod), and the rules that span
 * fields. Throws one ConfigError that names every bad field: a rule that spans fields runs
 * whenever the fields it reads are valid on their own, so both kinds are reported together.
 */
export function validateConfig(input: unknown, context: ValidationContext = {}): ValidatedConfig {
  const parsed = appConfigSchema.safeParse(input, { reportInput: true });
  const issues = parsed.success ? [] : parsed.error.issues;
  const badPaths = issues.flatMap(issuePaths);
  const readable = (field: string) =>
    !badPaths.some(
      (bad) =>
        bad === '' ||
        bad === field ||
        field.startsWith(`${bad}.`) ||
        bad.startsWith(`${field}.`) ||
        bad.startsWith(`${field}[`),
    );
  const problems = [
    ...issues.map((issue) => fromZodIssue(issue, input)),
    ...CROSS_FIELD_RULES.filter((rule) => rule.reads.every(readable)).flatMap((rule) =>
      // The fields a rule reads are valid, so the input can be read as a config for them.
      rule.check(input as AppConfig, context),
    ),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const config = parsed.data;

  const warnings: string[] = [];
  if (config.database.drInstances < 2) {
    warnings.push(
      `database.drInstances = ${config.database.drInstances}: after a promotion the DR writer has no in-region standby; 2 or more is recommended (INV-DB)`,
    );
  }
  warnings.push(...regionSwitchPlanWarnings(config));
  return { config, warnings };
}

/** A rule over several fields: it runs when every field it `reads` passed the schema. */
interface CrossFieldRule {
  readonly reads: readonly string[];
  readonly check: (c: AppConfig, context: ValidationContext) => ConfigProblem[];
}

const problem = (path: string, value: unknown, message: string): ConfigProblem => ({ path, value, message });

const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  ...(['primary', 'dr'] as const).map((key): CrossFieldRule => ({
    reads: [`${key}.region`, `${key}.availabilityZones`],
    check: (c) => availabilityZoneProblems(key, c[key].region, c[key].availabilityZones),
  })),
  {
    reads: ['primary.region', 'dr.region'],
    check: (c) =>
      c.dr.region === c.primary.region
        ? [
            problem(
              'dr.region',
              c.dr.region,
              `must differ from primary.region (${c.primary.region}): DR needs another region`,
            ),
          ]
        : [],
  },
  {
    reads: ['primary.account', 'dr.account'],
    check: (c) =>
      c.dr.account !== c.primary.account
        ? [
            problem(
              'dr.account',
              c.dr.account,
              `must equal primary.account (${c.primary.account}): Aurora Global Database spans regions of one account`,
            ),
          ]
        : [],
  },
  {
    reads: ['writerRegion', 'primary.region', 'dr.region'],
    check: (c) =>
      c.writerRegion !== c.primary.region && c.writerRegion !== c.dr.region
        ? [
            problem(
              'writerRegion',
              c.writerRegion,
              `must be primary.region (${c.primary.region}) or dr.region (${c.dr.region})`,
            ),
          ]
        : [],
  },
  {
    reads: ['fleet.minPerAz', 'fleet.maxPerAz'],
    check: (c) =>
      c.fleet.maxPerAz <= c.fleet.minPerAz
        ? [
            problem(
              'fleet.maxPerAz',
              c.fleet.maxPerAz,
              `must exceed fleet.minPerAz (${c.fleet.minPerAz}): a rolling update needs room above the minimum in service`,
            ),
          ]
        : [],
  },
  {
    reads: ['dns.recordName', 'dns.zoneName'],
    check: (c) =>
      c.dns.recordName !== c.dns.zoneName && !c.dns.recordName.endsWith(`.${c.dns.zoneName}`)
        ? [problem('dns.recordName', c.dns.recordName, `must be inside the hosted zone ${c.dns.zoneName}`)]
        : [],
  },
  {
    reads: ['cache.snapshotWindow', 'cache.maintenanceWindow'],
    check: (c) =>
      windowsOverlap(c.cache.snapshotWindow, c.cache.maintenanceWindow)
        ? [
            problem(
              'cache.maintenanceWindow',
              c.cache.maintenanceWindow,
              `must not overlap cache.snapshotWindow (${c.cache.snapshotWindow}) on any day`,
            ),
          ]
        : [],
  },
  {
    reads: ['cache.engine', 'cache.engineVersion'],
    check: (c) => {
      const allowed = CACHE_ENGINE_VERSIONS[c.cache.engine];
      return allowed.includes(c.cache.engineVersion)
        ? []
        : [
            problem(
              'cache.engineVersion',
              c.cache.engineVersion,
              notOneOf(
                c.cache.engineVersion,
                `a ${c.cache.engine} version ElastiCache offers`,
                allowed,
                'lib/config/facts/elasticache.json',
              ),
            ),
          ];
    },
  },
  {
    reads: ['snapshots.schedule', 'snapshots.retentionDays'],
    check: (c) => {
      const interval = scheduleIntervalSeconds(c.snapshots.schedule) ?? 0;
      return c.snapshots.retentionDays * 86400 < interval
        ? [
            problem(
              'snapshots.retentionDays',
              c.snapshots.retentionDays,
              `must be at least ${Math.ceil(interval / 86400)} day(s): shorter than the interval of snapshots.schedule (${c.snapshots.schedule}), no copy would be kept`,
            ),
          ]
        : [];
    },
  },
  {
    reads: ['cache.authTokenGraceMinutes', 'cache.authTokenRotationDays'],
    check: (c) =>
      c.cache.authTokenGraceMinutes >= c.cache.authTokenRotationDays * 24 * 60
        ? [
            problem(
              'cache.authTokenGraceMinutes',
              c.cache.authTokenGraceMinutes,
              `must be shorter than cache.authTokenRotationDays (${c.cache.authTokenRotationDays} day(s)): the old token must be dropped before the next rotation`,
            ),
          ]
        : [],
  },
  {
    reads: ['failover.regionSwitchPlan', 'primary.account'],
    check: (c) => regionSwitchPlanProblems(c),
  },
  {
    reads: ['primary.account', 'dns.hostedZoneId'],
    check: placeholderProblems,
  },
  {
    reads: ['drStrategy', 'database.drInstances', 'drCapacity', 'fleet.minPerAz', 'fleet.maxPerAz'],
    check: (c) => profileProblems(c),
  },
];

function availabilityZoneProblems(
  key: 'primary' | 'dr',
  region: string,
  azs: readonly string[],
): ConfigProblem[] {
  const known = availabilityZonesOf(region);
  if (!known) {
    return [
      problem(
        `${key}.availabilityZones`,
        azs,
        `lib/config/facts/availability-zones.json does not list the zones of ${region}: add them (${AZ_CHECK_COMMAND.replace('<region>', region)})`,
      ),
    ];
  }
  const problems: ConfigProblem[] = [];
  azs.forEach((az, i) => {
    if (azs.indexOf(az) !== i) {
      problems.push(
        problem(`${key}.availabilityZones[${i}]`, az, 'duplicate availability zone; list each AZ once'),
      );
    } else if (!known.includes(az)) {
      problems.push(
        problem(`${key}.availabilityZones[${i}]`, az, notOneOf(az, `an AZ of ${region}`, known, '')),
      );
    }
  });
  return problems;
}

/**
 * The shipped placeholders only go together: a real account with the placeholder zone would deploy
 * a failover record into a zone that does not exist, and a real zone belongs to a real account.
 */
function placeholderProblems(c: AppConfig, context: ValidationContext): ConfigProblem[] {
  const placeholderAccount = c.primary.account === PLACEHOLDER_ACCOUNT;
  const placeholderZone = c.dns.hostedZoneId === PLACEHOLDER_HOSTED_ZONE_ID;
  if (placeholderAccount === placeholderZone) return [];
  const file = context.configFile
    ? `your config file ${context.configFile}`
    : 'a config file (copy config/example.json to config/my-account.json) and pass it with -c config=config/my-account.json';
  if (placeholderZone) {
    const from = context.accountFromEnvironment
      ? ' (CDK_DEFAULT_ACCOUNT: the CDK CLI found credentials)'
      : '';
    return [
      problem(
        'dns.hostedZoneId',
        c.dns.hostedZoneId,
        `is the shipped placeholder, but account ${c.primary.account}${from} is real, so a deploy would target a hosted zone that does not exist: write your public hosted zone (dns.zoneName, dns.hostedZoneId, dns.recordName) into ${file}; for an offline synth, run without credentials`,
      ),
    ];
  }
  return [
    problem(
      'primary.account',
      c.primary.account,
      `is the shipped placeholder, but dns.hostedZoneId (${c.dns.hostedZoneId}) is a real zone: write the account that owns it as primary.account and dr.account into ${file}`,
    ),
  ];
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

/** The field paths an issue is about (the unknown keys themselves, for unrecognized_keys). */
function issuePaths(issue: z.core.$ZodIssue): string[] {
  const base = dotted(issue.path);
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => (base ? `${base}.${k}` : k));
  return [base];
}

function dotted(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

function fromZodIssue(issue: z.core.$ZodIssue, root: unknown): ConfigProblem {
  const path = dotted(issue.path);
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
