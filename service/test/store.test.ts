import { ServiceUnavailableError } from '../src/errors';
import { AppStore, hashToken, itemKey, listKey, sessionKey, type StoreOptions } from '../src/store';
import { FakeCache, FakeDatabase } from './fakes';

const ID = '0b7c3a52-6f0e-4a8e-9a39-2f6b4a0b9b11';
const ROW = { id: ID, name: 'n', value: null, created_at: new Date('2026-01-01T00:00:00Z') };
const NOW = Date.parse('2026-06-01T00:00:00Z');

/** A store over fakes with a clock the test can advance; options override the defaults. */
function setup(options: Partial<StoreOptions> = {}) {
  let now = NOW;
  const db = new FakeDatabase();
  const cache = new FakeCache();
  const store = new AppStore(db, cache, {
    sessionTtlSeconds: 3600,
    itemCacheTtlSeconds: 60,
    now: () => now,
    ...options,
  });
  return { db, cache, store, advance: (ms: number) => (now += ms) };
}

describe('items: cache-aside', () => {
  test('GIVEN a cache miss THEN the reader is queried and the cache filled; the next read does not touch the database', async () => {
    const { db, cache, store } = setup();
    db.onRead = async () => [ROW];
    expect(await store.getItem(ID)).toEqual({
      source: 'database',
      item: { id: ID, name: 'n', value: null, createdAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(cache.data.has(itemKey(ID))).toBe(true);
    expect((await store.getItem(ID)).source).toBe('cache');
    expect(db.reads).toHaveLength(1);
  });

  test('GIVEN the cache is down THEN reads fall back to the database (fallback: database when the cache is down)', async () => {
    const { db, cache, store } = setup();
    cache.down = true;
    db.onRead = async () => [ROW];
    expect((await store.getItem(ID)).item?.name).toBe('n');
    expect(cache.stats.errors).toBe(1);
  });

  test('GIVEN the database is down and the item cached THEN the cached item is served (fallback: cache when the database is down)', async () => {
    const { db, cache, store } = setup();
    cache.data.set(itemKey(ID), JSON.stringify({ id: ID, name: 'cached', value: null, createdAt: 'x' }));
    db.onRead = async () => {
      throw new ServiceUnavailableError('unreachable', 'down');
    };
    expect((await store.getItem(ID)).item?.name).toBe('cached');
  });

  test('GIVEN the database is down and the item not cached THEN the 503 error propagates', async () => {
    const { db, store } = setup();
    db.onRead = async () => {
      throw new ServiceUnavailableError('unreachable', 'down');
    };
    await expect(store.getItem(ID)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  test('GIVEN a corrupt cache entry THEN it is treated as a miss', async () => {
    const { db, cache, store } = setup();
    cache.data.set(itemKey(ID), '{not json');
    db.onRead = async () => [ROW];
    expect((await store.getItem(ID)).source).toBe('database');
  });
});

describe('items: in-process memo in front of Redis (items are immutable)', () => {
  function memoSetup(itemMemoMs: number) {
    const fx = setup({ itemMemoMs });
    fx.cache.data.set(itemKey(ID), JSON.stringify({ id: ID, name: 'n', value: null, createdAt: 'x' }));
    return fx;
  }

  test('GIVEN an item read from Redis THEN reads within the memo window do not ask Redis again', async () => {
    const { cache, store, advance } = memoSetup(5000);
    expect((await store.getItem(ID)).source).toBe('cache');
    advance(4999);
    expect((await store.getItem(ID)).item?.name).toBe('n');
    expect(cache.stats.hits).toBe(1);
  });

  test('GIVEN the memo window has passed THEN Redis is asked again', async () => {
    const { cache, store, advance } = memoSetup(5000);
    await store.getItem(ID);
    advance(5000);
    await store.getItem(ID);
    expect(cache.stats.hits).toBe(2);
  });

  test('GIVEN itemMemoMs = 0 THEN every read asks Redis', async () => {
    const { cache, store } = memoSetup(0);
    await store.getItem(ID);
    await store.getItem(ID);
    expect(cache.stats.hits).toBe(2);
  });
});

describe('sessions: cache with database write-through', () => {
  test('GIVEN a new session THEN only the token hash is stored, in the database first and then the cache', async () => {
    const { db, cache, store } = setup();
    const s = await store.createSession('alice');
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.expiresAt).toBe(new Date(NOW + 3600_000).toISOString());
    expect(db.writes[0]).toMatch(/INSERT INTO sessions/);
    expect(cache.data.has(sessionKey(hashToken(s.token)))).toBe(true);
    expect([...cache.data.keys()].some((k) => k.includes(s.token))).toBe(false);
  });

  test('GIVEN the cache lost the session (outage, restart) THEN it validates from the database', async () => {
    const { db, cache, store } = setup();
    const s = await store.createSession('alice');
    cache.data.clear();
    db.onRead = async () => [{ user_name: 'alice', expires_at: new Date(NOW + 1000_000) }];
    expect((await store.validateSession(s.token))?.user).toBe('alice');
    expect(db.reads[0]).toMatch(/FROM sessions WHERE token_hash = \$1 AND expires_at > now\(\)/);
  });

  test('GIVEN an expired cached session THEN it is rejected', async () => {
    const { cache, store } = setup();
    const token = 'A'.repeat(43);
    cache.data.set(
      sessionKey(hashToken(token)),
      JSON.stringify({ user: 'a', expiresAt: new Date(NOW - 1).toISOString() }),
    );
    expect(await store.validateSession(token)).toBeUndefined();
  });

  test('GIVEN a malformed token THEN it is rejected without any lookup', async () => {
    const { db, cache, store } = setup();
    expect(await store.validateSession('short')).toBeUndefined();
    expect(db.reads).toHaveLength(0);
    expect(cache.stats.hits + cache.stats.misses).toBe(0);
  });
});

describe('sessions: in-process memo', () => {
  test('GIVEN a validated session WHEN it is checked again within the memo window THEN no cache or database lookup happens', async () => {
    const { cache, store, advance } = setup({ sessionMemoMs: 5000 });
    const s = await store.createSession('alice');
    await store.validateSession(s.token);
    const lookups = cache.stats.hits + cache.stats.misses;
    advance(4999);
    expect((await store.validateSession(s.token))?.user).toBe('alice');
    expect(cache.stats.hits + cache.stats.misses).toBe(lookups);
    advance(2);
    await store.validateSession(s.token); // memo expired: looked up again
    expect(cache.stats.hits + cache.stats.misses).toBe(lookups + 1);
  });

  test('GIVEN a session expiring before the memo window ends THEN the memo never outlives the session', async () => {
    const { store, advance } = setup({ sessionTtlSeconds: 60, sessionMemoMs: 120000 });
    const s = await store.createSession('alice');
    expect(await store.validateSession(s.token)).toBeDefined();
    advance(61000);
    expect(await store.validateSession(s.token)).toBeUndefined();
  });

  test('GIVEN more sessions than the memo bound THEN the oldest are evicted (memory stays bounded)', async () => {
    const db = new FakeDatabase();
    const cache = new FakeCache();
    const store = new AppStore(db, cache, {
      sessionTtlSeconds: 60,
      itemCacheTtlSeconds: 60,
      sessionMemoMaxEntries: 2,
      now: () => NOW,
    });
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push((await store.createSession(`u${i}`)).token);
    for (const t of tokens) await store.validateSession(t);
    const lookups = cache.stats.hits + cache.stats.misses;
    await store.validateSession(tokens[0]); // evicted: looked up again
    await store.validateSession(tokens[2]); // still memoized
    expect(cache.stats.hits + cache.stats.misses).toBe(lookups + 1);
  });
});

describe('session housekeeping', () => {
  test('GIVEN expired sessions THEN the purge deletes on the writer only those expired for over an hour', async () => {
    const { db, store } = setup();
    db.onWrite = async () => [{ n: 3 }];
    expect(await store.purgeExpiredSessions()).toBe(3);
    expect(db.writes[0]).toMatch(/DELETE FROM sessions WHERE expires_at < now\(\) - interval '1 hour'/);
  });
});

describe('reads degrade to the cache while the read latency breaker is open (stale served, marked)', () => {
  const cachedItem = (name: string, cachedAtMs?: number): string =>
    JSON.stringify({ id: ID, name, value: null, createdAt: '2026-01-01T00:00:00.000Z', cachedAtMs });

  function staleSetup(options: Partial<StoreOptions> = {}) {
    const fx = setup({ itemMemoMs: 0, itemCacheStaleSeconds: 3600, ...options });
    fx.db.onRead = async () => [ROW];
    return fx;
  }

  test('GIVEN an item cached past its 60 s TTL and the breaker open THEN the cached copy is served stale with its age, without a database read', async () => {
    const { db, cache, store } = staleSetup();
    cache.data.set(itemKey(ID), cachedItem('cached', NOW - 90_000));
    db.readLatencyState = 'open';
    expect(await store.getItem(ID)).toEqual({
      item: { id: ID, name: 'cached', value: null, createdAt: '2026-01-01T00:00:00.000Z' },
      source: 'stale',
      ageSeconds: 90,
      freshSeconds: 60,
    });
    expect(db.reads).toHaveLength(0);
    expect(store.stats.staleServed.item).toEqual({ read_breaker_open: 1, database_unavailable: 0 });
  });

  test('GIVEN the same stale copy and the breaker closed (or half-open: probing) THEN the database is read and the cache refreshed', async () => {
    for (const state of ['closed', 'half_open'] as const) {
      const { db, cache, store } = staleSetup();
      cache.data.set(itemKey(ID), cachedItem('cached', NOW - 90_000));
      db.readLatencyState = state;
      expect(await store.getItem(ID)).toMatchObject({ source: 'database', item: { name: 'n' } });
      expect(JSON.parse(cache.data.get(itemKey(ID))!)).toMatchObject({ name: 'n', cachedAtMs: NOW });
      expect(store.stats.staleServed.item.read_breaker_open).toBe(0);
    }
  });

  test('GIVEN the breaker open and a copy within its TTL THEN it is an ordinary hit (not stale)', async () => {
    const { db, cache, store } = staleSetup();
    cache.data.set(itemKey(ID), cachedItem('cached', NOW - 59_000));
    db.readLatencyState = 'open';
    expect(await store.getItem(ID)).toMatchObject({ source: 'cache', item: { name: 'cached' } });
  });

  test('GIVEN the breaker open and nothing cached THEN the database is read (slow beats failing)', async () => {
    const { db, store } = staleSetup();
    db.readLatencyState = 'open';
    expect((await store.getItem(ID)).source).toBe('database');
    expect(db.reads).toHaveLength(1);
  });

  test('GIVEN a stale copy, the breaker closed and the database unavailable THEN the copy is served stale (reason database_unavailable)', async () => {
    const { db, cache, store } = staleSetup();
    cache.data.set(itemKey(ID), cachedItem('cached', NOW - 61_000));
    db.onRead = async () => {
      throw new ServiceUnavailableError('timeout', 'database read timed out');
    };
    expect((await store.getItem(ID)).source).toBe('stale');
    expect(store.stats.staleServed.item).toEqual({ read_breaker_open: 0, database_unavailable: 1 });
  });

  test('GIVEN an entry without cachedAtMs (written by the previous version) THEN it counts as fresh', async () => {
    const { db, cache, store } = staleSetup();
    cache.data.set(itemKey(ID), JSON.stringify({ id: ID, name: 'old', value: null, createdAt: 'x' }));
    expect(await store.getItem(ID)).toMatchObject({ source: 'cache', item: { name: 'old' } });
    expect(db.reads).toHaveLength(0);
  });

  test('GIVEN an item created THEN it is cached for its TTL plus the stale window, with its time', async () => {
    const { db, cache, store } = staleSetup();
    db.onWrite = async () => [ROW];
    await store.createItem({ name: 'n' });
    expect(cache.ttls.get(itemKey(ID))).toBe(60 + 3600);
    expect(JSON.parse(cache.data.get(itemKey(ID))!)).toMatchObject({ cachedAtMs: NOW });
  });

  test('GIVEN the breaker closed THEN a list comes from the database and its snapshot is stored; open THEN the snapshot is served stale without a database read', async () => {
    const { db, cache, store, advance } = staleSetup();
    expect(await store.listItems(20)).toMatchObject({ source: 'database', value: [{ name: 'n' }] });
    expect(cache.data.has(listKey(20))).toBe(true);
    db.onRead = async () => [{ ...ROW, name: 'newer' }];
    advance(2_500);
    db.readLatencyState = 'open';
    expect(await store.listItems(20)).toEqual({
      source: 'stale',
      value: [{ id: ID, name: 'n', value: null, createdAt: '2026-01-01T00:00:00.000Z' }],
      ageSeconds: 2,
      freshSeconds: 0,
    });
    expect(db.reads).toHaveLength(1);
    expect(store.stats.staleServed.list.read_breaker_open).toBe(1);
    // another limit has no snapshot: the database answers
    expect(await store.listItems(5)).toMatchObject({ source: 'database', value: [{ name: 'newer' }] });
  });

  test('GIVEN no stale window (itemCacheStaleSeconds 0) THEN no snapshot is kept and an open breaker reads the database', async () => {
    const { db, cache, store } = staleSetup({ itemCacheStaleSeconds: 0 });
    await store.listItems(20);
    expect(cache.data.has(listKey(20))).toBe(false);
    db.readLatencyState = 'open';
    expect((await store.listItems(20)).source).toBe('database');
  });

  test('GIVEN a list snapshot and the database unavailable THEN the snapshot is served; without one THEN the 503 propagates', async () => {
    const { db, store } = staleSetup();
    await store.listItems(20);
    db.onRead = async () => {
      throw new ServiceUnavailableError('circuit_open', 'open');
    };
    expect((await store.listItems(20)).source).toBe('stale');
    expect(store.stats.staleServed.list.database_unavailable).toBe(1);
    await expect(store.listItems(7)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
