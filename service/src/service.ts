/**
 * Wires the real dependencies (pools, cache cluster, credentials, metrics) into the HTTP server, and owns the
 * graceful shutdown sequence. main.ts calls this with the environment's config; tests and the bench call it with
 * their own config and credential sources.
 */
import { FastifyInstance } from 'fastify';
import { Cache, DisabledCache, RedisClusterCache } from './cache';
import { ServiceConfig } from './config';
import {
  CredentialSource,
  DbCredentials,
  newSecretsManagerClient,
  parseDbSecret,
  parseRedisSecret,
  secretsManagerSource,
  staticSource,
} from './credentials';
import { PgDatabase } from './db';
import { createLogger, Logger } from './logger';
import { createMetrics } from './metrics';
import { buildServer, Lifecycle } from './server';
import { AppStore } from './store';

export interface ServiceOverrides {
  /** @default Secrets Manager (DB_SECRET_ID) or DB_USER/DB_PASSWORD */
  readonly dbCredentials?: CredentialSource<DbCredentials>;
  /** @default Secrets Manager (REDIS_SECRET_ID) or REDIS_PASSWORD */
  readonly redisPassword?: CredentialSource<string>;
  /** @default pino at config.logLevel */
  readonly logger?: Logger;
  /** Include Node.js process metrics. @default true */
  readonly processMetrics?: boolean;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly db: PgDatabase;
  readonly cache: Cache;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  /** Connects the dependencies (first DB probe + migration) and listens; returns the bound address. */
  start(): Promise<string>;
  /** Fails /readyz, keeps serving for the drain window, then stops accepting, waits for in-flight and closes pools. */
  shutdown(drainMs?: number): Promise<void>;
}

function credentialSources(config: ServiceConfig, overrides: ServiceOverrides) {
  const needsSm =
    (!overrides.dbCredentials && config.db.secretId) || (!overrides.redisPassword && config.redis?.secretId);
  const sm = needsSm ? newSecretsManagerClient(config.awsRegion ?? '') : undefined;
  const dbCredentials =
    overrides.dbCredentials ??
    (config.db.secretId && sm
      ? secretsManagerSource(sm, config.db.secretId, parseDbSecret)
      : staticSource({ username: config.db.user, password: config.db.password ?? '' }));
  let redisPassword = overrides.redisPassword;
  if (!redisPassword && config.redis?.secretId && sm)
    redisPassword = secretsManagerSource(sm, config.redis.secretId, parseRedisSecret);
  if (!redisPassword && config.redis?.password) redisPassword = staticSource(config.redis.password);
  return { dbCredentials, redisPassword };
}

export function createService(config: ServiceConfig, overrides: ServiceOverrides = {}): Service {
  const logger =
    overrides.logger ?? createLogger(config.logLevel, { az: config.az, instanceId: config.instanceId });
  const { dbCredentials, redisPassword } = credentialSources(config, overrides);
  const db = new PgDatabase({
    config: config.db,
    breaker: config.breaker,
    credentials: dbCredentials,
    logger,
  });
  const redisCache = config.redis
    ? new RedisClusterCache({
        config: config.redis,
        breaker: config.breaker,
        password: redisPassword,
        logger,
      })
    : undefined;
  const cache: Cache = redisCache ?? new DisabledCache();
  const store = new AppStore(db, cache, {
    sessionTtlSeconds: config.sessionTtlSeconds,
    sessionMemoMs: config.sessionMemoMs,
    itemCacheTtlSeconds: config.itemCacheTtlSeconds,
    itemCacheStaleSeconds: config.itemCacheStaleSeconds,
    itemMemoMs: config.itemMemoMs,
  });
  const metrics = createMetrics({ db, cache, store, processMetrics: overrides.processMetrics });
  const lifecycle = new Lifecycle();
  const app = buildServer({
    store,
    db,
    cache,
    metrics,
    lifecycle,
    logger,
    readinessGraceMs: config.readinessGraceMs,
    identity: { az: config.az, instanceId: config.instanceId },
  });

  // Housekeeping on the writer; harmless when several instances do it, skipped (503) on a read-only region.
  const purgeTimer = setInterval(() => {
    if (!db.health().writable) return;
    store.purgeExpiredSessions().then(
      (n) => n > 0 && logger.info({ purged: n }, 'expired sessions purged'),
      (err: unknown) => logger.debug({ err }, 'session purge skipped'),
    );
  }, 10 * 60_000).unref();

  let shuttingDown: Promise<void> | undefined;
  return {
    app,
    db,
    cache,
    lifecycle,
    logger,
    async start() {
      await redisCache?.start();
      const health = await db.start();
      logger.info({ reachable: health.reachable, writable: health.writable }, 'database probed');
      const address = await app.listen({ port: config.port, host: config.host });
      logger.info({ address }, 'listening');
      return address;
    },
    shutdown(drainMs = config.shutdownDrainMs) {
      shuttingDown ??= (async () => {
        lifecycle.beginDrain();
        clearInterval(purgeTimer);
        logger.info({ drainMs }, 'draining: /readyz fails, still serving until the drain window ends');
        await new Promise((r) => setTimeout(r, drainMs));
        await app.close();
        await Promise.allSettled([cache.close(), db.close()]);
        logger.info('shut down cleanly');
      })();
      return shuttingDown;
    },
  };
}
