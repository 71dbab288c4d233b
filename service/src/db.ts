/**
 * PostgreSQL access: a writer pool (cluster/writer endpoint) and a reader pool (reader endpoint), each behind its
 * own circuit breaker. Reads are retried with backoff + jitter; writes never (only a connection-time auth
 * failure, where nothing ran, is retried once after re-reading the rotated secret). Writability is probed from
 * the database itself and re-checked on an interval, and the idempotent schema migration runs whenever the
 * writer is writable and it has not run yet.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseError, Pool, PoolClient, PoolConfig } from 'pg';
import { Breaker, createBreaker, isBreakerOpen, isBreakerTimeout } from './breaker';
import { BreakerConfig, DbConfig } from './config';
import { CredentialSource, DbCredentials } from './credentials';
import {
  isAuthError,
  isConnectionError,
  isResourceExhausted,
  OutcomeUnknownError,
  pgCode,
  READ_ONLY_SQLSTATE,
  ServiceUnavailableError,
} from './errors';
import { DbHealth, DbHealthTracker, ProbeResult } from './health';
import { LatencyBreaker, LatencyBreakerState } from './latency-breaker';
import { Logger } from './logger';
import { MIGRATION_SQL, MIGRATION_LOCK_ID, PROBE_WRITE_SQL } from './schema';
import { retry } from './retry';
import { tlsTrust } from './trust';

export type PoolName = 'writer' | 'reader';

export interface PoolStats {
  readonly pool: PoolName;
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** What the rest of the service needs from the database (fakes implement this in unit tests). */
export interface Database {
  /** Idempotent read on the reader endpoint (retried). Rejects with ServiceUnavailableError when unavailable. */
  read<R extends object>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Write on the writer endpoint (never blindly retried). Rejects with ServiceUnavailableError when unreachable or read-only. */
  write<R extends object>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Latest probed health (no I/O). */
  health(): DbHealth;
  poolStats(): PoolStats[];
  readonly breakers: readonly Breaker[];
  /**
   * The read path's latency breaker: 'open' while database reads are slower than their p95 budget, when callers
   * should serve what the cache holds (stale included) and read the database only for what it does not.
   */
  readonly readLatency: { state(): LatencyBreakerState };
}

export interface PgDatabaseOptions {
  readonly config: DbConfig;
  readonly breaker: BreakerConfig;
  readonly credentials: CredentialSource<DbCredentials>;
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
  /** CAs trusted besides DB_SSL_CA_FILE (tests stand in for the public roots). @default Node's default CAs */
  readonly trustedRoots?: readonly string[];
}

/** Errors that say nothing about the database's availability (bad input, constraint violations, ...). */
function isApplicationError(err: unknown): boolean {
  const code = pgCode(err);
  return (
    code !== undefined &&
    !isConnectionError(err) &&
    !isAuthError(err) &&
    !isResourceExhausted(err) &&
    code !== '42P01'
  );
}

/**
 * Errors of statements that were handed to a connection and got no answer from the server (the connection broke,
 * or the client-side query timeout fired): the server may have run them. A server-reported error (a DatabaseError,
 * even FATAL 57P01 from pg_terminate_backend) means the statement did not commit: PostgreSQL sends a statement's
 * CommandComplete before any later error on the same connection.
 */
const unanswered = new WeakSet<object>();

/** Connections that must not go back to the pool: broken ones, and ones that reached a standby. */
function mustDiscard(err: unknown): boolean {
  return isConnectionError(err) || pgCode(err) === READ_ONLY_SQLSTATE;
}

export class PgDatabase implements Database {
  readonly breakers: readonly Breaker[];
  readonly readLatency: LatencyBreaker;
  private readonly tracker: DbHealthTracker;
  private readonly writerBreaker: Breaker;
  private readonly readerBreaker: Breaker;
  private readonly now: () => number;
  private readonly log: Logger;
  private writerPool: Pool;
  private readerPool: Pool;
  private username: string | undefined;
  private migrated = false;
  private timer?: NodeJS.Timeout;
  private probing?: Promise<DbHealth>;
  private closed = false;
  private readonly ssl: PoolConfig['ssl'];

  constructor(private readonly options: PgDatabaseOptions) {
    const { config, breaker } = options;
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'db' });
    this.tracker = new DbHealthTracker(this.now());
    this.ssl = config.ssl ? tlsTrust('DB_SSL_CA_FILE', config.sslCaFile, options.trustedRoots) : false;
    const common = { ...breaker, isApplicationError };
    // No latency budget for writes: abandoning a write that is still running would report "not done" for a write
    // that may yet commit. Writes end by statement_timeout (server-side: cancelled, known not applied) or by the
    // client query timeout just after it (no answer: outcome unknown).
    this.writerBreaker = createBreaker({ name: 'db-writer', ...common, timeoutMs: false });
    this.readerBreaker = createBreaker({ name: 'db-reader', ...common, timeoutMs: config.latencyBudgetMs });
    this.breakers = [this.writerBreaker, this.readerBreaker];
    // Reads only: a write that is slow but within its own budget (statement_timeout) still succeeds, never failed.
    this.readLatency = new LatencyBreaker({
      budgetMs: config.readP95BudgetMs,
      openMs: config.readBreakerOpenMs,
      now: this.now,
      onChange: (state, p95Ms) => {
        const fields = {
          breaker: 'db-read-latency',
          p95Ms: Math.round(p95Ms),
          budgetMs: config.readP95BudgetMs,
        };
        if (state === 'open')
          this.log.warn(fields, 'read latency breaker opened; serving reads from the cache');
        else this.log.info(fields, `read latency breaker ${state === 'closed' ? 'closed' : 'half-open'}`);
      },
    });
    for (const b of this.breakers) {
      b.on('open', () => this.log.warn({ breaker: b.name }, 'circuit breaker opened'));
      b.on('close', () => this.log.info({ breaker: b.name }, 'circuit breaker closed'));
    }
    this.writerPool = this.createPool('writer', config.user);
    this.readerPool = this.createPool('reader', config.user);
  }

  /** Loads credentials, probes once (running the migration when writable) and starts the periodic re-check. */
  async start(): Promise<DbHealth> {
    const health = await this.probe();
    const tick = (): void => {
      if (this.closed) return;
      this.probe()
        .catch((err) => this.log.error({ err }, 'health probe failed unexpectedly'))
        .finally(() => {
          if (!this.closed) this.timer = setTimeout(tick, this.options.config.healthIntervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.options.config.healthIntervalMs).unref();
    return health;
  }

  health(): DbHealth {
    return this.tracker.snapshot();
  }

  poolStats(): PoolStats[] {
    return [
      {
        pool: 'writer',
        total: this.writerPool.totalCount,
        idle: this.writerPool.idleCount,
        waiting: this.writerPool.waitingCount,
      },
      {
        pool: 'reader',
        total: this.readerPool.totalCount,
        idle: this.readerPool.idleCount,
        waiting: this.readerPool.waitingCount,
      },
    ];
  }

  async read<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return await retry(() => this.readerBreaker.run(() => this.timedRead<R>(sql, params)), {
        attempts: 3,
        baseDelayMs: 25,
        maxDelayMs: 250,
        isRetryable: (err) => !isBreakerOpen(err) && (isConnectionError(err) || isBreakerTimeout(err)),
      });
    } catch (err) {
      throw this.toUnavailable(err, 'read');
    }
  }

  /** One read attempt, its duration (answered or failed) a sample for the read latency breaker. */
  private async timedRead<R extends object>(sql: string, params: readonly unknown[]): Promise<R[]> {
    const started = performance.now();
    try {
      return await this.withAuthRetry<R>('reader', sql, params);
    } finally {
      this.readLatency.record(performance.now() - started);
    }
  }

  async write<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const health = this.tracker.snapshot();
    if (health.writer.reachable && health.inRecovery) {
      throw new ServiceUnavailableError(
        'read_only',
        'the database is read-only in this region; retry later',
        30,
      );
    }
    try {
      const rows = await this.writerBreaker.run(() => this.withAuthRetry<R>('writer', sql, params));
      this.tracker.markWriteSucceeded();
      return rows;
    } catch (err) {
      if (typeof err === 'object' && err !== null && unanswered.has(err)) {
        throw new OutcomeUnknownError(`database write got no answer: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (isResourceExhausted(err)) {
        this.tracker.markWriteBlocked(`${pgCode(err)} ${(err as Error).message}`);
        throw new ServiceUnavailableError(
          'resource_exhausted',
          'the database cannot take writes right now (out of disk, memory or another resource); nothing was written, retry later',
          30,
          { cause: err },
        );
      }
      if (pgCode(err) === READ_ONLY_SQLSTATE) {
        this.tracker.markReadOnly(this.now());
        void this.probe().catch(() => undefined);
        throw new ServiceUnavailableError(
          'read_only',
          'the database is read-only in this region; retry later',
          30,
          { cause: err },
        );
      }
      throw this.toUnavailable(err, 'write');
    }
  }

  /** Probes both endpoints now (single-flight) and updates the health state. */
  probe(): Promise<DbHealth> {
    this.probing ??= this.doProbe().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const b of this.breakers) b.shutdown();
    await Promise.allSettled([this.writerPool.end(), this.readerPool.end()]);
  }

  /**
   * Loads the credentials until it succeeds once (a Secrets Manager hiccup at boot must not crash-loop the
   * instance: it keeps serving /healthz, /readyz says not ready, and every probe tries again).
   */
  private async ensureCredentials(): Promise<string | undefined> {
    if (this.username !== undefined) return undefined;
    try {
      const creds = await this.options.credentials.get();
      if (creds.username !== this.username) this.replacePools(creds.username);
      return undefined;
    } catch (err) {
      this.log.error({ err }, 'could not load database credentials; retrying on the next health check');
      return `credentials unavailable: ${(err as Error).message}`;
    }
  }

  private async doProbe(): Promise<DbHealth> {
    const credentialError = await this.ensureCredentials();
    if (credentialError) {
      const now = this.now();
      this.tracker.recordWriter(now, { ok: false, error: credentialError });
      this.tracker.recordReader(now, { ok: false, error: credentialError });
      return this.tracker.snapshot();
    }
    const timeoutMs = Math.max(
      500,
      Math.min(this.options.config.healthIntervalMs, this.options.config.queryTimeoutMs),
    );
    const probeOne = async (pool: PoolName, sql: string): Promise<ProbeResult> => {
      try {
        const rows = await withTimeout(
          this.withAuthRetry<{ r?: boolean }>(pool, sql, []),
          timeoutMs,
          `${pool} probe`,
        );
        return { ok: true, inRecovery: rows[0]?.r };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    };
    const [writer, reader] = await Promise.all([
      probeOne('writer', 'SELECT pg_is_in_recovery() AS r'),
      probeOne('reader', 'SELECT 1 AS one'),
    ]);
    const before = this.tracker.snapshot();
    const now = this.now();
    this.tracker.recordWriter(now, writer);
    this.tracker.recordReader(now, reader);
    const after = this.tracker.snapshot();
    if (before.writable !== after.writable || before.reachable !== after.reachable) {
      this.log.warn(
        {
          reachable: after.reachable,
          writable: after.writable,
          writerError: writer.error,
          readerError: reader.error,
        },
        'database health changed',
      );
    }
    if (after.writable && !this.migrated) await this.migrate();
    if (after.writeBlocked !== undefined && writer.ok && writer.inRecovery === false) await this.probeWrite();
    return this.tracker.snapshot();
  }

  /** While writes fail for want of resources, only a real write proves they work again (a SELECT still does). */
  private async probeWrite(): Promise<void> {
    try {
      await this.withAuthRetry('writer', PROBE_WRITE_SQL, []);
      this.tracker.markWriteSucceeded();
      this.log.info('database writes succeed again');
    } catch (err) {
      if (isResourceExhausted(err)) this.tracker.markWriteBlocked(`${pgCode(err)} ${(err as Error).message}`);
    }
  }

  /** Idempotent schema creation under an advisory lock (several instances start at once). */
  private async migrate(): Promise<void> {
    try {
      await this.withAuthRetry(
        'writer', // One simple-protocol message = one implicit transaction, so the xact lock is held to the end.
        `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID}); ${MIGRATION_SQL}`,
        [],
      );
      this.migrated = true;
      this.log.info('schema migration applied');
    } catch (err) {
      this.log.warn({ err }, 'schema migration failed; will retry on the next health check');
    }
  }

  private async withAuthRetry<R extends object>(
    pool: PoolName,
    sql: string,
    params: readonly unknown[],
  ): Promise<R[]> {
    try {
      return await this.exec<R>(pool, sql, params);
    } catch (err) {
      if (!isAuthError(err)) throw err;
      // Authentication happens before any statement runs, so retrying once with fresh credentials is safe.
      this.log.warn({ pool }, 'database authentication failed; re-reading credentials (rotation?)');
      const creds = await this.options.credentials.refresh();
      if (creds.username !== this.username) this.replacePools(creds.username);
      return this.exec<R>(pool, sql, params);
    }
  }

  private async exec<R extends object>(
    poolName: PoolName,
    sql: string,
    params: readonly unknown[],
  ): Promise<R[]> {
    const pool = poolName === 'writer' ? this.writerPool : this.readerPool;
    const client: PoolClient = await pool.connect(); // a failure here: nothing was sent
    try {
      const result = await client.query<R>(sql, params as unknown[]);
      client.release();
      return Array.isArray(result) ? (result[result.length - 1]?.rows ?? []) : result.rows;
    } catch (err) {
      client.release(mustDiscard(err) ? (err as Error) : undefined);
      if (!(err instanceof DatabaseError) && typeof err === 'object' && err !== null) unanswered.add(err);
      throw err;
    }
  }

  private toUnavailable(err: unknown, op: 'read' | 'write'): unknown {
    if (err instanceof ServiceUnavailableError) return err;
    if (isBreakerOpen(err)) {
      return new ServiceUnavailableError(
        'circuit_open',
        `database ${op}s are failing; circuit open, retry later`,
        5,
        { cause: err },
      );
    }
    if (isBreakerTimeout(err)) {
      return new ServiceUnavailableError('timeout', `database ${op} timed out`, 2, { cause: err });
    }
    if (isConnectionError(err) || isAuthError(err)) {
      return new ServiceUnavailableError('unreachable', `database unreachable for ${op}s; retry later`, 5, {
        cause: err,
      });
    }
    if (pgCode(err) === '42P01') {
      return new ServiceUnavailableError('unreachable', 'database schema not created yet; retry later', 5, {
        cause: err,
      });
    }
    return err;
  }

  private createPool(name: PoolName, user: string): Pool {
    const { config, credentials } = this.options;
    const pool = new Pool({
      host: name === 'writer' ? config.writerHost : config.readerHost,
      port: config.port,
      database: config.database,
      user,
      password: async () => (await credentials.get()).password,
      ssl: this.ssl,
      max: config.poolMax,
      connectionTimeoutMillis: config.connectTimeoutMs,
      query_timeout: config.queryTimeoutMs,
      statement_timeout: Math.max(10, config.queryTimeoutMs - 100),
      idle_in_transaction_session_timeout: config.queryTimeoutMs * 5,
      idleTimeoutMillis: 30000,
      // Recycle connections so DNS changes (Aurora failover, reader endpoint rebalancing) are picked up.
      maxLifetimeSeconds: 300,
      keepAlive: true,
      application_name: 'ha-sample-service',
    });
    pool.on('error', (err) =>
      this.log.warn({ err: err.message, pool: name }, 'idle database connection failed'),
    );
    // The pool listens for errors only on idle clients: a connection that dies while checked out (failover, proxy
    // or HAProxy cutting sessions, pg_terminate_backend) would emit an unhandled 'error' and crash the process. Its
    // query rejects anyway and the client is then discarded (mustDiscard), so the event only needs a listener.
    pool.on('connect', (client) =>
      client.on('error', (err) =>
        this.log.debug({ err: err.message, pool: name }, 'database connection failed while in use'),
      ),
    );
    return pool;
  }

  private replacePools(username: string): void {
    const old = [this.writerPool, this.readerPool];
    const first = this.username === undefined;
    this.username = username;
    this.writerPool = this.createPool('writer', username);
    this.readerPool = this.createPool('reader', username);
    if (!first) this.log.info('database user changed; connection pools replaced');
    for (const p of old) void p.end().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} timeout after ${ms} ms`), { code: 'ETIMEDOUT' })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
