/**
 * The HTTP layer: routes, validation, error mapping, metrics. `buildServer(deps)` takes every dependency, so
 * tests inject fakes (unit) or real pools (integration); main.ts wires the real ones from the environment.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { FastifyError, LogController, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Cache } from './cache';
import { Database } from './db';
import { OutcomeUnknownError, pgCode, ServiceUnavailableError } from './errors';
import { Logger } from './logger';
import { Metrics } from './metrics';
import { evaluateReadiness, ReadinessRole } from './readiness';
import { AppStore, ReadSource, Session } from './store';

/** Shutdown state shared with main.ts: once draining, /readyz fails and responses ask clients to reconnect. */
export class Lifecycle {
  draining = false;
  beginDrain(): void {
    this.draining = true;
  }
}

export interface ServerDeps {
  readonly store: Pick<
    AppStore,
    'createItem' | 'getItem' | 'listItems' | 'createSession' | 'validateSession'
  >;
  readonly db: Pick<Database, 'health'>;
  readonly cache: Pick<Cache, 'state'>;
  readonly metrics: Metrics;
  readonly lifecycle: Lifecycle;
  /** Milliseconds /readyz tolerates an unreachable database. */
  readonly readinessGraceMs: number;
  /** @default no logging */
  readonly logger?: Logger;
  readonly identity?: { readonly az?: string; readonly instanceId?: string };
  /** Maximum request body. @default 16384 */
  readonly bodyLimitBytes?: number;
  /** /healthz fails when the event loop lagged more than this at the last check. @default 2000 */
  readonly eventLoopStallMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

const ITEM_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    value: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;

const ERROR_SCHEMA = { type: 'object', properties: { error: { type: 'string' } } } as const;

/** The methods a 405 can answer for (Fastify serves HEAD for every GET route itself). */
const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A 4xx the error handler passes through with this message. */
function badRequest(message: string): FastifyError {
  return Object.assign(new Error(message), { statusCode: 400, code: 'HA_BAD_REQUEST' });
}

/**
 * The `charset` a Content-Type declares, lower-cased (RFC 9110 §8.3.2: case-insensitive, optionally quoted), or
 * undefined when it declares none.
 */
function declaredCharset(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
}

/** Why the secure JSON parser refused a body: where the syntax breaks, or the prototype-poisoning key it holds. */
function whyNotJson(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return `invalid JSON body: ${(error as Error).message}`;
  }
  return 'invalid request: the body has a "__proto__" or "constructor.prototype" key, which is refused (prototype poisoning)';
}

/** An item id: the canonical 8-4-4-4-12 hex form only (ajv's "uuid" format also takes `urn:uuid:...`). */
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored exactly as sent, or undefined: PostgreSQL text cannot hold U+0000, and a lone
 * surrogate has no UTF-8 form (it would be stored as U+FFFD). Refused, never altered.
 */
function unstorable(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it contains a lone surrogate)';
  return undefined;
}

/** preValidation hook: 400 naming the first body field (of `fields`) that cannot be stored byte for byte. */
function refuseUnstorableText(...fields: string[]) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: FastifyError) => void): void => {
    const body = request.body as Record<string, unknown> | undefined;
    for (const field of fields) {
      const value = body?.[field];
      const problem = typeof value === 'string' ? unstorable(value) : undefined;
      if (problem) return done(badRequest(`invalid request: body/${field} ${problem}`));
    }
    done();
  };
}

/**
 * Says where a read came from. `X-Cache: hit | miss | stale` for people and tools; a stale answer also carries the
 * HTTP way of saying so (RFC 9111): `Age` (how long ago the copy was taken, which also says the origin did not
 * produce it for this request) beside `Cache-Control: max-age` (how long it counted as fresh), so any cache or
 * client sees Age >= max-age: stale. `Warning: 110` is not used: RFC 9111 obsoleted the Warning header.
 */
function markSource(
  reply: FastifyReply,
  read: { readonly source: ReadSource; readonly ageSeconds?: number; readonly freshSeconds?: number },
): void {
  if (read.source !== 'stale') {
    reply.header('x-cache', read.source === 'cache' ? 'hit' : 'miss');
    return;
  }
  reply
    .header('x-cache', 'stale')
    .header('age', String(read.ageSeconds ?? 0))
    .header('cache-control', `max-age=${read.freshSeconds ?? 0}`);
}

/** Idempotency-Key header values accepted on POST /api/items. */
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The ALB always sets X-Forwarded-For; what reaches the service without it is local or in-VPC: the ALB's own
 * target health checks, the CloudWatch agent scraping /metrics, an operator on the host. Requests from the internet
 * (and Route 53's checks, which also come through the ALB) get status codes and minimal bodies only: no instance
 * id, AZ, dependency state or pool statistics.
 */
function viaLoadBalancer(request: FastifyRequest): boolean {
  return request.headers['x-forwarded-for'] !== undefined;
}

/** Measures event-loop lag with a timer; a stalled loop makes /healthz answer 503 once it runs again. */
class EventLoopWatch {
  lagMs = 0;
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly intervalMs = 500) {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lagMs = Math.max(0, now - this.last - this.intervalMs);
      this.last = now;
    }, intervalMs).unref();
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const idPrefix = randomUUID().slice(0, 8);
  let requestCounter = 0;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Per-request logs are too costly at fleet rates; failures are logged in onResponse, the rest is in metrics.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes ?? 16384,
    // Longer than the ALB idle timeout (60 s), so the ALB never reuses a connection the service just closed.
    keepAliveTimeout: 65000,
    requestTimeout: 30000,
    trustProxy: true,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // The ALB's trace id when present (correlates with ALB access logs), else a cheap per-process counter.
    genReqId: (req) => {
      const trace = req.headers['x-amzn-trace-id'];
      return typeof trace === 'string' && trace.length <= 200 ? trace : `${idPrefix}-${++requestCounter}`;
    },
    // No per-request child logger (an allocation per request on the hot path); the few request logs carry reqId.
    childLoggerFactory: (logger) => logger,
    // Strict types: no coercion ("123" for 123, ["x"] for "x", null for ""), and unknown fields are refused rather
    // than silently dropped (Fastify's defaults coerce and remove). The one numeric query parameter is parsed below.
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  }) as unknown as FastifyInstance;

  // JSON is the only body type: text/plain (a Fastify default) answers 415 like any other. The body is decoded as
  // strict UTF-8 first, because the default decoder turns invalid bytes into U+FFFD without a word.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // JSON between systems is UTF-8 (RFC 8259 §8.1): a body labelled latin1 or UTF-16 would be read as other text
    // than its sender meant, so it is refused (415) rather than reinterpreted.
    const charset = declaredCharset(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(
        Object.assign(
          new Error(`unsupported charset "${charset}": send the JSON body as UTF-8 (charset=utf-8 or none)`),
          { statusCode: 415, code: 'HA_UNSUPPORTED_CHARSET' },
        ),
        undefined,
      );
      return;
    }
    let text: string;
    try {
      text = STRICT_UTF8.decode(body as Buffer);
    } catch {
      done(badRequest('invalid request: the body is not valid UTF-8'), undefined);
      return;
    }
    void parseJson(request, text, (error, value) => {
      // Fastify's parser says "not valid JSON" for a syntax error and for a prototype-poisoning key alike.
      if ((error as FastifyError | null)?.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
        done(badRequest(whyNotJson(text)), undefined);
      else done(error, value);
    });
  });

  // 405 + Allow for a known path with a method it does not serve (registered last, from the routes' own list).
  const methodsByUrl = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) methods.add(m);
    methodsByUrl.set(route.url, methods);
  });

  const loop = new EventLoopWatch();
  app.addHook('onClose', async () => loop.stop());

  // Callback-style hooks: they run on every request, and async ones cost a promise each.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (deps.lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });

  // One bound child per (method, route, status): label hashing once, not twice per request.
  const series = new Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let s = series.get(key);
    if (!s) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      s = {
        count: deps.metrics.httpRequests.labels(labels),
        latency: deps.metrics.httpDuration.labels(labels),
      };
      series.set(key, s);
    }
    s.count.inc();
    s.latency.observe(reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) {
      request.log.warn(
        { reqId: request.id, route, status: reply.statusCode, ms: reply.elapsedTime },
        'request failed',
      );
    }
    done();
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      return reply.code(400).send({ error: `invalid request: ${error.message}` });
    }
    if (error instanceof OutcomeUnknownError) {
      // No Retry-After: a blind retry could write twice; only the same Idempotency-Key makes a retry safe.
      return reply.code(504).send({
        error:
          'the write may or may not have been applied (the database did not answer in time); ' +
          'retry with the same Idempotency-Key to get its outcome without writing twice',
        reason: error.reason,
      });
    }
    if (error instanceof ServiceUnavailableError) {
      return reply
        .code(503)
        .header('retry-after', String(error.retryAfterSeconds))
        .send({ error: error.message, reason: error.reason });
    }
    const code = pgCode(error);
    if (code?.startsWith('22')) {
      // A data exception is PostgreSQL refusing a value it was given: input the validation above let through.
      return reply
        .code(400)
        .send({ error: `invalid request: the database refused a value (SQLSTATE ${code})` });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Malformed JSON (400), body too large (413), unsupported media type (415), ...
      const prefix =
        error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'invalid JSON body: '
          : '';
      return reply.code(status).send({ error: `${prefix}${error.message}` });
    }
    request.log.error({ reqId: request.id, err: error }, 'unhandled error');
    return reply.code(500).send({ error: 'internal error' });
  });

  const notFound = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  app.setNotFoundHandler(notFound);

  app.get('/healthz', async (request, reply) => {
    const stalled = loop.lagMs > (deps.eventLoopStallMs ?? 2000);
    const status = stalled ? 'event_loop_stalled' : 'ok';
    reply.code(stalled ? 503 : 200);
    if (viaLoadBalancer(request)) return reply.send({ status });
    return reply.send({
      status,
      eventLoopLagMs: Math.round(loop.lagMs),
      uptimeSeconds: Math.round((now() - startedAt) / 1000),
      ...deps.identity,
    });
  });

  app.get<{ Querystring: { role?: 'writer' } }>(
    '/readyz',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { role: { type: 'string', enum: ['writer'] } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const role: ReadinessRole = request.query.role === 'writer' ? 'writer' : 'any';
      const db = deps.db.health();
      const t = now();
      const readiness = evaluateReadiness({
        now: t,
        role,
        db,
        graceMs: deps.readinessGraceMs,
        draining: deps.lifecycle.draining,
      });
      const status = readiness.ready ? 'ready' : 'not_ready';
      reply.code(readiness.ready ? 200 : 503);
      if (viaLoadBalancer(request)) return reply.send({ status });
      return reply.send({
        status,
        reason: readiness.reason,
        role,
        draining: deps.lifecycle.draining,
        database: {
          reachable: db.reachable,
          writable: db.writable,
          inRecovery: db.inRecovery ?? null,
          unreachableForSeconds:
            db.unreachableSince === undefined ? 0 : Math.round((t - db.unreachableSince) / 100) / 10,
        },
        cache: { state: deps.cache.state() },
        ...deps.identity,
      });
    },
  );

  app.get('/metrics', async (request, reply) => {
    if (viaLoadBalancer(request)) return notFound(request, reply);
    const body = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(body);
  });

  app.post<{ Body: { user: string } }>(
    '/api/sessions',
    {
      preValidation: refuseUnstorableText('user'),
      schema: {
        body: {
          type: 'object',
          required: ['user'],
          additionalProperties: false,
          properties: {
            user: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]+$' },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              token: { type: 'string' },
              user: { type: 'string' },
              expiresAt: { type: 'string' },
            },
          },
        },
      },
    },
    async (request, reply) => reply.code(201).send(await deps.store.createSession(request.body.user)),
  );

  // Item routes need a valid session (Authorization: Bearer <token>).
  app.register(async (items) => {
    items.addHook('preHandler', async (request, reply) => {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
      const session = match ? await deps.store.validateSession(match[1]) : undefined;
      if (!session) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'missing or invalid bearer token (POST /api/sessions to get one)' });
      }
      request.session = session;
      return undefined;
    });

    // Optional `Idempotency-Key` (1-128 of [A-Za-z0-9_-], e.g. a UUID, one per logical write, reused on its
    // retries): 201 for the first request; a retry with the same key answers 200 + `Idempotent-Replayed: true`
    // with the original item (nothing written); the same key with a different name/value answers 422 and the
    // original stays. Without the header every POST creates an item.
    items.post<{ Body: { name: string; value?: string } }>(
      '/api/items',
      {
        preValidation: refuseUnstorableText('name', 'value'),
        schema: {
          body: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 200 },
              value: { type: 'string', maxLength: 2000 },
            },
          },
          response: { 200: ITEM_SCHEMA, 201: ITEM_SCHEMA, 422: ERROR_SCHEMA },
        },
      },
      async (request, reply) => {
        const key = request.headers['idempotency-key'];
        if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key))) {
          return reply.code(400).send({
            error:
              'invalid request: header Idempotency-Key must be 1-128 characters of A-Z, a-z, 0-9, _ or -',
          });
        }
        const { item, outcome } = await deps.store.createItem(
          key === undefined ? request.body : { ...request.body, idempotencyKey: key },
        );
        if (outcome === 'created') return reply.code(201).send(item);
        if (outcome === 'replayed') return reply.code(200).header('idempotent-replayed', 'true').send(item);
        return reply.code(422).send({
          error: `Idempotency-Key ${key} was already used for an item with a different name or value; use a new key for a new item`,
        });
      },
    );

    items.get<{ Params: { id: string } }>(
      '/api/items/:id',
      {
        schema: {
          params: { type: 'object', properties: { id: { type: 'string', pattern: UUID_PATTERN } } },
          response: { 200: ITEM_SCHEMA, 404: ERROR_SCHEMA },
        },
      },
      async (request, reply) => {
        const read = await deps.store.getItem(request.params.id.toLowerCase());
        markSource(reply, read);
        if (!read.item) return reply.code(404).send({ error: `item ${request.params.id} not found` });
        return reply.send(read.item);
      },
    );

    items.get<{ Querystring: { limit: number } }>(
      '/api/items',
      {
        // Query values are strings and types are strict: a plain decimal becomes a number, anything else ("1e1",
        // " 5", a repeated parameter) stays as sent and fails the integer check.
        preValidation: (request, _reply, done) => {
          const query = request.query as Record<string, unknown>;
          if (typeof query.limit === 'string' && /^[0-9]{1,4}$/.test(query.limit))
            query.limit = Number(query.limit);
          done();
        },
        schema: {
          querystring: {
            type: 'object',
            properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            additionalProperties: false,
          },
          response: { 200: { type: 'object', properties: { items: { type: 'array', items: ITEM_SCHEMA } } } },
        },
      },
      async (request, reply) => {
        const read = await deps.store.listItems(request.query.limit);
        markSource(reply, read);
        return reply.send({ items: read.value });
      },
    );
  });

  app.register(async (rest) => {
    for (const [url, served] of [...methodsByUrl]) {
      const allow = [...served].sort().join(', ');
      rest.route({
        method: HTTP_METHODS.filter((m) => !served.has(m)),
        url,
        handler: (request, reply) =>
          reply
            .code(405)
            .header('allow', allow)
            .send({ error: `method ${request.method} not allowed on ${url}; allowed: ${allow}` }),
      });
    }
  });

  return app;
}
