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
  /** Auth token source (undefined: no AUTH). Re-read when the cluster answers WRONGPASS/NOAUTH. */
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
  private rebuilding?: Promise<void>;
  private healthy = false;
  private probeTimer?: NodeJS.Timeout;
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
    const password = await this.options.password?.get();
    this.cluster = this.createCluster(password);
    const tick = (): void => {
      void this.probe().finally(() => {
        if (!this.closed) this.probeTimer = setTimeout(tick, this.options.healthIntervalMs ?? 2000).unref();
      });
    };
    tick();
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
      if (AUTH_ERROR.test((err as Error).message ?? '')) void this.rebuildWithFreshPassword();
      this.log.debug({ err: (err as Error).message }, 'cache command failed');
      return undefined;
    }
  }

  private rebuildWithFreshPassword(): Promise<void> {
    this.rebuilding ??= (async () => {
      if (!this.options.password || this.closed) return;
      this.log.warn('cache authentication failed; re-reading the auth token (rotation?)');
      const password = await this.options.password.refresh();
      const old = this.cluster;
      this.cluster = this.createCluster(password);
      old?.disconnect();
    })()
      .catch((err) => this.log.error({ err }, 'cache re-authentication failed'))
      .finally(() => {
        this.rebuilding = undefined;
      });
    return this.rebuilding;
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
