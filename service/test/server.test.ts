import { FastifyInstance } from 'fastify';
import { ServiceUnavailableError } from '../src/errors';
import { createMetrics } from '../src/metrics';
import { buildServer, Lifecycle } from '../src/server';
import { AppStore, itemKey } from '../src/store';
import { FakeCache, FakeDatabase } from './fakes';

const NOW = 1_000_000;
let now = NOW;
const db = new FakeDatabase();
const cache = new FakeCache();
const store = new AppStore(db, cache, { sessionTtlSeconds: 3600, itemCacheTtlSeconds: 60 });
const lifecycle = new Lifecycle();
let app: FastifyInstance;
let token: string;
let baseUrl: string;

interface InjectLike {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly payload?: string | object;
}

/** request() needs an ESM-only dependency jest cannot load on Node 20, so requests go over loopback instead. */
async function request(options: InjectLike) {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.payload !== undefined) {
    body = typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${options.url}`, { method: options.method, headers, body });
  const text = await res.text();
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body: text,
    json: () => JSON.parse(text),
  };
}

beforeAll(async () => {
  db.tracker.recordWriter(NOW, { ok: true, inRecovery: false });
  db.tracker.recordReader(NOW, { ok: true });
  app = buildServer({
    store,
    db,
    cache,
    metrics: createMetrics({ db, cache, store, processMetrics: false }),
    lifecycle,
    readinessGraceMs: 2000,
    now: () => now,
    identity: { az: 'az1' },
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  token = (await store.createSession('alice')).token;
});

afterAll(() => app.close());

const auth = () => ({ authorization: `Bearer ${token}` });

describe('validation: bad input is 4xx with a message naming the field, never 500', () => {
  test.each([
    { what: 'malformed JSON', payload: '{"name":', status: 400, message: /invalid JSON body: .*JSON/ },
    {
      what: 'a __proto__ key',
      payload: '{"name":"x","__proto__":{"admin":true}}',
      status: 400,
      message: /"__proto__" or "constructor.prototype" key/,
    },
    {
      what: 'a constructor.prototype key',
      payload: '{"name":"x","constructor":{"prototype":{"admin":true}}}',
      status: 400,
      message: /"__proto__" or "constructor.prototype" key/,
    },
    { what: 'an empty body', payload: '', status: 400, message: /empty|JSON/i },
    { what: 'a JSON array', payload: '[]', status: 400, message: /body must be object/ },
    { what: 'a missing name', payload: '{}', status: 400, message: /required property 'name'/ },
    {
      what: 'an oversized name',
      payload: JSON.stringify({ name: 'x'.repeat(201) }),
      status: 400,
      message: /body\/name/,
    },
    {
      what: 'an oversized value',
      payload: JSON.stringify({ name: 'x', value: 'y'.repeat(2001) }),
      status: 400,
      message: /body\/value/,
    },
    {
      what: 'a body over 16 KiB',
      payload: JSON.stringify({ name: 'x', value: 'y'.repeat(17000) }),
      status: 413,
      message: /too large/,
    },
  ])('GIVEN $what WHEN POST /api/items THEN $status', async ({ payload, status, message }) => {
    const res = await request({
      method: 'POST',
      url: '/api/items',
      headers: { ...auth(), 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
  });

  test('GIVEN an unsupported content type THEN 415, not 500', async () => {
    const res = await request({
      method: 'POST',
      url: '/api/items',
      headers: { ...auth(), 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect(res.statusCode).toBe(415);
  });

  test.each(['latin1', 'ISO-8859-1', '"utf-16"', 'us-ascii'])(
    'GIVEN a JSON body labelled charset=%s THEN 415 naming the charset, and nothing is stored',
    async (charset) => {
      const writesBefore = db.writes.length;
      const res = await request({
        method: 'POST',
        url: '/api/items',
        headers: { ...auth(), 'content-type': `application/json; charset=${charset}` },
        payload: JSON.stringify({ name: 'caf\u00c3\u00a9' }),
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().error).toContain(`unsupported charset "${charset.replace(/"/g, '').toLowerCase()}"`);
      expect(db.writes.length).toBe(writesBefore);
    },
  );

  test.each(['utf-8', 'UTF-8', '"utf-8"', 'utf8'])(
    'GIVEN a JSON body labelled charset=%s THEN it is accepted (201)',
    async (charset) => {
      const inserted: unknown[][] = [];
      db.onWrite = async (_sql, params) => {
        inserted.push([...params]);
        return [{ id: params[0], name: params[1], value: params[2], created_at: new Date(NOW) }];
      };
      const res = await request({
        method: 'POST',
        url: '/api/items',
        headers: { ...auth(), 'content-type': `application/json; charset=${charset}` },
        payload: JSON.stringify({ name: 'caf\u00e9' }),
      });
      db.onWrite = async () => [];
      expect(res.statusCode).toBe(201);
      expect(inserted.map((p) => p[1])).toEqual(['caf\u00e9']);
    },
  );

  test('GIVEN bad ids, limits and roles THEN 400 naming the parameter', async () => {
    const badId = await request({ method: 'GET', url: '/api/items/123', headers: auth() });
    expect([badId.statusCode, badId.json().error]).toEqual([400, expect.stringMatching(/params\/id/)]);
    const badLimit = await request({ method: 'GET', url: '/api/items?limit=101', headers: auth() });
    expect([badLimit.statusCode, badLimit.json().error]).toEqual([
      400,
      expect.stringMatching(/querystring\/limit must be <= 100/),
    ]);
    expect((await request({ method: 'GET', url: '/readyz?role=reader' })).statusCode).toBe(400);
  });

  test('GIVEN no or an unknown bearer token THEN 401 with WWW-Authenticate', async () => {
    const none = await request({ method: 'GET', url: '/api/items' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const unknown = await request({
      method: 'GET',
      url: '/api/items',
      headers: { authorization: `Bearer ${'Z'.repeat(43)}` },
    });
    expect(unknown.statusCode).toBe(401);
  });
});

describe('dependency failures map to 503 + Retry-After; unexpected errors to a bare 500', () => {
  afterEach(() => {
    db.onWrite = async () => [];
  });

  test('GIVEN the database is read-only THEN POST /api/items answers 503 with Retry-After and the reason', async () => {
    db.onWrite = async () => {
      throw new ServiceUnavailableError(
        'read_only',
        'the database is read-only in this region; retry later',
        30,
      );
    };
    const res = await request({ method: 'POST', url: '/api/items', headers: auth(), payload: { name: 'x' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.json()).toEqual({ error: expect.stringMatching(/read-only/), reason: 'read_only' });
  });

  test('GIVEN PostgreSQL refusing a value (class 22, e.g. 22P02) THEN 400, not 500', async () => {
    db.onWrite = async () => {
      throw Object.assign(new Error('invalid input syntax for type uuid: "x"'), { code: '22P02' });
    };
    const res = await request({ method: 'POST', url: '/api/items', headers: auth(), payload: { name: 'x' } });
    expect([res.statusCode, res.json().error]).toEqual([400, expect.stringMatching(/SQLSTATE 22P02/)]);
  });

  test('GIVEN an unexpected error THEN 500 without internal details', async () => {
    db.onWrite = async () => {
      throw new Error('secret internal detail');
    };
    const res = await request({ method: 'POST', url: '/api/items', headers: auth(), payload: { name: 'x' } });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/secret internal detail/);
  });
});

describe('internal details stay off the load balancer path (ALB always sets X-Forwarded-For)', () => {
  const viaAlb = { 'x-forwarded-for': '203.0.113.7' };

  test('GIVEN /healthz and both /readyz forms through the ALB THEN the status code is unchanged and the body is the status only', async () => {
    db.tracker.recordWriter(now, { ok: true, inRecovery: true }); // a read-only region: writer readiness 503
    try {
      for (const url of ['/healthz', '/readyz', '/readyz?role=writer']) {
        const direct = await request({ method: 'GET', url });
        const proxied = await request({ method: 'GET', url, headers: viaAlb });
        expect(proxied.statusCode).toBe(direct.statusCode);
        expect(proxied.json()).toEqual({ status: direct.json().status });
        expect(direct.json()).toHaveProperty('az', 'az1'); // direct callers (target health checks, operators) see it all
      }
      expect((await request({ method: 'GET', url: '/readyz?role=writer', headers: viaAlb })).statusCode).toBe(
        503,
      );
    } finally {
      db.tracker.recordWriter(now, { ok: true, inRecovery: false });
    }
  });

  test('GIVEN /metrics through the ALB THEN 404 like any unknown path; directly THEN the metrics', async () => {
    const proxied = await request({ method: 'GET', url: '/metrics', headers: viaAlb });
    expect(proxied.statusCode).toBe(404);
    expect(proxied.body).not.toMatch(/db_pool_connections|http_requests_total/);
    expect(proxied.json()).toEqual({ error: 'no route GET /metrics' }); // indistinguishable from an unknown path
    const direct = await request({ method: 'GET', url: '/metrics' });
    expect([direct.statusCode, direct.body]).toEqual([200, expect.stringMatching(/db_pool_connections/)]);
  });
});

describe('health endpoints', () => {
  test('GIVEN a healthy service THEN /healthz is 200 without touching the database or cache', async () => {
    const reads = db.reads.length;
    const lookups = cache.stats.hits + cache.stats.misses;
    const res = await request({ method: 'GET', url: '/healthz' });
    expect([res.statusCode, res.json().status, res.json().az]).toEqual([200, 'ok', 'az1']);
    expect(db.reads.length).toBe(reads);
    expect(cache.stats.hits + cache.stats.misses).toBe(lookups);
  });

  test('GIVEN the cache down THEN /readyz stays 200 and reports it', async () => {
    cache.down = true;
    const res = await request({ method: 'GET', url: '/readyz' });
    cache.down = false;
    expect(res.statusCode).toBe(200);
    expect(res.json().cache).toEqual({ state: 'down' });
  });

  test('GIVEN the database unreachable THEN /readyz is 200 within the grace and 503 after it', async () => {
    db.tracker.recordWriter(NOW + 100, { ok: false });
    db.tracker.recordReader(NOW + 100, { ok: false });
    now = NOW + 100 + 1999;
    expect((await request({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    now = NOW + 100 + 2000;
    const after = await request({ method: 'GET', url: '/readyz' });
    expect(after.statusCode).toBe(503);
    expect(after.json()).toMatchObject({ status: 'not_ready', database: { reachable: false } });
    db.tracker.recordWriter(now, { ok: true, inRecovery: false });
    db.tracker.recordReader(now, { ok: true });
  });

  test('GIVEN /metrics THEN it has request counts by route and status, pool stats, breaker state and cache hit ratio', async () => {
    await request({ method: 'GET', url: '/healthz' });
    const text = (await request({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz",status="200"\}/,
    );
    expect(text).toMatch(/db_pool_connections\{pool="writer",state="total"\} 2/);
    expect(text).toMatch(/cache_hit_ratio \d/);
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/api\/items",status="400"\}/);
  });

  test('GIVEN draining (SIGTERM) THEN /readyz is 503 and responses ask clients to reconnect', async () => {
    lifecycle.beginDrain();
    const res = await request({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().draining).toBe(true);
    expect(res.headers.connection).toBe('close');
    expect((await request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200); // still live
  });
});

describe('stale reads say so (RFC 9111 Age beside max-age, and X-Cache: stale)', () => {
  const ID = '5d0c8a3e-8c1b-4f55-9b9e-6a8a1a1e2f30';
  afterEach(() => {
    db.readLatencyState = 'closed';
    db.onRead = async () => [];
  });

  test('GIVEN the read breaker open and an item cached 90 s ago (TTL 60 s) THEN 200 with X-Cache stale, Age 90 and max-age 60; closed THEN the database answers, X-Cache miss, no Age', async () => {
    const cachedAtMs = Date.now() - 90_000;
    cache.data.set(
      itemKey(ID),
      JSON.stringify({
        id: ID,
        name: 'cached',
        value: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        cachedAtMs,
      }),
    );
    db.readLatencyState = 'open';
    const stale = await request({ method: 'GET', url: `/api/items/${ID}`, headers: auth() });
    expect([stale.statusCode, stale.json().name]).toEqual([200, 'cached']);
    expect(stale.json()).not.toHaveProperty('cachedAtMs');
    expect(stale.headers).toMatchObject({ 'x-cache': 'stale', age: '90', 'cache-control': 'max-age=60' });

    db.readLatencyState = 'closed';
    db.onRead = async () => [{ id: ID, name: 'fresh', value: null, created_at: new Date(0) }];
    const fresh = await request({ method: 'GET', url: `/api/items/${ID}`, headers: auth() });
    expect([fresh.statusCode, fresh.json().name, fresh.headers['x-cache']]).toEqual([200, 'fresh', 'miss']);
    expect(fresh.headers).not.toHaveProperty('age');
  });

  test('GIVEN the read breaker open THEN /metrics shows it per dependency, path and trigger, and counts the stale reads', async () => {
    db.readLatencyState = 'open';
    const text = (await request({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(
      /circuit_breaker_state\{breaker="db-read-latency",dependency="database",path="read",trips_on="latency"\} 2/,
    );
    expect(text).toMatch(/stale_reads_served_total\{read="item",reason="read_breaker_open"\} [1-9]/);
  });
});
