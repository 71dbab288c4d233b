/** Prometheus metrics on a registry of our own (several servers can live in one process, e.g. in tests). */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Breaker, BREAKER_STATE_VALUE, BreakerStateName } from './breaker';
import { Cache } from './cache';
import { Database } from './db';
import { AppStore } from './store';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export interface MetricSources {
  readonly db?: Pick<Database, 'poolStats' | 'health' | 'breakers' | 'readLatency'>;
  readonly cache?: Pick<Cache, 'stats' | 'breaker' | 'state'>;
  readonly store?: Pick<AppStore, 'stats'>;
  /** @default true */
  readonly processMetrics?: boolean;
}

interface BreakerLabels {
  readonly dependency: 'database' | 'cache';
  readonly path: 'read' | 'write' | 'read_write';
  readonly trips_on: 'errors' | 'latency';
}

const BREAKER_LABELS: Record<Breaker['name'], BreakerLabels> = {
  'db-writer': { dependency: 'database', path: 'write', trips_on: 'errors' },
  'db-reader': { dependency: 'database', path: 'read', trips_on: 'errors' },
  cache: { dependency: 'cache', path: 'read_write', trips_on: 'errors' },
};

export function createMetrics(sources: MetricSources = {}): Metrics {
  const registry = new Registry();
  if (sources.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const { db, cache } = sources;
  if (db) {
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by pool (writer/reader) and state (total/idle/waiting clients)',
      labelNames: ['pool', 'state'] as const,
      registers: [registry],
      collect() {
        for (const s of db.poolStats()) {
          this.set({ pool: s.pool, state: 'total' }, s.total);
          this.set({ pool: s.pool, state: 'idle' }, s.idle);
          this.set({ pool: s.pool, state: 'waiting' }, s.waiting);
        }
      },
    });
    new Gauge({
      name: 'db_reachable',
      help: '1 when the database answered the latest health probe',
      registers: [registry],
      collect() {
        this.set(db.health().reachable ? 1 : 0);
      },
    });
    new Gauge({
      name: 'db_writable',
      help: '1 when the writer endpoint answered and pg_is_in_recovery() is false',
      registers: [registry],
      collect() {
        this.set(db.health().writable ? 1 : 0);
      },
    });
  }
  // Every breaker by dependency, the path it guards and what trips it: errors (opossum, fails fast while open) or
  // latency (the read breaker, serves from the cache while open). The CloudWatch agent publishes this gauge.
  const cacheBreaker = cache?.breaker;
  const breakers: { name: string; labels: BreakerLabels; state: () => BreakerStateName }[] = [
    ...(db?.breakers ?? []).map((b) => ({
      name: b.name,
      labels: BREAKER_LABELS[b.name],
      state: () => b.state(),
    })),
    ...(db
      ? [
          {
            name: 'db-read-latency',
            labels: { dependency: 'database', path: 'read', trips_on: 'latency' } as const,
            state: () => db.readLatency.state(),
          },
        ]
      : []),
    ...(cacheBreaker
      ? [{ name: 'cache', labels: BREAKER_LABELS.cache, state: () => cacheBreaker.state() }]
      : []),
  ];
  new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state per dependency, path (read/write) and trigger (errors/latency): 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker', 'dependency', 'path', 'trips_on'] as const,
    registers: [registry],
    collect() {
      for (const b of breakers) this.set({ breaker: b.name, ...b.labels }, BREAKER_STATE_VALUE[b.state()]);
    },
  });
  const { store } = sources;
  if (store) {
    new Counter({
      name: 'stale_reads_served_total',
      help: 'Reads answered with a cached copy past its TTL (or a list snapshot), by what was read and why: the read latency breaker was open, or the database did not answer',
      labelNames: ['read', 'reason'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [read, byReason] of Object.entries(store.stats.staleServed)) {
          for (const [reason, n] of Object.entries(byReason)) this.inc({ read, reason }, n);
        }
      },
    });
  }
  if (cache) {
    new Counter({
      name: 'cache_lookups_total',
      help: 'Cache lookups by result (hit, miss, error = cache unavailable, served from the database)',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ result: 'hit' }, cache.stats.hits);
        this.inc({ result: 'miss' }, cache.stats.misses);
        this.inc({ result: 'error' }, cache.stats.errors);
      },
    });
    new Gauge({
      name: 'cache_hit_ratio',
      help: 'Cache hits / all lookups since start (errors count as lookups)',
      registers: [registry],
      collect() {
        const { hits, misses, errors } = cache.stats;
        const total = hits + misses + errors;
        this.set(total === 0 ? 0 : hits / total);
      },
    });
    new Gauge({
      name: 'cache_up',
      help: '1 when the cache cluster is connected and its breaker is not open',
      registers: [registry],
      collect() {
        this.set(cache.state() === 'up' ? 1 : 0);
      },
    });
  }
  return { registry, httpRequests, httpDuration };
}
