/**
 * The service against real servers: PostgreSQL (reached through a fault-injecting TCP proxy) and a 3-master
 * Redis Cluster, all on loopback. Scenarios run in order on one service instance and each restores what it broke.
 */
import { randomUUID } from 'node:crypto';
import {
  PgServer,
  RedisCluster,
  startPostgres,
  startRedisCluster,
  startTcpProxy,
  stopAll,
  TcpProxy,
} from './harness';
import { call, eventually, metric, Res, sleep } from './support/client';
import { FakeSecret, InProcessService, startInProcess } from './support/in-process';

jest.setTimeout(60000);

let pg: PgServer;
let redis: RedisCluster;
let proxy: TcpProxy;
let svc: InProcessService;
let secret: FakeSecret;
let token: string;

const get = (path: string, t = token): Promise<Res> => call(svc.baseUrl, 'GET', path, { token: t });
const post = (path: string, json: unknown, t = token): Promise<Res> =>
  call(svc.baseUrl, 'POST', path, { token: t, json });
const readyz = (query = ''): Promise<Res> => call(svc.baseUrl, 'GET', `/readyz${query}`);
const metricsText = async (): Promise<string> => (await call(svc.baseUrl, 'GET', '/metrics')).body as string;

/** Inserts an item behind the service's back (so the cache has never seen it). */
async function insertDirectly(name: string): Promise<string> {
  const id = randomUUID();
  await pg.query('INSERT INTO items (id, name, value) VALUES ($1, $2, $3)', [id, name, 'v'], 'app');
  return id;
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedisCluster()]);
  proxy = await startTcpProxy(pg.port);
  secret = new FakeSecret({ username: pg.app.user, password: pg.app.password });
  svc = await startInProcess(
    {
      DB_WRITER_HOST: '127.0.0.1',
      DB_PORT: String(proxy.port),
      DB_SECRET_ID: 'unused-fake',
      AWS_REGION: 'eu-west-1',
      REDIS_NODES: redis.seeds,
    },
    secret.source(),
  );
  await eventually(
    () => readyz(),
    (r) => r.status === 200 && r.body.cache.state === 'up',
  );
  const session = await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: 'alice' } });
  expect(session.status).toBe(201);
  token = session.body.token;
});

afterAll(async () => {
  await svc?.service.shutdown(0);
  await stopAll();
});

describe('CRUD and cache-aside', () => {
  test('GIVEN a session WHEN an item is created THEN it reads back by id and appears in the list', async () => {
    const created = await post('/api/items', { name: 'widget', value: 'blue' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'widget', value: 'blue' });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);

    const read = await get(`/api/items/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const list = await get('/api/items?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id);

    const missing = await get(`/api/items/${randomUUID()}`);
    expect(missing.status).toBe(404);
  });

  test('GIVEN an item the cache has never seen WHEN it is read twice THEN the first read misses and the second hits', async () => {
    const id = await insertDirectly('uncached');
    const before = metric(await metricsText(), 'cache_lookups_total{result="hit"}') ?? 0;
    const first = await get(`/api/items/${id}`);
    const second = await get(`/api/items/${id}`);
    expect([first.status, first.headers.get('x-cache')]).toEqual([200, 'miss']);
    expect([second.status, second.headers.get('x-cache')]).toEqual([200, 'hit']);
    expect(second.body.name).toBe('uncached');
    // The session lookups hit too, so at least the item hit must show up in the metric.
    expect(metric(await metricsText(), 'cache_lookups_total{result="hit"}')).toBeGreaterThan(before);
  });
});

describe('Idempotency-Key', () => {
  test('GIVEN a POST with an Idempotency-Key WHEN it is sent again with the same key THEN the same id comes back (200, Idempotent-Replayed) and one row exists', async () => {
    const key = `int-${randomUUID()}`;
    const send = async (): Promise<{ status: number; replayed: string | null; body: { id: string } }> => {
      const res = await fetch(`${svc.baseUrl}/api/items`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ name: 'paid-once', value: 'EUR 10' }),
      });
      return {
        status: res.status,
        replayed: res.headers.get('idempotent-replayed'),
        body: (await res.json()) as { id: string },
      };
    };
    const first = await send();
    const retry = await send();
    expect([first.status, first.replayed]).toEqual([201, null]);
    expect([retry.status, retry.replayed]).toEqual([200, 'true']);
    expect(retry.body).toEqual(first.body);
    const rows = await pg.query<{ id: string }>(
      'SELECT id FROM items WHERE idempotency_key = $1',
      [key],
      'app',
    );
    expect(rows.map((r) => r.id)).toEqual([first.body.id]);
  });
});

describe('bad input answers 4xx with a message naming the problem', () => {
  test.each([
    { what: 'malformed JSON', options: { raw: '{"name": ' }, status: 400, message: /invalid JSON body/ },
    {
      what: 'a missing name',
      options: { json: { value: 'x' } },
      status: 400,
      message: /required property 'name'/,
    },
    { what: 'an empty name', options: { json: { name: '' } }, status: 400, message: /body\/name/ },
    {
      what: 'a 201-char name',
      options: { json: { name: 'x'.repeat(201) } },
      status: 400,
      message: /body\/name must NOT have more than 200/,
    },
    {
      what: 'a 2001-char value',
      options: { json: { name: 'n', value: 'x'.repeat(2001) } },
      status: 400,
      message: /body\/value/,
    },
    {
      what: 'a body over the limit',
      options: { json: { name: 'n', value: 'x'.repeat(20000) } },
      status: 413,
      message: /too large/,
    },
  ])('GIVEN $what WHEN POST /api/items THEN $status', async ({ options, status, message }) => {
    const res = await call(svc.baseUrl, 'POST', '/api/items', { token, ...options });
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
  });

  test('GIVEN a bad id, a bad limit, no token or a bad token THEN 400/400/401/401', async () => {
    expect((await get('/api/items/not-a-uuid')).body.error).toMatch(/params\/id must match pattern/);
    expect((await get('/api/items?limit=0')).status).toBe(400);
    expect((await call(svc.baseUrl, 'GET', '/api/items')).status).toBe(401);
    expect((await get('/api/items', 'A'.repeat(43))).status).toBe(401);
    expect((await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: '' } })).status).toBe(400);
  });
});

describe('Redis Cluster outage', () => {
  test('GIVEN the cluster stopped THEN /readyz stays 200 reporting the cache down, reads come from the database, sessions validate; all recovers after restart', async () => {
    const id = await insertDirectly('during-cache-outage');
    await redis.stop();
    try {
      const ready = await eventually(
        () => readyz(),
        (r) => r.body.cache.state === 'down',
      );
      expect(ready.status).toBe(200);

      const read = await get(`/api/items/${id}`); // the session is validated from the DB too
      expect([read.status, read.headers.get('x-cache'), read.body.name]).toEqual([
        200,
        'miss',
        'during-cache-outage',
      ]);
      const created = await post('/api/items', { name: 'written-while-cache-down' });
      expect(created.status).toBe(201);
      const newSession = await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: 'bob' } });
      expect(newSession.status).toBe(201);
      expect((await get('/api/items?limit=1', newSession.body.token)).status).toBe(200);
    } finally {
      await redis.start();
    }
    const recovered = await eventually(
      () => readyz(),
      (r) => r.body.cache.state === 'up',
      20000,
    );
    expect(recovered.status).toBe(200);
    await get(`/api/items/${id}`); // refills the cache
    const hit = await get(`/api/items/${id}`);
    expect([hit.status, hit.headers.get('x-cache')]).toEqual([200, 'hit']);
  });
});

describe('PostgreSQL outage', () => {
  test('GIVEN PostgreSQL stopped THEN cached reads are served, writes answer 503 + Retry-After, /readyz turns 503 only after the 2 s grace; all recovers after restart', async () => {
    const cached = await post('/api/items', { name: 'cached-before-outage' }); // write-through fills the cache
    expect((await get(`/api/items/${cached.body.id}`)).headers.get('x-cache')).toBe('hit');

    const stoppedAt = Date.now();
    await pg.stop('immediate');
    try {
      const read = await get(`/api/items/${cached.body.id}`);
      expect([read.status, read.body.name]).toEqual([200, 'cached-before-outage']);

      const write = await post('/api/items', { name: 'no' });
      expect(write.status).toBe(503);
      expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);

      const withinGrace = await readyz();
      expect(Date.now() - stoppedAt).toBeLessThan(2000);
      expect(withinGrace.status).toBe(200);

      const failed = await eventually(
        () => readyz(),
        (r) => r.status === 503,
        10000,
        50,
      );
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(2000);
      expect(failed.body.database.reachable).toBe(false);
    } finally {
      await pg.start();
    }
    await eventually(
      () => readyz('?role=writer'),
      (r) => r.status === 200,
      15000,
    );
    const afterRestart = await eventually(
      () => post('/api/items', { name: 'after-restart' }),
      (r) => r.status === 201,
      15000,
    );
    expect(afterRestart.body.name).toBe('after-restart');
  });
});

const DB_READER_ERRORS =
  'circuit_breaker_state{breaker="db-reader",dependency="database",path="read",trips_on="errors"}';
const DB_READ_LATENCY =
  'circuit_breaker_state{breaker="db-read-latency",dependency="database",path="read",trips_on="latency"}';
const DB_WRITER_ERRORS =
  'circuit_breaker_state{breaker="db-writer",dependency="database",path="write",trips_on="errors"}';

describe('read latency breaker: +200 ms on the database degrades reads to the cache instead of failing them', () => {
  // A second instance with the production-shaped budgets (per-read timeout 1 s, p95 budget 100 ms), a 1 s item TTL
  // so cached copies go stale quickly, and a 1 s open period so the test sees it close.
  let degraded: InProcessService;
  beforeAll(async () => {
    degraded = await startInProcess({
      DB_WRITER_HOST: '127.0.0.1',
      DB_PORT: String(proxy.port),
      DB_PASSWORD: pg.app.password,
      DB_USER: pg.app.user,
      DB_LATENCY_BUDGET_MS: '1000',
      DB_READ_BREAKER_OPEN_MS: '1000',
      ITEM_CACHE_TTL_SECONDS: '1',
      ITEM_MEMO_MS: '0',
      REDIS_NODES: redis.seeds,
    });
  });
  afterAll(async () => {
    proxy.latencyMs = 0;
    await degraded?.service.shutdown(0);
  });
  const at = (method: string, path: string, json?: unknown): Promise<Res> =>
    call(degraded.baseUrl, method, path, { token, json });

  test('GIVEN +200 ms per round trip THEN the breaker opens, stale copies are served fast and marked, uncached reads and writes still succeed; AND it closes once the latency is gone', async () => {
    const created = await at('POST', '/api/items', { name: 'before-latency' });
    expect(created.status).toBe(201);
    expect((await at('GET', '/api/items?limit=20')).headers.get('x-cache')).toBe('miss'); // the list snapshot
    await sleep(1100); // the item's 1 s TTL passes: its copy is now stale
    const uncachedId = await insertDirectly('never-read');

    proxy.latencyMs = 100; // each direction: +200 ms per database round trip
    try {
      // 25 concurrent reads of a list nobody cached: slow, all answered, and enough samples for the p95.
      const slow = await Promise.all(Array.from({ length: 25 }, () => at('GET', '/api/items?limit=3')));
      expect(slow.map((r) => r.status)).toEqual(Array(25).fill(200));
      const text = (await call(degraded.baseUrl, 'GET', '/metrics')).body as string;
      expect([metric(text, DB_READ_LATENCY), metric(text, DB_READER_ERRORS)]).toEqual([2, 0]);

      const list = await at('GET', '/api/items?limit=20');
      expect([list.status, list.headers.get('x-cache'), list.headers.get('cache-control')]).toEqual([
        200,
        'stale',
        'max-age=0',
      ]);
      expect(Number(list.headers.get('age'))).toBeGreaterThanOrEqual(1);
      expect(list.ms).toBeLessThan(150); // no database round trip
      expect(list.body.items.map((i: { name: string }) => i.name)).toContain('before-latency');

      const item = await at('GET', `/api/items/${created.body.id}`);
      expect([item.status, item.body.name, item.headers.get('x-cache')]).toEqual([
        200,
        'before-latency',
        'stale',
      ]);
      expect(Number(item.headers.get('age'))).toBeGreaterThan(
        Number(item.headers.get('cache-control')!.slice(8)) - 1,
      );

      const uncached = await at('GET', `/api/items/${uncachedId}`);
      expect([uncached.status, uncached.headers.get('x-cache')]).toEqual([200, 'miss']);
      expect(uncached.ms).toBeGreaterThan(190); // nothing cached: the database answers, slowly

      const write = await at('POST', '/api/items', { name: 'during-latency' });
      expect(write.status).toBe(201); // writes keep their own budget: slower, never failed for it
      const after = (await call(degraded.baseUrl, 'GET', '/metrics')).body as string;
      expect(metric(after, DB_WRITER_ERRORS)).toBe(0);
      expect(metric(after, 'stale_reads_served_total{read="list",reason="read_breaker_open"}')).toBe(1);
      expect(metric(after, 'stale_reads_served_total{read="item",reason="read_breaker_open"}')).toBe(1);
    } finally {
      proxy.latencyMs = 0;
    }
    // Open for 1 s, then half-open: 5 fast probes (list reads go to the database again) close it.
    const closed = await eventually(
      async () => {
        await Promise.all(Array.from({ length: 5 }, () => at('GET', '/api/items?limit=20')));
        return metric((await call(degraded.baseUrl, 'GET', '/metrics')).body as string, DB_READ_LATENCY);
      },
      (state) => state === 0,
      10000,
      200,
    );
    expect(closed).toBe(0);
    expect((await at('GET', '/api/items?limit=20')).headers.get('x-cache')).toBe('miss');
  });
});

describe('circuit breaker under injected latency', () => {
  test('GIVEN +200 ms on every database packet THEN the db-reader breaker opens and fails fast; AND it closes after the latency goes away', async () => {
    proxy.latencyMs = 200;
    try {
      const open = await eventually(
        async () => {
          await get('/api/items?limit=5');
          return metric(await metricsText(), DB_READER_ERRORS);
        },
        (state) => state === 2,
        20000,
        0,
      );
      expect(open).toBe(2);
      const fast = await get('/api/items?limit=5');
      expect(fast.status).toBe(503);
      expect(fast.body.reason).toBe('circuit_open');
      expect(fast.ms).toBeLessThan(100); // the cached session validates; the DB is not waited for
    } finally {
      proxy.latencyMs = 0;
    }
    const list = await eventually(
      () => get('/api/items?limit=5'),
      (r) => r.status === 200,
      15000,
      200,
    );
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(metric(await metricsText(), DB_READER_ERRORS)).toBe(0);
  });
});

describe('credential rotation', () => {
  test('GIVEN the password is rotated in the database and the secret, and every connection is dropped THEN requests still succeed after one secret re-read', async () => {
    const fetchesBefore = secret.fetches;
    await pg.query(`ALTER ROLE ${pg.app.user} PASSWORD 'rotated-Secret-2'`);
    secret.value = { username: pg.app.user, password: 'rotated-Secret-2' };
    await pg.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
      pg.app.user,
    ]);
    await sleep(300); // idle pooled connections notice the termination and leave the pool

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await post('/api/items', { name: `after-rotation-${i}` })).status);
      statuses.push((await get(`/api/items/${randomUUID()}`)).status);
    }
    expect(statuses).toEqual([201, 404, 201, 404, 201, 404, 201, 404, 201, 404]);
    expect(secret.fetches).toBeGreaterThan(fetchesBefore);
    expect((await readyz('?role=writer')).status).toBe(200);
  });
});
