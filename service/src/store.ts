/**
 * The demo API's data logic: items (cache-aside: Redis first, then the reader) and sessions (opaque tokens kept
 * in Redis with a TTL and written through to PostgreSQL, so users stay signed in through a cache outage and no
 * instance holds user state). Only SHA-256 hashes of tokens are stored, never the tokens themselves.
 *
 * Reads degrade instead of failing: cached items are kept in Redis `itemCacheStaleSeconds` past their TTL, and the
 * latest list answer is kept as a snapshot. While the database's read latency breaker is open (reads slower than
 * their budget), or when the database cannot answer, those are served marked stale; only what the cache does not
 * hold goes to the database. Sessions are never served past their expiry.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Cache } from './cache';
import { Database } from './db';
import { ServiceUnavailableError } from './errors';

export interface Item {
  readonly id: string;
  readonly name: string;
  readonly value: string | null;
  readonly createdAt: string;
}

/**
 * What POST /api/items did: `created` a new row; `replayed` the Idempotency-Key was seen before with the same name
 * and value (the original row is returned, nothing written); `mismatch` the key was seen before with a different
 * name or value (the original row is kept untouched and returned for information, nothing written).
 */
export type CreateItemOutcome = 'created' | 'replayed' | 'mismatch';

export interface CreatedItem {
  readonly item: Item;
  readonly outcome: CreateItemOutcome;
}

export interface Session {
  readonly user: string;
  readonly expiresAt: string;
}

export interface NewSession extends Session {
  readonly token: string;
}

/**
 * Where a read was answered from: `database`, the `cache` within its TTL, or `stale`: the cache past its TTL (or a
 * list snapshot, which is never fresh), because the read latency breaker is open or the database did not answer.
 */
export type ReadSource = 'cache' | 'database' | 'stale';

export interface ReadResult<T> {
  readonly value: T;
  readonly source: ReadSource;
  /** How old the cached copy is (seconds, rounded down); set for `stale`. */
  readonly ageSeconds?: number;
  /** How long the copy counted as fresh (seconds): the item TTL, 0 for list snapshots; set for `stale`. */
  readonly freshSeconds?: number;
}

/** Why a stale copy was served. */
export type StaleReason = 'read_breaker_open' | 'database_unavailable';

export interface StoreStats {
  /** Stale answers by what was read and why. */
  readonly staleServed: Record<'item' | 'list', Record<StaleReason, number>>;
}

export interface StoreOptions {
  readonly sessionTtlSeconds: number;
  readonly itemCacheTtlSeconds: number;
  /**
   * How long cached items and list snapshots are kept past their TTL to be served stale (breaker open, database
   * unavailable). 0 keeps nothing past the TTL and stores no list snapshots.
   * @default 0
   */
  readonly itemCacheStaleSeconds?: number;
  /**
   * How long a validated session is remembered in process (bounded LRU), saving a Redis round trip per request.
   * A session can outlive a (future) revocation by at most this long; never beyond its expiry. 0 disables.
   * @default 5000
   */
  readonly sessionMemoMs?: number;
  /** @default 10000 */
  readonly sessionMemoMaxEntries?: number;
  /**
   * How long an item read is remembered in process (bounded, oldest evicted first) before Redis is asked again.
   * Items are immutable once created (no update or delete), so the memo can never serve a stale item; it only
   * spares a Redis round trip for hot items. 0 disables.
   * @default 5000
   */
  readonly itemMemoMs?: number;
  /** @default 10000 */
  readonly itemMemoMaxEntries?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface ItemRow {
  id: string;
  name: string;
  value: string | null;
  created_at: Date | string;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A cached item: the item's own fields plus when it was cached. Entries written before `cachedAtMs` existed count
 * as fresh (their Redis TTL still bounds them), and readers that predate it ignore the field (the response schema
 * lists the item's fields), so instances of both versions share the cache during a rolling deployment.
 */
interface CachedItem extends Item {
  readonly cachedAtMs?: number;
}

interface ListSnapshot {
  readonly items: Item[];
  readonly cachedAtMs: number;
}

export const itemKey = (id: string): string => `item:${id}`;
export const listKey = (limit: number): string => `items:list:${limit}`;
export const sessionKey = (tokenHash: string): string => `session:${tokenHash}`;
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    name: row.name,
    value: row.value,
    createdAt:
      row.created_at instanceof Date ? row.created_at.toISOString() : new Date(row.created_at).toISOString(),
  };
}

function withoutCacheFields(cached: CachedItem): Item {
  return { id: cached.id, name: cached.name, value: cached.value, createdAt: cached.createdAt };
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export class AppStore {
  readonly stats: StoreStats = {
    staleServed: {
      item: { read_breaker_open: 0, database_unavailable: 0 },
      list: { read_breaker_open: 0, database_unavailable: 0 },
    },
  };
  private readonly now: () => number;
  private readonly memo = new Map<string, { session: Session; until: number }>();
  private readonly itemMemo = new Map<string, { item: Item; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly cache: Cache,
    private readonly options: StoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Inserts an item. With an idempotency key, a retry of a write whose answer the client never got (instance
   * killed, connection reset) finds the first row through the unique index instead of inserting a second one;
   * the lookup runs on the writer, so it sees a row committed a moment ago. An insert racing a still-open
   * first attempt waits for it (unique index) and then either replays it or inserts if it rolled back.
   */
  async createItem(input: { name: string; value?: string; idempotencyKey?: string }): Promise<CreatedItem> {
    const value = input.value ?? null;
    const rows = await this.db.write<ItemRow>(
      'INSERT INTO items (id, name, value, idempotency_key) VALUES ($1, $2, $3, $4) ' +
        'ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, name, value, created_at',
      [randomUUID(), input.name, value, input.idempotencyKey ?? null],
    );
    if (rows.length > 0) {
      const item = toItem(rows[0]);
      await this.cacheItem(item);
      return { item, outcome: 'created' };
    }
    // Nothing inserted: only a non-null key can conflict (NULLs are distinct in a unique index).
    const existing = await this.db.write<ItemRow>(
      'SELECT id, name, value, created_at FROM items WHERE idempotency_key = $1',
      [input.idempotencyKey ?? null],
    );
    if (existing.length === 0) {
      // Rows are never deleted, so a conflict without a row is a bug, not a state to paper over.
      throw new Error('items insert conflicted on idempotency_key but no row has that key');
    }
    const item = toItem(existing[0]);
    const same = item.name === input.name && item.value === value;
    return { item, outcome: same ? 'replayed' : 'mismatch' };
  }

  /**
   * Cache first (the in-process memo, then Redis within the TTL); otherwise the reader, then the cache is filled.
   * A copy past its TTL is served stale instead while the read latency breaker is open or the database fails.
   */
  async getItem(
    id: string,
  ): Promise<{ item?: Item; source: ReadSource; ageSeconds?: number; freshSeconds?: number }> {
    const now = this.now();
    const memo = this.itemMemo.get(id);
    if (memo && memo.until > now) return { item: memo.item, source: 'cache' };
    if (memo) this.itemMemo.delete(id);
    const cached = parseJson<CachedItem>(await this.cache.get(itemKey(id)));
    const ttlMs = this.options.itemCacheTtlSeconds * 1000;
    if (cached && (cached.cachedAtMs === undefined || now - cached.cachedAtMs < ttlMs)) {
      const item = withoutCacheFields(cached);
      this.rememberItem(id, item, now);
      return { item, source: 'cache' };
    }
    const stale = cached
      ? (reason: StaleReason) => {
          this.stats.staleServed.item[reason]++;
          return {
            item: withoutCacheFields(cached),
            source: 'stale' as const,
            ageSeconds: Math.floor((now - (cached.cachedAtMs ?? now)) / 1000),
            freshSeconds: this.options.itemCacheTtlSeconds,
          };
        }
      : undefined;
    if (stale && this.db.readLatency.state() === 'open') return stale('read_breaker_open');
    let rows: ItemRow[];
    try {
      rows = await this.db.read<ItemRow>('SELECT id, name, value, created_at FROM items WHERE id = $1', [id]);
    } catch (err) {
      if (stale && err instanceof ServiceUnavailableError) return stale('database_unavailable');
      throw err;
    }
    if (rows.length === 0) return { source: 'database' };
    const item = toItem(rows[0]);
    await this.cacheItem(item);
    this.rememberItem(id, item, now);
    return { item, source: 'database' };
  }

  /** Cached with its time, kept `itemCacheStaleSeconds` past the TTL so it can be served stale. */
  private cacheItem(item: Item): Promise<void> {
    const entry: CachedItem = { ...item, cachedAtMs: this.now() };
    return this.cache.set(
      itemKey(item.id),
      JSON.stringify(entry),
      this.options.itemCacheTtlSeconds + (this.options.itemCacheStaleSeconds ?? 0),
    );
  }

  private rememberItem(id: string, item: Item, now: number): void {
    const memoMs = this.options.itemMemoMs ?? 5000;
    if (memoMs <= 0) return;
    if (this.itemMemo.size >= (this.options.itemMemoMaxEntries ?? 10000)) {
      this.itemMemo.delete(this.itemMemo.keys().next().value as string); // oldest first (Map keeps insertion order)
    }
    this.itemMemo.set(id, { item, until: now + memoMs });
  }

  /**
   * The newest items, always from the reader while it is fast: a list changes with every write, so its snapshot in
   * the cache is never fresh and is served (stale) only while the read latency breaker is open or the database fails.
   */
  async listItems(limit: number): Promise<ReadResult<Item[]>> {
    const staleSeconds = this.options.itemCacheStaleSeconds ?? 0;
    const snapshot = async (reason: StaleReason): Promise<ReadResult<Item[]> | undefined> => {
      if (staleSeconds === 0) return undefined;
      const cached = parseJson<ListSnapshot>(await this.cache.get(listKey(limit)));
      if (!cached || !Array.isArray(cached.items)) return undefined;
      this.stats.staleServed.list[reason]++;
      const ageSeconds = Math.max(0, Math.floor((this.now() - cached.cachedAtMs) / 1000));
      return { value: cached.items, source: 'stale', ageSeconds, freshSeconds: 0 };
    };
    if (this.db.readLatency.state() === 'open') {
      const stale = await snapshot('read_breaker_open');
      if (stale) return stale;
    }
    let rows: ItemRow[];
    try {
      rows = await this.db.read<ItemRow>(
        'SELECT id, name, value, created_at FROM items ORDER BY created_at DESC, id LIMIT $1',
        [limit],
      );
    } catch (err) {
      const stale =
        err instanceof ServiceUnavailableError ? await snapshot('database_unavailable') : undefined;
      if (stale) return stale;
      throw err;
    }
    const items = rows.map(toItem);
    if (staleSeconds > 0) {
      const entry: ListSnapshot = { items, cachedAtMs: this.now() };
      await this.cache.set(listKey(limit), JSON.stringify(entry), staleSeconds);
    }
    return { value: items, source: 'database' };
  }

  /** Issues a token: written to the database first (the source of truth), then cached with the same TTL. */
  async createSession(user: string): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = hashToken(token);
    const expiresAt = new Date(this.now() + this.options.sessionTtlSeconds * 1000).toISOString();
    await this.db.write('INSERT INTO sessions (token_hash, user_name, expires_at) VALUES ($1, $2, $3)', [
      tokenHash,
      user,
      expiresAt,
    ]);
    const session: Session = { user, expiresAt };
    await this.cache.set(sessionKey(tokenHash), JSON.stringify(session), this.options.sessionTtlSeconds);
    return { token, ...session };
  }

  /** Deletes sessions expired for more than an hour (keeps the table small); returns how many. */
  async purgeExpiredSessions(): Promise<number> {
    const rows = await this.db.write<{ n: number }>(
      "WITH gone AS (DELETE FROM sessions WHERE expires_at < now() - interval '1 hour' RETURNING 1) SELECT count(*)::int AS n FROM gone",
    );
    return rows[0]?.n ?? 0;
  }

  /** The session for a token, or undefined when unknown/expired. Cache first, then the database. */
  async validateSession(token: string): Promise<Session | undefined> {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const now = this.now();
    const memo = this.memo.get(token);
    if (memo && memo.until > now) return memo.session;
    if (memo) this.memo.delete(token);
    const session = await this.lookupSession(token);
    if (session) this.remember(token, session, now);
    return session;
  }

  private remember(token: string, session: Session, now: number): void {
    const memoMs = this.options.sessionMemoMs ?? 5000;
    if (memoMs <= 0) return;
    const until = Math.min(now + memoMs, Date.parse(session.expiresAt));
    if (this.memo.size >= (this.options.sessionMemoMaxEntries ?? 10000)) {
      this.memo.delete(this.memo.keys().next().value as string); // oldest first (Map keeps insertion order)
    }
    this.memo.set(token, { session, until });
  }

  private async lookupSession(token: string): Promise<Session | undefined> {
    const tokenHash = hashToken(token);
    const cached = parseJson<Session>(await this.cache.get(sessionKey(tokenHash)));
    if (cached) return Date.parse(cached.expiresAt) > this.now() ? cached : undefined;
    const rows = await this.db.read<{ user_name: string; expires_at: Date | string }>(
      'SELECT user_name, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > now()',
      [tokenHash],
    );
    if (rows.length === 0) return undefined;
    const expiresAtMs = new Date(rows[0].expires_at).getTime();
    const session: Session = { user: rows[0].user_name, expiresAt: new Date(expiresAtMs).toISOString() };
    const ttl = Math.floor((expiresAtMs - this.now()) / 1000);
    if (ttl > 0) await this.cache.set(sessionKey(tokenHash), JSON.stringify(session), ttl);
    return session;
  }
}
