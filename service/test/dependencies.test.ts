/** The real PgDatabase and RedisClusterCache pointed at closed loopback ports: failures must be fast and mapped. */
import net from 'node:net';
import pino from 'pino';
import { RedisClusterCache } from '../src/cache';
import { PgDatabase } from '../src/db';
import { ServiceUnavailableError } from '../src/errors';
import { cachedSource, staticSource } from '../src/credentials';

const BREAKER = {
  errorThresholdPercentage: 50,
  resetTimeoutMs: 5000,
  volumeThreshold: 3,
  rollingWindowMs: 10000,
};
const logger = pino({ level: 'silent' });
let closedPort: number;

beforeAll(async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closedPort = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
});

/** PostgreSQL settings pointing at the closed port, with short timeouts. */
function unreachableDbConfig() {
  return {
    writerHost: '127.0.0.1',
    readerHost: '127.0.0.1',
    port: closedPort,
    database: 'app',
    user: 'u',
    ssl: false,
    connectTimeoutMs: 500,
    queryTimeoutMs: 500,
    latencyBudgetMs: 500,
    readP95BudgetMs: 100,
    readBreakerOpenMs: 5000,
    poolMax: 2,
    healthIntervalMs: 60000,
  };
}

describe('PgDatabase with the database unreachable', () => {
  let db: PgDatabase;
  beforeAll(() => {
    db = new PgDatabase({
      config: unreachableDbConfig(),
      breaker: BREAKER,
      credentials: staticSource({ username: 'u', password: 'p' }),
      logger,
    });
  });
  afterAll(() => db.close());

  test('GIVEN a probe THEN health says unreachable and not writable', async () => {
    const health = await db.probe();
    expect(health).toMatchObject({ reachable: false, writable: false, everReachable: false });
    expect(health.writer.lastError).toMatch(/ECONNREFUSED/);
  });

  test('GIVEN a read THEN it is retried, then rejected as 503-unreachable; GIVEN more THEN the breaker opens', async () => {
    const err = await db.read('SELECT 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect((err as ServiceUnavailableError).reason).toBe('unreachable');
    const again = await db.read('SELECT 1').catch((e: unknown) => e);
    expect((again as ServiceUnavailableError).reason).toBe('circuit_open');
    expect(db.breakers.find((b) => b.name === 'db-reader')?.state()).toBe('open');
  });

  test('GIVEN a write THEN it is attempted once (never retried) and rejected as 503', async () => {
    const err = await db.write('INSERT INTO items VALUES (1)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(db.breakers.find((b) => b.name === 'db-writer')?.state()).toBe('closed'); // 1 failure < volume threshold
  });
});

describe('PgDatabase when the secret cannot be read at start', () => {
  test('GIVEN Secrets Manager failing THEN start() does not throw, health says why, and the next probe tries again', async () => {
    let fetches = 0;
    const db = new PgDatabase({
      config: unreachableDbConfig(),
      breaker: BREAKER,
      credentials: cachedSource(async () => {
        fetches++;
        throw new Error('AccessDeniedException');
      }, 0),
      logger,
    });
    const health = await db.start();
    expect(health.reachable).toBe(false);
    expect(health.writer.lastError).toMatch(/credentials unavailable: AccessDeniedException/);
    await db.probe();
    expect(fetches).toBe(2);
    await db.close();
  });
});

describe('RedisClusterCache with the cluster unreachable', () => {
  test('GIVEN no node answers THEN the state is down and lookups are fast misses counted as errors', async () => {
    const cache = new RedisClusterCache({
      config: {
        nodes: [{ host: '127.0.0.1', port: closedPort }],
        tls: false,
        commandTimeoutMs: 100,
        secretRefreshMs: 60000,
      },
      breaker: BREAKER,
      logger,
      healthIntervalMs: 60000,
    });
    await cache.start();
    const started = Date.now();
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'v', 10);
    expect(Date.now() - started).toBeLessThan(100);
    expect(cache.state()).toBe('down');
    expect(cache.stats.errors).toBe(2);
    await cache.close();
    // ioredis timers already armed (connect/slot-refresh timeouts, a reconnect backoff ≤ 2.25 s) end by
    // themselves; wait them out so jest exits cleanly.
    await new Promise((r) => setTimeout(r, 2600));
  });
});
