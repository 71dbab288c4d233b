/**
 * The HTTP contract against a real PostgreSQL: every malformed input is a 4xx naming the problem (never a 500 from
 * the database refusing it), types are strict and unknown fields refused, 415/405 as HTTP defines them, and text is
 * stored byte for byte or refused - never silently altered.
 */
import { randomUUID } from 'node:crypto';
import { PgServer, startPostgres, stopAll } from './harness';
import { call, eventually } from './support/client';
import { InProcessService, startInProcess } from './support/in-process';

jest.setTimeout(60000);

let pg: PgServer;
let svc: InProcessService;
let token: string;

beforeAll(async () => {
  pg = await startPostgres();
  svc = await startInProcess({
    DB_WRITER_HOST: '127.0.0.1',
    DB_PORT: String(pg.port),
    DB_PASSWORD: pg.app.password,
  });
  await eventually(
    () => call(svc.baseUrl, 'GET', '/readyz?role=writer'),
    (r) => r.status === 200,
  );
  token = (await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: 'contract' } })).body.token;
});

afterAll(async () => {
  await svc?.service.shutdown(0);
  await stopAll();
});

interface Raw {
  readonly status: number;
  readonly headers: Headers;
  readonly json: { error?: string; [k: string]: unknown };
}

async function raw(
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Raw> {
  const res = await fetch(`${svc.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : {} };
}

describe('malformed input is 4xx, never 500', () => {
  test.each([
    { what: 'a NUL byte in name', body: JSON.stringify({ name: 'a\u0000b' }), message: /body\/name .*NUL/ },
    {
      what: 'a NUL byte in value',
      body: JSON.stringify({ name: 'a', value: '\u0000' }),
      message: /body\/value .*NUL/,
    },
    { what: 'a number for name', body: '{"name": 123}', message: /body\/name must be string/ },
    { what: 'an array for name', body: '{"name": ["x"]}', message: /body\/name must be string/ },
    { what: 'null for value', body: '{"name": "x", "value": null}', message: /body\/value must be string/ },
    {
      what: 'a boolean for value',
      body: '{"name": "x", "value": true}',
      message: /body\/value must be string/,
    },
    {
      what: 'an unknown field',
      body: '{"name": "x", "colour": "red"}',
      message: /must NOT have additional properties/,
    },
    { what: 'a lone high surrogate', body: '{"name": "a\\ud800b"}', message: /body\/name .*surrogate/ },
    { what: 'a lone low surrogate', body: '{"name": "\\udc00"}', message: /body\/name .*surrogate/ },
  ])('GIVEN $what WHEN POST /api/items THEN 400 naming it', async ({ body, message }) => {
    const res = await raw('POST', '/api/items', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
  });

  test('GIVEN invalid UTF-8 bytes in the body THEN 400, and nothing is stored as U+FFFD', async () => {
    const name = `bytes-${randomUUID()}`;
    const body = Buffer.concat([
      Buffer.from(`{"name": "${name}`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const res = await raw('POST', '/api/items', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/not valid UTF-8/);
    expect(await pg.query('SELECT 1 FROM items WHERE name LIKE $1', [`${name}%`], 'app')).toEqual([]);
  });

  test('GIVEN a NUL byte in the session user THEN 400', async () => {
    const res = await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: 'x\u0000' } });
    expect(res.status).toBe(400);
  });

  test.each([`urn:uuid:${randomUUID()}`, `{${randomUUID()}}`, randomUUID().replace(/-/g, ''), 'not-a-uuid'])(
    'GIVEN GET /api/items/%s THEN 400 naming params/id',
    async (id) => {
      const res = await raw('GET', `/api/items/${encodeURIComponent(id)}`);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/params\/id/);
    },
  );

  test.each(['abc', '1e1', '5.5', '-1', '0', '101'])(
    'GIVEN limit=%s THEN 400 naming querystring/limit',
    async (limit) => {
      const res = await raw('GET', `/api/items?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/querystring\/limit/);
    },
  );

  test('GIVEN limit=7 or none THEN 200', async () => {
    expect((await raw('GET', '/api/items?limit=7')).status).toBe(200);
    expect((await raw('GET', '/api/items')).status).toBe(200);
  });
});

describe('HTTP semantics', () => {
  test.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
    'application/json; charset=latin1',
  ])('GIVEN content-type %s THEN 415', async (type) => {
    const res = await raw('POST', '/api/items', 'name=x', { 'content-type': type });
    expect(res.status).toBe(415);
  });

  test.each([
    { method: 'PUT', path: '/api/items', allow: 'GET, HEAD, POST' },
    { method: 'DELETE', path: `/api/items/${randomUUID()}`, allow: 'GET, HEAD' },
    { method: 'PATCH', path: '/healthz', allow: 'GET, HEAD' },
    { method: 'GET', path: '/api/sessions', allow: 'POST' },
  ])('GIVEN $method $path THEN 405 with Allow: $allow', async ({ method, path, allow }) => {
    const res = await raw(method, path);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.json.error).toMatch(new RegExp(`${method} .*not allowed`));
  });

  test('GIVEN an unknown path THEN 404 (not 405)', async () => {
    expect((await raw('PUT', '/no/such/path')).status).toBe(404);
  });
});

describe('text is stored byte for byte', () => {
  const samples = [
    'plain ascii',
    'émoji 🧪 and ZWJ 👩‍👩‍👧',
    'cafe\u0301 (NFD) vs café (NFC)',
    'RTL \u202Eabc\u202C and \u200Bzero-width',
    'literal replacement char \uFFFD stays itself',
    'tab\tnewline\nend',
  ];

  test.each(samples)(
    'GIVEN %j THEN the stored bytes are the UTF-8 of the input and it reads back identical',
    async (text) => {
      const created = await call(svc.baseUrl, 'POST', '/api/items', {
        token,
        json: { name: text, value: text },
      });
      expect(created.status).toBe(201);
      expect(created.body.name).toBe(text);
      const [row] = await pg.query<{ hex: string }>(
        "SELECT encode(convert_to(name, 'UTF8'), 'hex') AS hex FROM items WHERE id = $1",
        [created.body.id],
        'app',
      );
      expect(row.hex).toBe(Buffer.from(text, 'utf8').toString('hex'));
      const read = await call(svc.baseUrl, 'GET', `/api/items/${created.body.id}`, { token });
      expect([read.body.name, read.body.value]).toEqual([text, text]);
    },
  );

  test('GIVEN a keyed write with non-ASCII text WHEN it is retried identically THEN 200 replayed, not 422', async () => {
    const key = randomUUID();
    const body = JSON.stringify({ name: 'naïve 🧪', value: 'Ω' });
    const first = await raw('POST', '/api/items', body, { 'idempotency-key': key });
    const retry = await raw('POST', '/api/items', body, { 'idempotency-key': key });
    expect([first.status, retry.status, retry.headers.get('idempotent-replayed')]).toEqual([
      201,
      200,
      'true',
    ]);
  });
});
