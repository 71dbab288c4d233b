/**
 * The real bundle as a child process (env-only config, as systemd runs it): on SIGTERM it fails /readyz at once,
 * keeps serving through the drain window, lets in-flight requests finish, and exits 0 — no request fails.
 */
import { startPostgres, startRedisCluster, startServiceProcess, startTcpProxy, stopAll } from './harness';
import { call, eventually, sleep } from './support/client';

jest.setTimeout(90000);

afterAll(async () => {
  await stopAll();
});

test('GIVEN steady traffic with slow database reads WHEN SIGTERM arrives THEN /readyz turns 503, every request completes 200, and the process exits 0 after the drain', async () => {
  const [pg, redis] = await Promise.all([startPostgres(), startRedisCluster()]);
  const proxy = await startTcpProxy(pg.port);
  const svc = await startServiceProcess({
    DB_WRITER_HOST: '127.0.0.1',
    DB_PORT: String(proxy.port),
    DB_PASSWORD: pg.app.password,
    REDIS_NODES: redis.seeds,
    SHUTDOWN_DRAIN_SECONDS: '2',
    DB_HEALTH_INTERVAL_MS: '200',
    DB_LATENCY_BUDGET_MS: '3000',
    DB_QUERY_TIMEOUT_MS: '5000',
  });
  await eventually(
    () => call(svc.baseUrl, 'GET', '/readyz'),
    (r) => r.status === 200 && r.body.cache.state === 'up',
  );
  const token = (await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: 'drain' } })).body.token;
  const id = (await call(svc.baseUrl, 'POST', '/api/items', { token, json: { name: 'drain' } })).body.id;

  const results: { status: number | string; endedAt: number }[] = [];
  let sending = true;
  const worker = async (path: string): Promise<void> => {
    while (sending) {
      try {
        const res = await call(svc.baseUrl, 'GET', path, { token });
        results.push({ status: res.status, endedAt: Date.now() });
      } catch (err) {
        results.push({ status: String((err as Error).cause ?? err), endedAt: Date.now() });
      }
    }
  };
  const workers = [`/api/items/${id}`, `/api/items/${id}`, '/api/items?limit=5', '/api/items?limit=5'].map(
    worker,
  );

  await sleep(500);
  proxy.latencyMs = 150; // database reads now take ~300 ms, so some are in flight when the server closes
  const sigtermAt = Date.now();
  svc.process.child.kill('SIGTERM');
  const readyDuringDrain = await eventually(
    () => call(svc.baseUrl, 'GET', '/readyz'),
    (r) => r.status === 503,
    1000,
    50,
  );
  expect(readyDuringDrain.body.draining).toBe(true);

  await sleep(1800 - (Date.now() - sigtermAt)); // stop sending new requests shortly before the 2 s window ends
  sending = false;
  // One request that is surely in flight when the listener closes (~2 s): it takes >= 800 ms from 1.8 s.
  proxy.latencyMs = 400;
  const slowStarted = Date.now();
  const slow = await call(svc.baseUrl, 'GET', '/api/items?limit=3', { token });
  const slowEnded = Date.now();
  await Promise.all(workers);
  const exitCode = await svc.exited;

  expect(exitCode).toBe(0);
  const failed = results.filter((r) => r.status !== 200);
  expect(failed).toEqual([]);
  expect(results.filter((r) => r.endedAt > sigtermAt).length).toBeGreaterThan(10); // served during the drain
  expect(slowStarted - sigtermAt).toBeLessThan(2000);
  expect(slowEnded - sigtermAt).toBeGreaterThan(2000); // in flight when the listener closed...
  expect(slow.status).toBe(200); // ...and completed
});
