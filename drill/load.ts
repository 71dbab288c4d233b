/**
 * Bounded open-loop load generator against the balancer (loopback only): requests are sent at a fixed rate whatever
 * the answers (so a slow or failing fleet cannot hide latency by slowing the client down), capped by a request
 * count and a duration. Mix: ~80 % GET /api/items/:id of known ids, ~20 % POST /api/items.
 *
 * The users are well-behaved clients, as production SDKs are (the ALB itself never retries): on a network error or
 * a 502/503/504 a request is retried up to 3 times with exponential backoff and jitter (100-300, 200-600, then
 * 400-1200 ms), each attempt is abandoned after 1 s (an SDK's attempt timeout: a frozen target costs one attempt,
 * not the whole request), and no retry starts later than 4 s after the first send; the user's 5 s patience bounds
 * the whole request, retries included. GETs are always retried;
 * every POST carries an Idempotency-Key (one per logical write, the same on its retries), which is what makes
 * retrying it safe. Each logical request is one sample with its first attempt's outcome and its user-visible one.
 * Every acknowledged write (201, or 200 + Idempotent-Replayed) is recorded with its id for the durability check,
 * and every key sent for the duplicate check.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestSample } from './stats';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly error?: string;
  /** The service replayed an earlier write with the same Idempotency-Key (`Idempotent-Replayed: true`). */
  readonly replayed?: boolean;
  /** The service answered with a cached copy past its TTL (`X-Cache: stale`). */
  readonly stale?: boolean;
}

/** How the simulated users retry. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /**
   * Retry n (1, 2, ...) waits a uniformly random backoff within [backoffMinMs, backoffMaxMs] x multiplier^(n-1):
   * exponential backoff with jitter, so retries spread out instead of arriving in lockstep.
   */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly multiplier: number;
  /** No retry starts later than this after the first send. */
  readonly budgetMs: number;
  /**
   * Each attempt is abandoned after this long (the AWS SDKs' attempt timeout), then retried: a frozen target, which
   * accepts the connection and never answers, costs one attempt instead of the whole request.
   */
  readonly attemptTimeoutMs: number;
}

/** The well-behaved client of the drill (see the file header). */
// 3 retries within 4 s, each attempt cut at 1 s: jittered exponential backoff (100-300, 200-600,
// 400-1200 ms), the shape of the AWS SDKs' standard mode. Measured: with 2 retries inside 1.5 s an AZ
// loss left 0.2-0.3 % of users with an error, because retries land on the dead targets until the
// balancer takes them out; with a 2.5 s budget a frozen instance left 0.7 % (two attempts of a
// request can hang on it before its checks take it out, 1.5-2.5 s).
export const CLIENT_RETRY: RetryPolicy = {
  maxRetries: 3,
  backoffMinMs: 100,
  backoffMaxMs: 300,
  multiplier: 2,
  budgetMs: 4_000,
  attemptTimeoutMs: 1_000,
};

/** Retry a network error (no answer, reset, timeout) or a 502/503/504; anything else is the answer. */
export function isRetriable(r: Pick<HttpResult, 'status'>): boolean {
  return r.status === 0 || r.status === 502 || r.status === 503 || r.status === 504;
}

/**
 * The backoff before the next retry, or undefined when the client gives up: no retries left, or the retry would
 * start after the budget. `random` is in [0, 1).
 */
export function nextRetryDelayMs(
  policy: RetryPolicy,
  retriesSoFar: number,
  elapsedMs: number,
  random: () => number = Math.random,
): number | undefined {
  if (retriesSoFar >= policy.maxRetries) return undefined;
  const scale = policy.multiplier ** retriesSoFar;
  const delay = scale * (policy.backoffMinMs + random() * (policy.backoffMaxMs - policy.backoffMinMs));
  return elapsedMs + delay > policy.budgetMs ? undefined : delay;
}

export interface RetriedResult {
  /** The user-visible outcome. */
  readonly final: HttpResult;
  readonly first: HttpResult & { readonly latencyMs: number };
  readonly attempts: number;
  /** From the first send to the final outcome, backoff included. */
  readonly latencyMs: number;
}

/**
 * Sends once and retries per the policy while the outcome is retriable. A POST is retried only when it carries an
 * Idempotency-Key (retrying a write without one could create it twice).
 */
export async function sendWithRetry(
  client: Pick<HttpClient, 'send'>,
  method: 'GET' | 'POST',
  path: string,
  opts: SendOptions,
  policy: RetryPolicy,
  deps: { now?: () => number; sleep?: (ms: number) => Promise<void>; random?: () => number } = {},
): Promise<RetriedResult> {
  const now = deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const mayRetry = method === 'GET' || opts.idempotencyKey !== undefined;
  const t0 = now();
  // The user's patience (opts.timeoutMs) covers the whole request, retries included; each attempt gets at most
  // the attempt timeout of what is left.
  const attempt = (): Promise<HttpResult> =>
    client.send(method, path, {
      ...opts,
      timeoutMs: Math.min(policy.attemptTimeoutMs, opts.timeoutMs - (now() - t0)),
    });
  let result = await attempt();
  const first = { ...result, latencyMs: now() - t0 };
  let attempts = 1;
  while (mayRetry && isRetriable(result)) {
    const delay = nextRetryDelayMs(policy, attempts - 1, now() - t0, deps.random);
    if (delay === undefined) break;
    await sleep(delay);
    if (opts.timeoutMs - (now() - t0) <= 0) break;
    result = await attempt();
    attempts += 1;
  }
  return { final: result, first, attempts, latencyMs: now() - t0 };
}

export interface SendOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** Sent as the Idempotency-Key header (POST /api/items). */
  readonly idempotencyKey?: string;
  readonly timeoutMs: number;
}

export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const u = new URL(baseUrl);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && !u.hostname.startsWith('127.')) {
      throw new Error(`drill: the load generator only targets loopback, not ${u.hostname}`);
    }
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  send(method: 'GET' | 'POST', path: string, opts: SendOptions): Promise<HttpResult> {
    return new Promise((resolve) => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers: Record<string, string> = {};
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.idempotencyKey !== undefined) headers['idempotency-key'] = opts.idempotencyKey;
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      let done = false;
      const finish = (r: HttpResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            finish({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              ...(res.headers['idempotent-replayed'] === 'true' ? { replayed: true } : {}),
              ...(res.headers['x-cache'] === 'stale' ? { stale: true } : {}),
            }),
          );
          res.on('error', (e: NodeJS.ErrnoException) =>
            finish({ status: 0, body: '', error: e.code ?? 'response-error' }),
          );
        },
      );
      const timer = setTimeout(() => {
        finish({ status: 0, body: '', error: 'timeout' });
        req.destroy();
      }, opts.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) =>
        finish({ status: 0, body: '', error: e.code ?? 'request-error' }),
      );
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadOptions {
  readonly client: HttpClient;
  readonly tokens: readonly string[];
  readonly itemIds: readonly string[];
  readonly ratePerSec: number;
  /** Share of writes, 0..1. @default 0.2 */
  readonly writeRatio?: number;
  /** Share of list reads (GET /api/items?limit=20), 0..1. @default 0.1 */
  readonly listRatio?: number;
  readonly maxRequests: number;
  readonly maxDurationMs: number;
  /** What a user waits before giving up (retries included). @default 5000 */
  readonly timeoutMs?: number;
  /** @default CLIENT_RETRY */
  readonly retry?: RetryPolicy;
  /** Send an Idempotency-Key with every POST (without one, POSTs are never retried). @default true */
  readonly idempotencyKeys?: boolean;
}

/** A write's name carries its key, so duplicates show up by name even if a server ignored the key. */
export const writeName = (key: string): string => `drill-${key}`;

export class LoadGenerator {
  readonly samples: RequestSample[] = [];
  /** Ids of acknowledged writes (one per logical write; an unreadable body is flagged `unparseable:`). */
  readonly ackedWrites: string[] = [];
  /** Every Idempotency-Key sent (one per logical write, acknowledged or not). */
  readonly writeKeys: string[] = [];
  /** Acknowledgements that were replays of an earlier attempt's write (the client's retry found it done). */
  replayedWrites = 0;
  private issued = 0;
  private inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private stopped = false;

  constructor(private readonly o: LoadOptions) {
    if (o.ratePerSec <= 0 || o.ratePerSec > 2_000)
      throw new RangeError(`drill: ratePerSec must be within 1..2000, got ${o.ratePerSec}`);
    if (o.tokens.length === 0 || o.itemIds.length === 0)
      throw new Error('drill: the load needs sessions and known item ids');
  }

  start(): void {
    this.t0 = performance.now();
    this.timer = setInterval(() => this.tick(), 2);
  }

  private tick(): void {
    const elapsed = performance.now() - this.t0;
    if (this.stopped || elapsed >= this.o.maxDurationMs || this.issued >= this.o.maxRequests) {
      this.halt();
      return;
    }
    const due = Math.min(Math.floor((elapsed * this.o.ratePerSec) / 1000) + 1, this.o.maxRequests);
    while (this.issued < due) {
      this.issued += 1;
      const p = this.one().finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async one(): Promise<void> {
    const token = this.o.tokens[Math.floor(Math.random() * this.o.tokens.length)];
    const dice = Math.random();
    const write = dice < (this.o.writeRatio ?? 0.2);
    const list = !write && dice < (this.o.writeRatio ?? 0.2) + (this.o.listRatio ?? 0.1);
    const start = performance.now();
    const timeoutMs = this.o.timeoutMs ?? 5_000;
    const policy = this.o.retry ?? CLIENT_RETRY;
    let r: RetriedResult;
    if (write) {
      const key = randomUUID();
      this.writeKeys.push(key);
      r = await sendWithRetry(
        this.o.client,
        'POST',
        '/api/items',
        {
          token,
          body: { name: writeName(key), value: 'x'.repeat(64) },
          timeoutMs,
          ...(this.o.idempotencyKeys === false ? {} : { idempotencyKey: key }),
        },
        policy,
      );
    } else if (list) {
      r = await sendWithRetry(this.o.client, 'GET', '/api/items?limit=20', { token, timeoutMs }, policy);
    } else {
      const id = this.o.itemIds[Math.floor(Math.random() * this.o.itemIds.length)];
      r = await sendWithRetry(this.o.client, 'GET', `/api/items/${id}`, { token, timeoutMs }, policy);
    }
    const res = r.final;
    this.samples.push({
      kind: write ? 'write' : list ? 'list' : 'read',
      start,
      latencyMs: r.latencyMs,
      status: res.status,
      ...(res.error ? { error: res.error } : {}),
      ...(res.stale ? { stale: true } : {}),
      attempts: r.attempts,
      ...(r.attempts > 1
        ? {
            firstAttempt: {
              status: r.first.status,
              latencyMs: r.first.latencyMs,
              ...(r.first.error ? { error: r.first.error } : {}),
            },
          }
        : {}),
    });
    if (write && (res.status === 201 || (res.status === 200 && res.replayed))) {
      if (res.status === 200) this.replayedWrites += 1;
      try {
        const id = (JSON.parse(res.body) as { id?: unknown }).id;
        if (typeof id === 'string') this.ackedWrites.push(id);
        else throw new Error('no id');
      } catch {
        // An acknowledged write whose id we cannot read is still a promise made to a user: flag it.
        this.ackedWrites.push(`unparseable:${res.body.slice(0, 80)}`);
      }
    }
  }

  /** Stops sending and waits for the requests in flight (each bounded by the client timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halt();
    await Promise.all([...this.inFlight]);
  }

  /** Resolves when the duration or count cap ends the run by itself. */
  async finished(): Promise<void> {
    while (this.timer) await new Promise((r) => setTimeout(r, 50));
    await Promise.all([...this.inFlight]);
  }
}

/**
 * Setup writes are retried (network error, 502/503/504) with capped exponential backoff until `deadlineMs` after
 * the first send: the topology may still be settling (a 503 "database write timed out" on a busy machine), and
 * setup is not what the drill measures. Items carry an Idempotency-Key, so a retry never seeds an item twice.
 */
export async function sendSetup(
  client: Pick<HttpClient, 'send'>,
  what: string,
  path: string,
  opts: SendOptions,
  accept: (r: HttpResult) => boolean,
  o: { deadlineMs?: number; sleep?: (ms: number) => Promise<void>; now?: () => number } = {},
): Promise<HttpResult> {
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + (o.deadlineMs ?? 60_000);
  let backoff = 200;
  for (let attempt = 1; ; attempt++) {
    const r = await client.send('POST', path, opts);
    if (accept(r)) return r;
    const wait = backoff / 2 + Math.random() * (backoff / 2);
    if (!isRetriable(r) || now() + wait > deadline) {
      throw new Error(
        `drill: ${what} POST ${path} answered ${r.status} ${r.error ?? r.body} (attempt ${attempt}${isRetriable(r) ? ', retry deadline reached' : ', not retriable'})`,
      );
    }
    await sleep(wait);
    backoff = Math.min(backoff * 2, 3_000);
  }
}

/** Sessions (users signed in) and items created before the faults; their ids are what the reads ask for. */
export async function seed(
  client: HttpClient,
  users: number,
  items: number,
): Promise<{ tokens: string[]; itemIds: string[] }> {
  const tokens: string[] = [];
  for (let i = 0; i < users; i++) {
    // No key on sessions: a retry after a lost answer only leaves an unused session behind.
    const r = await sendSetup(
      client,
      'seeding',
      '/api/sessions',
      { body: { user: `drill-user-${i}` }, timeoutMs: 10_000 },
      (x) => x.status === 201,
    );
    tokens.push((JSON.parse(r.body) as { token: string }).token);
  }
  const itemIds: string[] = [];
  for (let i = 0; i < items; i++) {
    const r = await sendSetup(
      client,
      'seeding',
      '/api/items',
      {
        token: tokens[i % tokens.length],
        body: { name: `seed-${i}`, value: 'seed' },
        idempotencyKey: `seed-${randomUUID()}`,
        timeoutMs: 10_000,
      },
      (x) => x.status === 201 || (x.status === 200 && x.replayed === true),
    );
    itemIds.push((JSON.parse(r.body) as { id: string }).id);
  }
  return { tokens, itemIds };
}

/** Reads every known item once so the cache holds them (cache-aside fills on first read). */
export async function warmCache(
  client: HttpClient,
  token: string,
  itemIds: readonly string[],
): Promise<number> {
  let ok = 0;
  for (let i = 0; i < itemIds.length; i += 20) {
    const batch = itemIds.slice(i, i + 20);
    const res = await Promise.all(
      batch.map((id) => client.send('GET', `/api/items/${id}`, { token, timeoutMs: 5_000 })),
    );
    ok += res.filter((r) => r.status === 200).length;
  }
  return ok;
}
