/**
 * Idempotency-Key on POST /api/items (no servers: an in-memory table stands in for PostgreSQL's unique index).
 */
import { FastifyInstance } from 'fastify';
import { createMetrics } from '../src/metrics';
import { buildServer, Lifecycle } from '../src/server';
import { AppStore, itemKey } from '../src/store';
import { FakeCache, FakeDatabase } from './fakes';

interface Row {
  id: string;
  name: string;
  value: string | null;
  created_at: string;
  idempotency_key: string | null;
}

/**
 * Answers the two statements createItem sends like PostgreSQL would with a unique index on idempotency_key:
 * INSERT ... ON CONFLICT DO NOTHING RETURNING (no row on a conflict; NULL keys never conflict) and the lookup by key.
 */
function fakeItemsTable(db: FakeDatabase): Row[] {
  const rows: Row[] = [];
  db.onWrite = async (sql, params) => {
    if (/^INSERT INTO items/.test(sql)) {
      expect(sql).toMatch(/ON CONFLICT \(idempotency_key\) DO NOTHING/);
      const [id, name, value, key] = params as [string, string, string | null, string | null];
      if (key !== null && rows.some((r) => r.idempotency_key === key)) return [];
      const row = { id, name, value, created_at: '2026-11-22T00:00:00.000Z', idempotency_key: key };
      rows.push(row);
      return [row];
    }
    if (/^SELECT .* FROM items WHERE idempotency_key = \$1$/.test(sql)) {
      return rows.filter((r) => r.idempotency_key === params[0]);
    }
    throw new Error(`unexpected statement: ${sql}`);
  };
  return rows;
}

describe('AppStore.createItem with an idempotency key', () => {
  const setup = () => {
    const db = new FakeDatabase();
    const cache = new FakeCache();
    const rows = fakeItemsTable(db);
    const store = new AppStore(db, cache, { sessionTtlSeconds: 3600, itemCacheTtlSeconds: 60 });
    return { db, cache, rows, store };
  };

  test('GIVEN no key WHEN two identical items are created THEN two rows with a NULL key (no deduplication)', async () => {
    const { rows, store, cache } = setup();
    const a = await store.createItem({ name: 'same' });
    const b = await store.createItem({ name: 'same' });
    expect([a.outcome, b.outcome]).toEqual(['created', 'created']);
    expect(a.item.id).not.toBe(b.item.id);
    expect(rows.map((r) => r.idempotency_key)).toEqual([null, null]);
    expect(cache.data.has(itemKey(a.item.id))).toBe(true);
  });

  test('GIVEN a key already used with the same name and value WHEN created again THEN the original is replayed from the writer and no row is added', async () => {
    const { db, rows, store } = setup();
    const first = await store.createItem({ name: 'n', value: 'v', idempotencyKey: 'k-1' });
    const retry = await store.createItem({ name: 'n', value: 'v', idempotencyKey: 'k-1' });
    expect(first.outcome).toBe('created');
    expect(retry).toEqual({ item: first.item, outcome: 'replayed' });
    expect(rows).toHaveLength(1);
    // The lookup must see a row committed a moment ago: writer, never the (possibly lagging) reader.
    expect(db.reads).toEqual([]);
    expect(db.writes).toHaveLength(3);
  });

  test('GIVEN a key already used WHEN created again with a different name or value THEN mismatch and the original row is untouched', async () => {
    const { rows, store } = setup();
    const first = await store.createItem({ name: 'original', idempotencyKey: 'k-2' });
    const otherName = await store.createItem({ name: 'changed', idempotencyKey: 'k-2' });
    const otherValue = await store.createItem({ name: 'original', value: 'added', idempotencyKey: 'k-2' });
    expect(otherName).toEqual({ item: first.item, outcome: 'mismatch' });
    expect(otherValue.outcome).toBe('mismatch');
    expect(rows).toEqual([
      expect.objectContaining({ name: 'original', value: null, idempotency_key: 'k-2' }),
    ]);
  });

  test('GIVEN the insert conflicts but no row has the key THEN it fails loudly instead of inventing an item', async () => {
    const { db, store } = setup();
    db.onWrite = async () => [];
    await expect(store.createItem({ name: 'n', idempotencyKey: 'ghost' })).rejects.toThrow(
      /conflicted on idempotency_key but no row has that key/,
    );
  });
});

describe('POST /api/items with Idempotency-Key', () => {
  const db = new FakeDatabase();
  const cache = new FakeCache();
  const store = new AppStore(db, cache, { sessionTtlSeconds: 3600, itemCacheTtlSeconds: 60 });
  let rows: Row[];
  let app: FastifyInstance;
  let baseUrl: string;
  let token: string;

  beforeAll(async () => {
    db.tracker.recordWriter(Date.now(), { ok: true, inRecovery: false });
    db.tracker.recordReader(Date.now(), { ok: true });
    app = buildServer({
      store,
      db,
      cache,
      metrics: createMetrics({ db, cache, processMetrics: false }),
      lifecycle: new Lifecycle(),
      readinessGraceMs: 2000,
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    db.onWrite = async () => [];
    token = (await store.createSession('alice')).token;
  });

  beforeEach(() => {
    rows = fakeItemsTable(db);
  });

  afterAll(() => app.close());

  const post = async (body: object, key?: string) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    };
    if (key !== undefined) headers['idempotency-key'] = key;
    const res = await fetch(`${baseUrl}/api/items`, { method: 'POST', headers, body: JSON.stringify(body) });
    return {
      status: res.status,
      replayed: res.headers.get('idempotent-replayed'),
      body: (await res.json()) as { error?: string; id?: string },
    };
  };

  test('GIVEN a first POST with a key THEN 201; WHEN retried with the same key THEN 200, Idempotent-Replayed: true and the same item', async () => {
    const first = await post({ name: 'order', value: '42' }, '7d0c2c1e-0b7a-4f1e-9a57-3f1f1d7c9e01');
    const retry = await post({ name: 'order', value: '42' }, '7d0c2c1e-0b7a-4f1e-9a57-3f1f1d7c9e01');
    expect([first.status, first.replayed]).toEqual([201, null]);
    expect([retry.status, retry.replayed]).toEqual([200, 'true']);
    expect(retry.body).toEqual(first.body);
    expect(first.body).toMatchObject({ name: 'order', value: '42', id: expect.any(String) });
    expect(rows).toHaveLength(1);
  });

  test('GIVEN a key reused for a different name THEN 422 naming the header, and the original is kept', async () => {
    await post({ name: 'first' }, 'reused_key');
    const other = await post({ name: 'second' }, 'reused_key');
    expect(other.status).toBe(422);
    expect(other.body.error).toMatch(/Idempotency-Key reused_key was already used/);
    expect(rows.map((r) => r.name)).toEqual(['first']);
  });

  test('GIVEN a key of exactly 128 allowed characters THEN accepted', async () => {
    const res = await post({ name: 'long key' }, 'aZ0_-'.repeat(25) + 'abc');
    expect(res.status).toBe(201);
    expect(rows[0].idempotency_key).toHaveLength(128);
  });

  test.each([
    { what: 'an empty key', key: '' },
    { what: 'a 129-character key', key: 'k'.repeat(129) },
    { what: 'a space', key: 'a b' },
    { what: 'a dot', key: 'a.b' },
    { what: 'a comma (two headers joined)', key: 'a,b' },
  ])('GIVEN $what THEN 400 naming the Idempotency-Key header and nothing written', async ({ key }) => {
    const res = await post({ name: 'x' }, key);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/header Idempotency-Key must be 1-128 characters/);
    expect(rows).toHaveLength(0);
  });
});
