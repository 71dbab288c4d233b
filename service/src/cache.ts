/**
 * Cache-aside layer over a Redis Cluster (ElastiCache cluster mode: TLS + auth token optional). The cache is an
 * optimisation, never a dependency: every failure (cluster down, slow, breaker open) is a miss, so callers fall
 * back to the database. Commands never queue while the cluster is unreachable (enableOfflineQueue: false), so a
 * cache outage costs a fast rejection, not a timeout per request.
 */
import { ConnectionOptions } from 'node:tls';
import { Cluster, ClusterOptions } from 'ioredis';
import { Breaker, createBreaker } from './breaker';
import { BreakerConfig, RedisConfig } from './config';
import { CredentialSource } from './credentials';
import { Logger } from './logger';
import { tlsTrust } from './trust';

export type CacheState = 'up' | 'down' | 'disabled';

export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

export interface Cache {
  /** The value, or undefined on a miss or when the cache is unavailable (counted as an error). */
  get(key: string): Promise<string | undefined>;
  /** Best effort: failures are counted and swallowed. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  state(): CacheState;
  readonly stats: Readonly<CacheStats>;
  readonly breaker?: Breaker;
  close(): Promise<void>;
}

/** No REDIS_NODES: every lookup is a miss and the state is 'disabled'. */
export class DisabledCache implements Cache {
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  async get(): Promise<string | undefined> {
    this.stats.misses++;
    return undefined;
  }
  async set(): Promise<void> {}
  async del(): Promise<void> {}
  state(): CacheState {
    return 'disabled';
  }
  async close(): Promise<void> {}
}

export interface RedisClusterCacheOptions {
  readonly config: RedisConfig;
  readonly breaker: BreakerConfig;
  /**
   * Auth token source (undefined: no AUTH). Re-read every `config.secretRefreshMs` and when the cluster answers
   * WRONGPASS/NOAUTH; a changed token gets a new connection set, swapped in once it is ready (make before break).
   */
  readonly password?: CredentialSource<string>;
  readonly logger: Logger;
  /** How often every master is PINGed to report the cache state. @default 2000 */
  readonly healthIntervalMs?: number;
  /** CAs trusted besides REDIS_TLS_CA_FILE (tests stand in for the public roots). @default Node's default CAs */
  readonly trustedRoots?: readonly string[];
}

const AUTH_ERROR = /WRONGPASS|NOAUTH|invalid password/i;

export class RedisClusterCache implements Cache {
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  readonly breaker: Breaker;
  private cluster?: Cluster;
  private readonly log: Logger;
  private closed = false;
  private switching?: Promise<void>;
  /** The token the current cluster authenticates with. */
  private password?: string;
  /** A cluster being connected with a new token, not yet serving. */
  private incoming?: Cluster;
  private healthy = false;
  private probeTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private readonly tls?: ConnectionOptions;

  constructor(private readonly options: RedisClusterCacheOptions) {
    this.log = options.logger.child({ component: 'cache' });
    // ElastiCache in-transit encryption presents an Amazon-issued certificate chaining to Amazon Root CA 1 (Amazon
    // Trust Services), which Node's bundled roots include: in AWS no REDIS_TLS_CA_FILE is needed. The file is for
    // self-managed Redis with a private CA (and the drills' local CA); it adds to the defaults, as for PostgreSQL.
    this.tls = options.config.tls
      ? tlsTrust('REDIS_TLS_CA_FILE', options.config.tlsCaFile, options.trustedRoots)
      : undefined;
    this.breaker = createBreaker({
      name: 'cache',
      ...options.breaker,
      timeoutMs: options.config.commandTimeoutMs,
    });
    this.breaker.on('open', () => this.log.warn('cache circuit breaker opened; serving from the database'));
    this.breaker.on('close', () => this.log.info('cache circuit breaker closed'));
  }

  /** Connects (does not wait for the cluster: the service starts and serves without it). */
  async start(): Promise<void> {
    this.password = await this.options.password?.get();
    this.cluster = this.createCluster(this.password);
    const tick = (): void => {
      void this.probe().finally(() => {
        if (!this.closed) this.probeTimer = setTimeout(tick, this.options.healthIntervalMs ?? 2000).unref();
      });
    };
    tick();
    if (this.options.password) {
      // A rotation keeps the old token valid for a grace period: re-reading well inside it means the service has
      // moved to the new token before the old one is dropped, without a single refused command.
      const refresh = (): void => {
        void this.switchToCurrentToken('scheduled').finally(() => {
          if (!this.closed)
            this.refreshTimer = setTimeout(refresh, this.options.config.secretRefreshMs).unref();
        });
      };
      this.refreshTimer = setTimeout(refresh, this.options.config.secretRefreshMs).unref();
    }
  }

  /** 'up' when connected, every master answered the last PING, and the breaker is not open. */
  state(): CacheState {
    if (
      !this.cluster ||
      this.cluster.status !== 'ready' ||
      !this.healthy ||
      this.breaker.state() === 'open'
    ) {
      return 'down';
    }
    return 'up';
  }

  /** PINGs every master (a dead master makes its slots unavailable, so it counts as the cache being down). */
  async probe(): Promise<boolean> {
    const cluster = this.cluster;
    let healthy = false;
    if (cluster && cluster.status === 'ready') {
      const masters = cluster.nodes('master');
      const results = await Promise.allSettled(masters.map((node) => node.ping()));
      healthy = masters.length > 0 && results.every((r) => r.status === 'fulfilled');
    }
    if (healthy !== this.healthy) this.log.info({ healthy }, 'cache health changed');
    this.healthy = healthy;
    return healthy;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.call((c) => c.get(key));
    if (value === undefined) return undefined; // error, already counted
    if (value === null) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.call((c) => c.set(key, value, 'EX', ttlSeconds));
  }

  async del(key: string): Promise<void> {
    await this.call((c) => c.del(key));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    clearTimeout(this.refreshTimer);
    this.incoming?.disconnect();
    this.breaker.shutdown();
    const cluster = this.cluster;
    if (!cluster) return;
    if (cluster.status !== 'ready') {
      cluster.disconnect(); // also cancels pending reconnect timers
      return;
    }
    await cluster.quit().catch(() => cluster.disconnect());
  }

  /** Runs a command through the breaker; any failure → undefined (a miss for the caller). */
  private async call<T>(command: (c: Cluster) => Promise<T>): Promise<T | undefined> {
    const cluster = this.cluster;
    if (!cluster || cluster.status !== 'ready') {
      // Not connected: fail fast without a network call (and without feeding the breaker).
      this.stats.errors++;
      return undefined;
    }
    try {
      return await this.breaker.run(() => command(cluster));
    } catch (err) {
      this.stats.errors++;
      if (AUTH_ERROR.test((err as Error).message ?? '')) void this.switchToCurrentToken('auth-error');
      this.log.debug({ err: (err as Error).message }, 'cache command failed');
      return undefined;
    }
  }

  /**
   * Re-reads the token; when it differs from the one in use, connects a new cluster client with it, waits until
   * every master answers on it, then swaps it in and QUITs the old client (QUIT lets in-flight commands finish).
   * Until the swap the old client keeps serving; if the new one cannot authenticate it is dropped and the old one
   * stays (the next re-read tries again).
   */
  private switchToCurrentToken(reason: 'scheduled' | 'auth-error'): Promise<void> {
    this.switching ??= (async () => {
      if (!this.options.password || this.closed) return;
      if (reason === 'auth-error')
        this.log.warn('cache authentication failed; re-reading the auth token (rotation?)');
      const password = await this.options.password.refresh();
      if (password === this.password) {
        if (reason === 'auth-error') this.log.error('cache refuses the current auth token from the secret');
        return;
      }
      this.log.info(
        { reason },
        'cache auth token changed; connecting with it before closing the old connections',
      );
      const next = this.createCluster(password);
      this.incoming = next;
      const ready = await this.whenServing(next, Math.max(5000, this.options.config.commandTimeoutMs * 20));
      this.incoming = undefined;
      if (!ready || this.closed) {
        next.disconnect();
        if (!this.closed)
          this.log.error('cache did not accept the new auth token; keeping the current connections');
        return;
      }
      const old = this.cluster;
      this.cluster = next;
      this.password = password;
      this.log.info('cache connections switched to the new auth token');
      if (old) void old.quit().catch(() => old.disconnect());
    })()
      .catch((err) => this.log.error({ err }, 'cache re-authentication failed'))
      .finally(() => {
        this.switching = undefined;
      });
    return this.switching;
  }

  /** True once `cluster` is ready and every master answers PING (so each node accepted the token), false on timeout. */
  private async whenServing(cluster: Cluster, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.closed) {
      if (cluster.status === 'ready') {
        const masters = cluster.nodes('master');
        const pings = await Promise.allSettled(masters.map((node) => node.ping()));
        if (masters.length > 0 && pings.every((p) => p.status === 'fulfilled')) return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  private createCluster(password: string | undefined): Cluster {
    const { config } = this.options;
    const options: ClusterOptions = {
      enableOfflineQueue: false,
      enableReadyCheck: true,
      enableAutoPipelining: true,
      scaleReads: 'master',
      slotsRefreshTimeout: Math.max(1000, config.commandTimeoutMs * 4),
      // Keep trying forever with capped, jittered backoff: the cache comes back without a restart.
      clusterRetryStrategy: (times) =>
        Math.min(2000, 100 * 2 ** Math.min(times, 5)) + Math.floor(Math.random() * 250),
      // ElastiCache with TLS: connect by the node hostnames so the certificate names match.
      dnsLookup: (address, callback) => callback(null, address),
      redisOptions: {
        password,
        tls: this.tls,
        connectTimeout: Math.max(1000, config.commandTimeoutMs * 4),
        commandTimeout: config.commandTimeoutMs,
        maxRetriesPerRequest: 1,
        keepAlive: 10000,
      },
    };
    const cluster = new Cluster(
      config.nodes.map((n) => ({ host: n.host, port: n.port })),
      options,
    );
    let lastStatus = '';
    const logStatus = (status: string): void => {
      if (status === lastStatus) return;
      lastStatus = status;
      this.log.info({ status }, 'cache cluster status');
    };
    cluster.on('ready', () => logStatus('ready'));
    cluster.on('end', () => logStatus('end'));
    cluster.on('error', (err: Error) => {
      logStatus('error');
      this.log.debug({ err: err.message }, 'cache cluster error');
    });
    return cluster;
  }
}
