/**
 * Service configuration, read only from environment variables (see the service contract in the README).
 * Every problem is collected and reported at once, naming the variable, the value and what is allowed.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface DbConfig {
  readonly writerHost: string;
  /** @default writerHost */
  readonly readerHost: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: string;
  /** Secrets Manager id of JSON {username,password}; takes precedence over user/password. */
  readonly secretId?: string;
  readonly ssl: boolean;
  /** PEM bundle trusted in addition to Node's default CAs (see trust.ts). */
  readonly sslCaFile?: string;
  /** Time to open a connection (TCP + TLS + auth). */
  readonly connectTimeoutMs: number;
  /** Client-side query timeout (server-side statement_timeout is set slightly lower). */
  readonly queryTimeoutMs: number;
  /** A read slower than this fails (and counts as a failure for the db-reader circuit breaker). */
  readonly latencyBudgetMs: number;
  /**
   * The read latency breaker's budget: when the p95 of database reads over a short window exceeds it, reads are
   * served from the cache (stale entries included) instead of waiting for the database. Below latencyBudgetMs.
   */
  readonly readP95BudgetMs: number;
  /** How long the read latency breaker stays open before half-open probes test the database again. */
  readonly readBreakerOpenMs: number;
  readonly poolMax: number;
  /** How often reachability and writability (pg_is_in_recovery()) are re-checked. */
  readonly healthIntervalMs: number;
}

export interface RedisConfig {
  readonly nodes: readonly HostPort[];
  readonly tls: boolean;
  /** PEM bundle trusted in addition to Node's default CAs (see trust.ts). */
  readonly tlsCaFile?: string;
  readonly password?: string;
  readonly secretId?: string;
  /** Per-command timeout; also the cache breaker's latency budget. */
  readonly commandTimeoutMs: number;
  /**
   * How often the auth token is re-read (REDIS_SECRET_REFRESH_SECONDS); a changed token gets a new connection set
   * before the old one is closed. Must stay well inside the rotation's grace period, in which both tokens work.
   */
  readonly secretRefreshMs: number;
}

/** Default of REDIS_SECRET_REFRESH_SECONDS; cache.authTokenGraceMinutes is validated against three of these. */
export const DEFAULT_REDIS_SECRET_REFRESH_SECONDS = 300;

export interface BreakerConfig {
  /** Error percentage (over the rolling window) that opens a breaker. */
  readonly errorThresholdPercentage: number;
  /** How long a breaker stays open before letting a trial call through. */
  readonly resetTimeoutMs: number;
  /** Minimum calls in the window before the breaker may open. */
  readonly volumeThreshold: number;
  readonly rollingWindowMs: number;
}

export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  readonly db: DbConfig;
  /** Undefined when REDIS_NODES is unset: the service runs without a cache. */
  readonly redis?: RedisConfig;
  readonly breaker: BreakerConfig;
  readonly awsRegion?: string;
  readonly readinessGraceMs: number;
  readonly shutdownDrainMs: number;
  readonly sessionTtlSeconds: number;
  /** In-process memo of validated sessions (saves a Redis round trip per request); 0 disables. */
  readonly sessionMemoMs: number;
  readonly itemCacheTtlSeconds: number;
  /**
   * How long cached reads are kept past their TTL, to be served (marked stale) while the read latency breaker is
   * open or the database cannot answer; 0 keeps nothing past the TTL.
   */
  readonly itemCacheStaleSeconds: number;
  /** In-process memo of (immutable) items in front of Redis; 0 disables. */
  readonly itemMemoMs: number;
  readonly logLevel: LogLevel;
  readonly az?: string;
  readonly instanceId?: string;
}

/** sysexits.h EX_TEMPFAIL: required configuration is not there yet (systemd restarts the service). */
export const EXIT_CONFIG_NOT_YET_AVAILABLE = 75;
/** sysexits.h EX_CONFIG: configuration is there but wrong; no restart can fix it (systemd leaves it down). */
export const EXIT_CONFIG_INVALID = 78;

/**
 * Every configuration problem, split by what fixes it: `missing` (a required variable is unset, e.g. the SSM
 * parameters the boot turns into the environment do not exist yet; time fixes it) and `invalid` (a value is
 * present but wrong; only a person fixes it).
 */
export class ConfigError extends Error {
  readonly missing: readonly string[];
  readonly invalid: readonly string[];
  constructor(problems: { readonly missing?: readonly string[]; readonly invalid?: readonly string[] }) {
    const missing = problems.missing ?? [];
    const invalid = problems.invalid ?? [];
    const all = [...invalid, ...missing];
    super(
      `service configuration ${invalid.length > 0 ? 'invalid' : 'incomplete'}:\n  - ${all.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
    this.missing = missing;
    this.invalid = invalid;
  }

  get problems(): readonly string[] {
    return [...this.invalid, ...this.missing];
  }

  /** 78 when anything is invalid (restarting cannot help), else 75 (restart until the configuration appears). */
  get exitCode(): number {
    return this.invalid.length > 0 ? EXIT_CONFIG_INVALID : EXIT_CONFIG_NOT_YET_AVAILABLE;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses the environment into a ServiceConfig or throws ConfigError listing every problem. */
export function parseConfig(env: Env): ServiceConfig {
  const invalid: string[] = [];
  const missing: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < min || n > max) {
      invalid.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return def;
    }
    return n;
  };
  const bool = (name: string, def: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return def;
    const v = raw.toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    invalid.push(`${name} must be true or false, got '${raw}'`);
    return def;
  };

  const writerHost = str('DB_WRITER_HOST');
  if (!writerHost) missing.push('DB_WRITER_HOST is required (the writer/cluster endpoint or RDS Proxy host)');
  const secretId = str('DB_SECRET_ID');
  const password = str('DB_PASSWORD');
  if (!secretId && password === undefined) {
    missing.push('one of DB_SECRET_ID (Secrets Manager id) or DB_PASSWORD is required');
  }
  const sslCaFile = str('DB_SSL_CA_FILE');
  const ssl = bool('DB_SSL', false);
  if (sslCaFile && !ssl) invalid.push(`DB_SSL_CA_FILE is set ('${sslCaFile}') but DB_SSL is not true`);
  if ((secretId || str('REDIS_SECRET_ID')) && !str('AWS_REGION')) {
    missing.push('AWS_REGION is required when DB_SECRET_ID or REDIS_SECRET_ID is set');
  }

  const queryTimeoutMs = int('DB_QUERY_TIMEOUT_MS', 2000, 50, 60000);
  const db: DbConfig = {
    writerHost: writerHost ?? '',
    readerHost: str('DB_READER_HOST') ?? writerHost ?? '',
    port: int('DB_PORT', 5432, 1, 65535),
    database: str('DB_NAME') ?? 'app',
    user: str('DB_USER') ?? 'app_service',
    password,
    secretId,
    ssl,
    sslCaFile,
    connectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 2000, 50, 60000),
    queryTimeoutMs,
    latencyBudgetMs: int('DB_LATENCY_BUDGET_MS', 500, 10, 60000),
    // 100 ms at p95: 10-50x a healthy primary-key read (2-10 ms on Aurora), so ordinary noise never trips it, while
    // +200 ms does. A cache miss can cost two reads (session, item) and up to 3 attempts each: 6 x 100 ms stays well
    // inside the service's latency SLO (target p99 under 1 s, the TargetLatencyP99 alarm).
    readP95BudgetMs: int('DB_READ_P95_BUDGET_MS', 100, 5, 60000),
    readBreakerOpenMs: int('DB_READ_BREAKER_OPEN_MS', 5000, 100, 600000),
    poolMax: int('DB_POOL_MAX', 10, 1, 1000),
    healthIntervalMs: int('DB_HEALTH_INTERVAL_MS', 2000, 100, 60000),
  };

  let redis: RedisConfig | undefined;
  const nodesRaw = str('REDIS_NODES');
  if (nodesRaw) {
    const nodes: HostPort[] = [];
    for (const entry of nodesRaw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^(.+):(\d{1,5})$/.exec(entry);
      const port = m ? Number(m[2]) : NaN;
      if (!m || port < 1 || port > 65535) {
        invalid.push(`REDIS_NODES entry '${entry}' must be host:port (port 1-65535)`);
        continue;
      }
      nodes.push({ host: m[1], port });
    }
    const redisTls = bool('REDIS_TLS', false);
    const redisTlsCaFile = str('REDIS_TLS_CA_FILE');
    if (redisTlsCaFile && !redisTls) {
      invalid.push(`REDIS_TLS_CA_FILE is set ('${redisTlsCaFile}') but REDIS_TLS is not true`);
    }
    redis = {
      nodes,
      tls: redisTls,
      tlsCaFile: redisTlsCaFile,
      password: str('REDIS_PASSWORD'),
      secretId: str('REDIS_SECRET_ID'),
      commandTimeoutMs: int('REDIS_COMMAND_TIMEOUT_MS', 250, 10, 60000),
      secretRefreshMs:
        int('REDIS_SECRET_REFRESH_SECONDS', DEFAULT_REDIS_SECRET_REFRESH_SECONDS, 1, 3600) * 1000,
    };
  } else if (str('REDIS_SECRET_ID') || str('REDIS_PASSWORD')) {
    missing.push(
      'REDIS_NODES is required when REDIS_PASSWORD/REDIS_SECRET_ID is set (no cache would be used)',
    );
  }

  const logLevelRaw = (str('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    invalid.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevelRaw}'`);
  }

  const config: ServiceConfig = {
    port: int('PORT', 8080, 0, 65535), // 0: an ephemeral port (tests)
    host: str('HOST') ?? '0.0.0.0',
    db,
    redis,
    breaker: {
      errorThresholdPercentage: int('BREAKER_ERROR_PERCENT', 50, 1, 100),
      resetTimeoutMs: int('BREAKER_RESET_MS', 5000, 100, 600000),
      volumeThreshold: int('BREAKER_VOLUME_THRESHOLD', 10, 1, 100000),
      rollingWindowMs: int('BREAKER_WINDOW_MS', 10000, 1000, 600000),
    },
    awsRegion: str('AWS_REGION'),
    readinessGraceMs: int('READINESS_GRACE_SECONDS', 30, 0, 3600) * 1000,
    shutdownDrainMs: int('SHUTDOWN_DRAIN_SECONDS', 20, 0, 3600) * 1000,
    sessionTtlSeconds: int('SESSION_TTL_SECONDS', 3600, 60, 30 * 86400),
    sessionMemoMs: int('SESSION_MEMO_MS', 5000, 0, 60000),
    itemCacheTtlSeconds: int('ITEM_CACHE_TTL_SECONDS', 300, 1, 86400),
    itemCacheStaleSeconds: int('ITEM_CACHE_STALE_SECONDS', 3600, 0, 7 * 86400),
    itemMemoMs: int('ITEM_MEMO_MS', 5000, 0, 60000),
    logLevel: logLevelRaw as LogLevel,
    az: str('AZ'),
    instanceId: str('INSTANCE_ID'),
  };
  if (db.readP95BudgetMs >= db.latencyBudgetMs) {
    // Reads end at latencyBudgetMs, so their p95 could never exceed a budget at or above it.
    invalid.push(
      `DB_READ_P95_BUDGET_MS (${db.readP95BudgetMs}) must be below DB_LATENCY_BUDGET_MS (${db.latencyBudgetMs}): reads time out at the latter, so the read latency breaker could never open`,
    );
  }
  if (invalid.length > 0 || missing.length > 0) throw new ConfigError({ missing, invalid });
  return config;
}
