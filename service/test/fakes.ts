/** In-memory fakes of the service's dependencies for unit tests. */
import { Breaker } from '../src/breaker';
import { Cache, CacheState, CacheStats } from '../src/cache';
import { Database, PoolStats } from '../src/db';
import { DbHealth, DbHealthTracker } from '../src/health';
import { LatencyBreakerState } from '../src/latency-breaker';

export class FakeCache implements Cache {
  readonly data = new Map<string, string>();
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  down = false;
  readonly breaker?: Breaker;
  async get(key: string): Promise<string | undefined> {
    if (this.down) {
      this.stats.errors++;
      return undefined;
    }
    const v = this.data.get(key);
    if (v === undefined) this.stats.misses++;
    else this.stats.hits++;
    return v;
  }
  /** The TTL each key was last set with (seconds). */
  readonly ttls = new Map<string, number>();
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (this.down) return;
    this.data.set(key, value);
    this.ttls.set(key, ttlSeconds);
  }
  async del(key: string): Promise<void> {
    this.data.delete(key);
  }
  state(): CacheState {
    return this.down ? 'down' : 'up';
  }
  async close(): Promise<void> {}
}

type Handler = (sql: string, params: readonly unknown[]) => Promise<object[]>;

/** Records statements; answers with `onRead`/`onWrite` (default: no rows). */
export class FakeDatabase implements Database {
  readonly reads: string[] = [];
  readonly writes: string[] = [];
  readonly breakers: readonly Breaker[] = [];
  readonly tracker = new DbHealthTracker(0);
  /** The read latency breaker's state as the test sets it. */
  readLatencyState: LatencyBreakerState = 'closed';
  readonly readLatency = { state: (): LatencyBreakerState => this.readLatencyState };
  onRead: Handler = async () => [];
  onWrite: Handler = async () => [];

  async read<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.reads.push(sql);
    return (await this.onRead(sql, params)) as R[];
  }
  async write<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.writes.push(sql);
    return (await this.onWrite(sql, params)) as R[];
  }
  health(): DbHealth {
    return this.tracker.snapshot();
  }
  poolStats(): PoolStats[] {
    return [{ pool: 'writer', total: 2, idle: 1, waiting: 0 }];
  }
}
