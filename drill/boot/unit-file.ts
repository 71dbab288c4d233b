/**
 * The parts of a systemd service unit the drill's `systemctl` stand-in executes, parsed with systemd's own rules
 * (systemd.unit(5), systemd.service(5), systemd.exec(5)) as Amazon Linux 2023's systemd 252 applies them:
 * repeated keys accumulate (`ExecStartPre`, `Environment`, `EnvironmentFile`), `-` makes an EnvironmentFile
 * optional, an ExecStart* `+` runs the command as root outside `User=`, `-` ignores its failure. Keys systemd 252
 * does not know (`RestartSteps`, `RestartMaxDelaySec` arrived in 254) are reported and ignored, as it does.
 */

export interface ExecCommand {
  readonly argv: readonly string[];
  /** `+`: full privileges (root), not `User=`. */
  readonly privileged: boolean;
  /** `-`: a failure exit code is ignored. */
  readonly ignoreFailure: boolean;
}

export type RestartPolicy =
  'no' | 'always' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-abort' | 'on-watchdog';

export interface ServiceUnit {
  readonly user?: string;
  readonly execStartPre: readonly ExecCommand[];
  readonly execStart: ExecCommand;
  readonly environment: Readonly<Record<string, string>>;
  readonly environmentFiles: readonly { readonly path: string; readonly optional: boolean }[];
  readonly restart: RestartPolicy;
  readonly restartSec: number;
  /** Exit codes after which the unit is not restarted, whatever `Restart=` says. */
  readonly restartPreventExitStatus: readonly number[];
  /** 0: no start rate limit. @default 10 (systemd's DefaultStartLimitIntervalSec) */
  readonly startLimitIntervalSec: number;
  /** @default 5 (systemd's DefaultStartLimitBurst) */
  readonly startLimitBurst: number;
  /** `append:<file>` targets of StandardOutput/StandardError. */
  readonly standardOutput?: string;
  readonly standardError?: string;
  /** Keys the unit sets that systemd 252 does not know (it logs and ignores them). */
  readonly ignoredKeys: readonly string[];
}

/** Keys systemd 252 knows in the sections this project writes; anything else is logged and ignored. */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  Unit: ['Description', 'After', 'Wants', 'Requires', 'Before', 'StartLimitIntervalSec', 'StartLimitBurst'],
  Service: [
    'Type',
    'User',
    'Group',
    'ExecStartPre',
    'ExecStart',
    'ExecStartPost',
    'ExecStop',
    'Environment',
    'EnvironmentFile',
    'Restart',
    'RestartSec',
    'RestartPreventExitStatus',
    'KillSignal',
    'TimeoutStopSec',
    'TimeoutStartSec',
    'NoNewPrivileges',
    'ProtectSystem',
    'ProtectHome',
    'PrivateTmp',
    'ReadWritePaths',
    'StandardOutput',
    'StandardError',
    'WorkingDirectory',
  ],
  Install: ['WantedBy', 'RequiredBy', 'Alias'],
};

const RESTART_POLICIES: readonly RestartPolicy[] = [
  'no',
  'always',
  'on-success',
  'on-failure',
  'on-abnormal',
  'on-abort',
  'on-watchdog',
];

/** A systemd time span in seconds: `5`, `5s`, `1min 30s`, `100ms`. */
export function parseTimeSpan(text: string, key: string): number {
  const units: Record<string, number> = { '': 1, s: 1, sec: 1, ms: 0.001, m: 60, min: 60, h: 3600, hr: 3600 };
  let total = 0;
  const parts = text.trim().split(/\s+/);
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    if (!m || !(m[2] in units)) throw new Error(`unit: ${key}=${text} is not a time span`);
    total += Number(m[1]) * units[m[2]];
  }
  return total;
}

/** Splits a command line into words the way systemd does (double and single quotes, backslash escapes). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unit: unterminated quote in '${line}'`);
  if (inWord) words.push(current);
  return words;
}

function parseExec(value: string, key: string): ExecCommand {
  let rest = value.trim();
  let privileged = false;
  let ignoreFailure = false;
  for (;;) {
    const prefix = rest[0];
    if (prefix === '+') privileged = true;
    else if (prefix === '-') ignoreFailure = true;
    else if (prefix === '@' || prefix === ':' || prefix === '!') {
      throw new Error(`unit: ${key} prefix '${prefix}' is not supported by the drill`);
    } else break;
    rest = rest.slice(1);
  }
  const argv = splitCommandLine(rest);
  if (argv.length === 0) throw new Error(`unit: ${key} has no command`);
  if (!argv[0].startsWith('/'))
    throw new Error(`unit: ${key} must name its program by absolute path, got '${argv[0]}'`);
  return { argv, privileged, ignoreFailure };
}

/** `Environment=` assignments: space-separated, each `NAME=value`, quotes allowed around the whole assignment. */
function parseEnvironment(value: string, into: Record<string, string>): void {
  for (const word of splitCommandLine(value)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`unit: Environment entry '${word}' is not NAME=value`);
    into[word.slice(0, eq)] = word.slice(eq + 1);
  }
}

/** Parses a service unit's text; throws naming the key on anything it cannot execute faithfully. */
export function parseServiceUnit(text: string): ServiceUnit {
  let section = '';
  const values: Record<string, string[]> = {};
  const ignoredKeys: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !section) throw new Error(`unit: cannot parse line '${line}'`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!(KNOWN_KEYS[section] ?? []).includes(key)) {
      ignoredKeys.push(`[${section}] ${key}`);
      continue;
    }
    const id = `${section}.${key}`;
    // An empty assignment resets a list key (systemd.unit(5)).
    if (value === '') values[id] = [];
    else (values[id] ??= []).push(value);
  }
  const last = (id: string): string | undefined => values[id]?.[values[id].length - 1];

  const starts = values['Service.ExecStart'] ?? [];
  if (starts.length !== 1)
    throw new Error(`unit: a simple service needs exactly one ExecStart, got ${starts.length}`);
  const environment: Record<string, string> = {};
  for (const v of values['Service.Environment'] ?? []) parseEnvironment(v, environment);
  const restart = (last('Service.Restart') ?? 'no') as RestartPolicy;
  if (!RESTART_POLICIES.includes(restart))
    throw new Error(`unit: Restart=${restart} is not a restart policy`);
  const preventCodes = (values['Service.RestartPreventExitStatus'] ?? []).flatMap((v) =>
    v.split(/\s+/).map((code) => {
      if (!/^\d+$/.test(code)) {
        throw new Error(
          `unit: RestartPreventExitStatus=${code}: the drill supports exit codes, not signal names`,
        );
      }
      return Number(code);
    }),
  );
  const output = (key: string): string | undefined => {
    const v = last(`Service.${key}`);
    if (v === undefined) return undefined;
    if (!v.startsWith('append:')) throw new Error(`unit: ${key}=${v}: the drill supports append:<file> only`);
    return v.slice('append:'.length);
  };
  return {
    user: last('Service.User'),
    execStartPre: (values['Service.ExecStartPre'] ?? []).map((v) => parseExec(v, 'ExecStartPre')),
    execStart: parseExec(starts[0], 'ExecStart'),
    environment,
    environmentFiles: (values['Service.EnvironmentFile'] ?? []).map((v) =>
      v.startsWith('-') ? { path: v.slice(1), optional: true } : { path: v, optional: false },
    ),
    restart,
    restartSec: parseTimeSpan(last('Service.RestartSec') ?? '100ms', 'RestartSec'),
    restartPreventExitStatus: preventCodes,
    startLimitIntervalSec: parseTimeSpan(last('Unit.StartLimitIntervalSec') ?? '10', 'StartLimitIntervalSec'),
    startLimitBurst: Number(last('Unit.StartLimitBurst') ?? '5'),
    standardOutput: output('StandardOutput'),
    standardError: output('StandardError'),
    ignoredKeys,
  };
}

/**
 * An EnvironmentFile's assignments (systemd.exec(5)): `NAME=value` per line, `#`/`;` comments, optional
 * surrounding quotes. A line that is not an assignment is an error naming it (systemd would log and skip it;
 * the drill refuses it so a broken fetch-env cannot pass unnoticed).
 */
export function parseEnvironmentFile(text: string, source: string): Record<string, string> {
  const env: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: '${line}' is not NAME=value`);
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    env[m[1]] = value;
  });
  return env;
}

/** What systemd does after the main process exited with `code` (null: killed by a signal). */
export function restartDecision(unit: ServiceUnit, code: number | null): 'restart' | 'stay-down' {
  if (code !== null && unit.restartPreventExitStatus.includes(code)) return 'stay-down';
  const clean = code === 0;
  switch (unit.restart) {
    case 'always':
      return 'restart';
    case 'on-success':
      return clean ? 'restart' : 'stay-down';
    case 'on-failure':
      return clean ? 'stay-down' : 'restart';
    case 'on-abnormal':
    case 'on-abort':
    case 'on-watchdog':
      return code === null ? 'restart' : 'stay-down';
    default:
      return 'stay-down';
  }
}

/**
 * Whether one more start is allowed under StartLimitIntervalSec/StartLimitBurst (`startTimes` in seconds,
 * the starts so far). 0 disables the limit (systemd.unit(5)).
 */
export function startAllowed(unit: ServiceUnit, startTimes: readonly number[], now: number): boolean {
  if (unit.startLimitIntervalSec === 0) return true;
  return startTimes.filter((t) => now - t < unit.startLimitIntervalSec).length < unit.startLimitBurst;
}
