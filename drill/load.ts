/**
 * Bounded open-loop load generator against the balancer (loopback only): requests are sent at a fixed rate whatever
 * the answers (so a slow or failing fleet cannot hide latency by slowing the client down), capped by a request
 * count and a duration. Mix: ~80 % GET /api/items/:id of known ids, ~20 % POST /api/items. Every acknowledged write
 * (201) is recorded with its id for the post-scenario durability check.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestSample } from './stats';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly error?: string;
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

  send(
    method: 'GET' | 'POST',
    path: string,
    opts: { token?: string; body?: unknown; timeoutMs: number },
  ): Promise<HttpResult> {
    return new Promise((resolve) => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers: Record<string, string> = {};
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
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
            finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
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
  readonly maxRequests: number;
  readonly maxDurationMs: number;
  /** What a user waits before giving up. @default 5000 */
  readonly timeoutMs?: number;
}

export class LoadGenerator {
  readonly samples: RequestSample[] = [];
  readonly ackedWrites: string[] = [];
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
    const write = Math.random() < (this.o.writeRatio ?? 0.2);
    const start = performance.now();
    const timeoutMs = this.o.timeoutMs ?? 5_000;
    const res = write
      ? await this.o.client.send('POST', '/api/items', {
          token,
          body: { name: `drill-${this.issued}`, value: 'x'.repeat(64) },
          timeoutMs,
        })
      : await this.o.client.send(
          'GET',
          `/api/items/${this.o.itemIds[Math.floor(Math.random() * this.o.itemIds.length)]}`,
          { token, timeoutMs },
        );
    const latencyMs = performance.now() - start;
    this.samples.push({
      kind: write ? 'write' : 'read',
      start,
      latencyMs,
      status: res.status,
      ...(res.error ? { error: res.error } : {}),
    });
    if (write && res.status === 201) {
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

/** Sessions (users signed in) and items created before the faults; their ids are what the reads ask for. */
export async function seed(
  client: HttpClient,
  users: number,
  items: number,
): Promise<{ tokens: string[]; itemIds: string[] }> {
  const tokens: string[] = [];
  for (let i = 0; i < users; i++) {
    const r = await client.send('POST', '/api/sessions', {
      body: { user: `drill-user-${i}` },
      timeoutMs: 10_000,
    });
    if (r.status !== 201)
      throw new Error(`drill: POST /api/sessions answered ${r.status} ${r.error ?? r.body}`);
    tokens.push((JSON.parse(r.body) as { token: string }).token);
  }
  const itemIds: string[] = [];
  for (let i = 0; i < items; i++) {
    const r = await client.send('POST', '/api/items', {
      token: tokens[i % tokens.length],
      body: { name: `seed-${i}`, value: 'seed' },
      timeoutMs: 10_000,
    });
    if (r.status !== 201)
      throw new Error(`drill: seeding POST /api/items answered ${r.status} ${r.error ?? r.body}`);
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
