import {
  CLIENT_RETRY,
  isRetriable,
  nextRetryDelayMs,
  sendSetup,
  sendWithRetry,
  type HttpResult,
  type RetryPolicy,
  type SendOptions,
} from '../../drill/load';

interface Call {
  readonly method: string;
  readonly path: string;
  readonly opts: SendOptions;
  readonly at: number;
}

/** A client answering from a script, on a fake clock that advances only through sleeps and `costMs` per call. */
function scripted(answers: HttpResult[], costMs = 2) {
  let t = 0;
  const calls: Call[] = [];
  const client = {
    send: async (method: 'GET' | 'POST', path: string, opts: SendOptions): Promise<HttpResult> => {
      calls.push({ method, path, opts, at: t });
      t += costMs;
      const next = answers.shift();
      if (!next) throw new Error('script exhausted: more attempts than the test expected');
      return next;
    },
  };
  const deps = {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    random: () => 0.5,
  };
  return { client, calls, deps };
}

const r = (status: number, extra: Partial<HttpResult> = {}): HttpResult => ({ status, body: '', ...extra });
const reset = (): HttpResult => ({ status: 0, body: '', error: 'ECONNRESET' });

describe('isRetriable / nextRetryDelayMs', () => {
  test('GIVEN network errors and 502/503/504 THEN retriable; GIVEN 2xx, 4xx and 500 THEN not', () => {
    expect([0, 502, 503, 504].map((status) => isRetriable({ status }))).toEqual([true, true, true, true]);
    expect([200, 201, 400, 401, 404, 422, 500].some((status) => isRetriable({ status }))).toBe(false);
  });

  test('GIVEN the drill policy THEN exponential jittered backoff (100-300, 200-600, 400-1200 ms) and at most 3 retries', () => {
    expect(nextRetryDelayMs(CLIENT_RETRY, 0, 0, () => 0)).toBe(100);
    expect(nextRetryDelayMs(CLIENT_RETRY, 0, 0, () => 0.999999)).toBeCloseTo(300, 3);
    expect(nextRetryDelayMs(CLIENT_RETRY, 1, 0, () => 0)).toBe(200);
    expect(nextRetryDelayMs(CLIENT_RETRY, 1, 0, () => 0.999999)).toBeCloseTo(600, 3);
    expect(nextRetryDelayMs(CLIENT_RETRY, 2, 0, () => 0)).toBe(400);
    expect(nextRetryDelayMs(CLIENT_RETRY, 2, 0, () => 0.999999)).toBeCloseTo(1200, 2);
    expect(nextRetryDelayMs(CLIENT_RETRY, 3, 0, () => 0)).toBeUndefined();
  });

  test('GIVEN a retry that would start after the budget THEN none', () => {
    const { budgetMs } = CLIENT_RETRY;
    expect(nextRetryDelayMs(CLIENT_RETRY, 0, budgetMs - 150, () => 0.5)).toBeUndefined(); // +200 > budget
    expect(nextRetryDelayMs(CLIENT_RETRY, 0, budgetMs - 200, () => 0.5)).toBe(200); // starts at exactly the budget
  });
});

describe('sendWithRetry (the well-behaved client)', () => {
  test('GIVEN a GET answered 503 then 200 THEN one retry after the backoff, first attempt and final outcome both kept', async () => {
    const { client, calls, deps } = scripted([r(503), r(200)]);
    const res = await sendWithRetry(client, 'GET', '/api/items/x', { timeoutMs: 5_000 }, CLIENT_RETRY, deps);
    expect(res.attempts).toBe(2);
    expect(res.first).toMatchObject({ status: 503, latencyMs: 2 });
    expect(res.final.status).toBe(200);
    expect(calls.map((c) => c.at)).toEqual([0, 2 + 200]);
    expect(res.latencyMs).toBe(2 + 200 + 2);
  });

  test('GIVEN every attempt failing THEN exactly 4 attempts and the last failure is what the user sees', async () => {
    const { client, calls, deps } = scripted([reset(), r(502), r(503), r(504)]);
    const res = await sendWithRetry(client, 'GET', '/p', { timeoutMs: 5_000 }, CLIENT_RETRY, deps);
    expect(calls).toHaveLength(4);
    expect([res.first.error, res.final.status, res.attempts]).toEqual(['ECONNRESET', 504, 4]);
    // Backoffs at the middle of their ranges: 200 ms, 400 ms, then 800 ms.
    expect(calls.map((c) => c.at)).toEqual([0, 202, 604, 1406]);
  });

  test('GIVEN a POST with an Idempotency-Key THEN it is retried with the same key and body', async () => {
    const { client, calls, deps } = scripted([r(503), r(200, { replayed: true })]);
    const opts = { token: 't', body: { name: 'n' }, idempotencyKey: 'key-1', timeoutMs: 5_000 };
    const res = await sendWithRetry(client, 'POST', '/api/items', opts, CLIENT_RETRY, deps);
    expect(res.final).toMatchObject({ status: 200, replayed: true });
    expect(calls.map((c) => c.opts.idempotencyKey)).toEqual(['key-1', 'key-1']);
    expect(calls[1].opts.body).toEqual({ name: 'n' });
  });

  test('GIVEN a POST without an Idempotency-Key THEN it is never retried (it could create the item twice)', async () => {
    const { client, calls, deps } = scripted([r(503)]);
    const res = await sendWithRetry(client, 'POST', '/api/items', { timeoutMs: 5_000 }, CLIENT_RETRY, deps);
    expect(calls).toHaveLength(1);
    expect([res.final.status, res.attempts]).toEqual([503, 1]);
  });

  test('GIVEN a non-retriable answer (404, 500) THEN no retry', async () => {
    for (const status of [404, 500]) {
      const { client, calls, deps } = scripted([r(status)]);
      await sendWithRetry(client, 'GET', '/p', { timeoutMs: 5_000 }, CLIENT_RETRY, deps);
      expect(calls).toHaveLength(1);
    }
  });

  test('GIVEN a first attempt that failed slowly (just before the budget) THEN no retry: the request stays within its budget', async () => {
    const slow = CLIENT_RETRY.budgetMs - 50;
    const { client, calls, deps } = scripted([r(504)], slow);
    const res = await sendWithRetry(client, 'GET', '/p', { timeoutMs: 5_000 }, CLIENT_RETRY, deps);
    expect(calls).toHaveLength(1);
    expect(res.latencyMs).toBe(slow);
  });

  test('GIVEN a retry THEN its timeout is what is left of the user patience, not a fresh one', async () => {
    const policy: RetryPolicy = {
      maxRetries: 1,
      backoffMinMs: 100,
      backoffMaxMs: 100,
      multiplier: 2,
      budgetMs: 1_500,
      attemptTimeoutMs: 5_000,
    };
    const { client, calls, deps } = scripted([r(503), r(200)], 400);
    await sendWithRetry(client, 'GET', '/p', { timeoutMs: 2_000 }, policy, deps);
    expect(calls[1].opts.timeoutMs).toBe(2_000 - 400 - 100);
  });

  test('GIVEN an attempt timeout shorter than the patience THEN every attempt is cut at it, and a hung attempt is retried', async () => {
    const policy: RetryPolicy = { ...CLIENT_RETRY, attemptTimeoutMs: 800 };
    // The first attempt hangs until its timeout (a frozen target), the second answers.
    const { client, calls, deps } = scripted([{ status: 0, body: '', error: 'timeout' }, r(200)], 800);
    const res = await sendWithRetry(client, 'GET', '/p', { timeoutMs: 5_000 }, policy, deps);
    expect(calls.map((c) => c.opts.timeoutMs)).toEqual([800, 800]);
    expect([res.final.status, res.attempts]).toEqual([200, 2]);
  });
});

describe('sendSetup (seeding before the scenarios)', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
  };

  test('GIVEN a 503 "database write timed out" then 201 THEN it retries with the same key and returns the 201', async () => {
    const { client, calls } = scripted([
      r(503, { body: '{"error":"database write timed out"}' }),
      reset(),
      r(201, { body: '{"id":"a"}' }),
    ]);
    const res = await sendSetup(
      client,
      'seeding',
      '/api/items',
      { body: { name: 's' }, idempotencyKey: 'seed-1', timeoutMs: 10_000 },
      (x) => x.status === 201,
      clock(),
    );
    expect(res.body).toBe('{"id":"a"}');
    expect(calls.map((c) => c.opts.idempotencyKey)).toEqual(['seed-1', 'seed-1', 'seed-1']);
  });

  test('GIVEN 503s past the deadline THEN it gives up with the last answer and says the deadline was reached', async () => {
    const { client, calls } = scripted(Array.from({ length: 50 }, () => r(503, { body: 'busy' })));
    await expect(
      sendSetup(client, 'seeding', '/api/items', { timeoutMs: 1_000 }, (x) => x.status === 201, {
        ...clock(),
        deadlineMs: 10_000,
      }),
    ).rejects.toThrow(/seeding POST \/api\/items answered 503 busy \(attempt \d+, retry deadline reached\)/);
    // Capped exponential backoff: a handful of attempts in 10 s, not a tight loop.
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.length).toBeLessThan(12);
  });

  test('GIVEN a 400 THEN it fails at once (bad input is not retried)', async () => {
    const { client, calls } = scripted([r(400, { body: 'bad' })]);
    await expect(
      sendSetup(client, 'seeding', '/api/sessions', { timeoutMs: 1_000 }, (x) => x.status === 201, clock()),
    ).rejects.toThrow(/answered 400 bad \(attempt 1, not retriable\)/);
    expect(calls).toHaveLength(1);
  });
});
