/**
 * Honest answers for what PostgreSQL really does, against a real server:
 * - resource exhaustion (53xxx, here disk_full raised by the server for every write) answers 503 + Retry-After and
 *   fails the writer readiness (Route 53 PRIMARY) until a write succeeds again, while plain readiness stays up;
 * - a write whose answer never came (the whole server frozen with SIGSTOP mid-INSERT) answers 504 "outcome unknown",
 *   not "503, retry later" - and indeed the INSERT commits once the server resumes; the retry with the same
 *   Idempotency-Key replays it instead of writing twice.
 */
import { randomUUID } from 'node:crypto';
import { PgServer, startPostgres, stopAll } from './harness';
import { call, eventually, Res, sleep } from './support/client';
import { InProcessService, startInProcess } from './support/in-process';

jest.setTimeout(60000);

let pg: PgServer;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(() => stopAll());

function dbEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DB_WRITER_HOST: '127.0.0.1',
    DB_PORT: String(pg.port),
    DB_PASSWORD: pg.app.password,
    SESSION_MEMO_MS: '60000', // the session is checked once; these tests are about the write
    ...extra,
  };
}

async function session(svc: InProcessService): Promise<string> {
  const res = await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: 'pg-errors' } });
  expect(res.status).toBe(201);
  return res.body.token;
}

function postItem(svc: InProcessService, token: string, name: string, key: string): Promise<Res> {
  return fetch(`${svc.baseUrl}/api/items`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ name }),
  }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json(), ms: 0 }));
}

/** Every table the service writes to raises disk_full (53100) on insert or update, as a full volume would. */
const TABLES = ['items', 'sessions', 'service_probe'];
async function fillDisk(full: boolean): Promise<void> {
  await pg.query(
    `CREATE OR REPLACE FUNCTION simulate_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
    [],
    'app',
  );
  for (const table of TABLES) {
    await pg.query(
      `DO $$ BEGIN
         IF to_regclass('${table}') IS NOT NULL THEN
           EXECUTE 'DROP TRIGGER IF EXISTS disk_full ON ${table}';
           ${full ? `EXECUTE 'CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION simulate_disk_full()';` : ''}
         END IF;
       END $$`,
      [],
      'app',
    );
  }
}

describe('resource exhaustion (53100 disk_full)', () => {
  let svc: InProcessService;
  let token: string;
  beforeAll(async () => {
    svc = await startInProcess(dbEnv());
    await eventually(
      () => call(svc.baseUrl, 'GET', '/readyz?role=writer'),
      (r) => r.status === 200,
    );
    token = await session(svc);
  });
  afterAll(() => svc.service.shutdown(0));

  test('GIVEN every write failing with disk_full THEN POST answers 503 + Retry-After, writer readiness fails, plain readiness and reads stay up; AND all recovers once writes succeed', async () => {
    await fillDisk(true);
    try {
      const write = await postItem(svc, token, 'no-space', randomUUID());
      expect(write.status).toBe(503);
      expect(write.body.reason).toBe('resource_exhausted');
      expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);

      // Several health probes later the writer form still fails: the probe writes too, and that fails as well.
      await sleep(1000);
      const writer = await call(svc.baseUrl, 'GET', '/readyz?role=writer');
      expect(writer.status).toBe(503);
      expect(writer.body.reason).toMatch(/cannot write/);
      expect((await call(svc.baseUrl, 'GET', '/readyz')).status).toBe(200);
      expect((await call(svc.baseUrl, 'GET', '/api/items?limit=1', { token })).status).toBe(200);
    } finally {
      await fillDisk(false);
    }
    await eventually(
      () => call(svc.baseUrl, 'GET', '/readyz?role=writer'),
      (r) => r.status === 200,
      5000,
    );
    expect((await postItem(svc, token, 'space-again', randomUUID())).status).toBe(201);
  });
});

describe('a write whose outcome is unknown', () => {
  let svc: InProcessService;
  let token: string;
  beforeAll(async () => {
    // One warm writer connection and no background probes, so the write below goes to a frozen backend.
    svc = await startInProcess(dbEnv({ DB_POOL_MAX: '1', DB_HEALTH_INTERVAL_MS: '60000' }));
    token = await session(svc);
    expect((await postItem(svc, token, 'warm-up', randomUUID())).status).toBe(201);
  });
  afterAll(() => svc.service.shutdown(0));

  test('GIVEN the server frozen while the INSERT is in flight THEN 504 says the outcome is unknown and to retry with the same key; AND after it resumes the row exists once and the retry replays it', async () => {
    const key = randomUUID();
    pg.signalAll('SIGSTOP');
    let unknown: Res;
    try {
      unknown = await postItem(svc, token, 'maybe-written', key);
    } finally {
      pg.signalAll('SIGCONT');
    }
    expect(unknown.status).toBe(504);
    expect(unknown.body.reason).toBe('outcome_unknown');
    expect(unknown.body.error).toMatch(/may or may not have been applied/);
    expect(unknown.body.error).toMatch(/same Idempotency-Key/);
    expect(unknown.headers.get('retry-after')).toBeNull();

    // The frozen backend had the INSERT in its socket buffer: it runs and commits once resumed.
    const rows = await eventually(
      () => pg.query<{ id: string }>('SELECT id FROM items WHERE idempotency_key = $1', [key], 'app'),
      (r) => r.length > 0,
      10000,
    );
    expect(rows).toHaveLength(1);
    const retry = await eventually(
      () => postItem(svc, token, 'maybe-written', key),
      (r) => r.status !== 503,
      10000,
    );
    expect([retry.status, retry.headers.get('idempotent-replayed'), retry.body.id]).toEqual([
      200,
      'true',
      rows[0].id,
    ]);
  });
});
