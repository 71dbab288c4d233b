/**
 * Connections dropped mid-query (a failover, RDS Proxy or HAProxy cutting sessions, a network blip) must never
 * crash the process: the real bundle serves reads and writes under load while every one of its PostgreSQL backends
 * is terminated again and again (`pg_terminate_backend`), and it must still be the same running process afterwards,
 * answering only 2xx, 503 or 504 (never 500) meanwhile, and recovering to all 2xx.
 */
import { randomUUID } from 'node:crypto';
import {
  PgServer,
  ServiceProcess,
  startPostgres,
  startServiceProcess,
  startTcpProxy,
  stopAll,
} from './harness';
import { call, eventually, sleep } from './support/client';

jest.setTimeout(90000);

let pg: PgServer;
let svc: ServiceProcess;
let token: string;

beforeAll(async () => {
  pg = await startPostgres();
  // A little latency keeps each client checked out long enough for terminations to land mid-query.
  const proxy = await startTcpProxy(pg.port);
  proxy.latencyMs = 5;
  svc = await startServiceProcess({
    DB_WRITER_HOST: '127.0.0.1',
    DB_PORT: String(proxy.port),
    DB_PASSWORD: pg.app.password,
    DB_HEALTH_INTERVAL_MS: '200',
    DB_POOL_MAX: '4',
    SESSION_MEMO_MS: '0', // every request validates its session in PostgreSQL too
    LOG_LEVEL: 'fatal',
  });
  await eventually(
    () => call(svc.baseUrl, 'GET', '/readyz?role=writer'),
    (r) => r.status === 200,
  );
  token = (await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: 'terminated' } })).body.token;
});

afterAll(() => stopAll());

test('GIVEN steady reads and writes WHEN every backend of the service is terminated every 20 ms for 4 s THEN the process never exits, nothing answers 500, and all recovers', async () => {
  const pid = svc.process.child.pid;
  const statuses = new Map<number | string, number>();
  const count = (s: number | string): void => {
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  };
  let running = true;
  const worker = async (i: number): Promise<void> => {
    while (running) {
      try {
        const res =
          i % 2 === 0
            ? await call(svc.baseUrl, 'GET', '/api/items?limit=5', { token })
            : await fetch(`${svc.baseUrl}/api/items`, {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${token}`,
                  'content-type': 'application/json',
                  'idempotency-key': randomUUID(),
                },
                body: JSON.stringify({ name: `under-termination-${i}` }),
              }).then(async (r) => ({ status: r.status, body: await r.text() }));
        count(res.status);
      } catch (err) {
        count(`network: ${String((err as Error).cause ?? err)}`);
        if (!svc.process.running) return;
      }
    }
  };
  const workers = Array.from({ length: 6 }, (_, i) => worker(i));
  let terminations = 0;
  const until = Date.now() + 4000;
  while (Date.now() < until && svc.process.running) {
    const rows = await pg.query<{ t: boolean }>(
      'SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE usename = $1',
      [pg.app.user],
    );
    terminations += rows.filter((r) => r.t).length;
    await sleep(20);
  }
  running = false;
  await Promise.all(workers);

  expect({ running: svc.process.running, pid: svc.process.child.pid }).toEqual({ running: true, pid });
  expect(terminations).toBeGreaterThan(20);
  const unexpected = [...statuses.keys()].filter((s) => ![200, 201, 503, 504].includes(s as number));
  expect(unexpected).toEqual([]);
  expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0)).toBeGreaterThan(0);

  // Afterwards: reads and writes succeed again on the same process.
  await eventually(
    () => call(svc.baseUrl, 'POST', '/api/items', { token, json: { name: 'after-terminations' } }),
    (r) => r.status === 201,
    10000,
  );
  expect((await call(svc.baseUrl, 'GET', '/api/items?limit=1', { token })).status).toBe(200);
  expect(svc.process.running).toBe(true);
});
