/**
 * A DR region: the service's "writer" endpoint is a hot standby (pg_is_in_recovery() = true). Writes must answer
 * 503 + Retry-After and /readyz?role=writer must fail while plain /readyz and reads succeed; after the standby is
 * promoted, the same running service turns writable by itself (writability comes from the database).
 */
import { PgServer, startPostgres, startReplica, stopAll, waitForReplay } from './harness';
import { call, eventually, Res } from './support/client';
import { InProcessService, startInProcess } from './support/in-process';

jest.setTimeout(60000);

let primary: PgServer;
let standby: PgServer;
let svc: InProcessService;
let token: string;
let itemId: string;

const url = (): string => svc.baseUrl;
const readyz = (query = ''): Promise<Res> => call(url(), 'GET', `/readyz${query}`);

beforeAll(async () => {
  primary = await startPostgres();
  // The primary region's service creates the schema, a session and an item, which replicate to the standby.
  const primarySvc = await startInProcess({
    DB_WRITER_HOST: '127.0.0.1',
    DB_PORT: String(primary.port),
    DB_PASSWORD: primary.app.password,
  });
  token = (await call(primarySvc.baseUrl, 'POST', '/api/sessions', { json: { user: 'dr-user' } })).body.token;
  itemId = (await call(primarySvc.baseUrl, 'POST', '/api/items', { token, json: { name: 'replicated' } }))
    .body.id;
  await primarySvc.service.shutdown(0);

  standby = await startReplica(primary);
  await waitForReplay(primary, standby);
  svc = await startInProcess({
    DB_WRITER_HOST: '127.0.0.1',
    DB_PORT: String(standby.port),
    DB_PASSWORD: primary.app.password,
  });
});

afterAll(async () => {
  await svc?.service.shutdown(0);
  await stopAll();
});

test('GIVEN the writer endpoint is a hot standby THEN writes answer 503 + Retry-After, /readyz?role=writer is 503, /readyz and reads are 200', async () => {
  const write = await call(url(), 'POST', '/api/items', { token, json: { name: 'refused' } });
  expect(write.status).toBe(503);
  expect(write.body.reason).toBe('read_only');
  expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);

  const newSession = await call(url(), 'POST', '/api/sessions', { json: { user: 'x' } });
  expect(newSession.status).toBe(503);

  const writer = await readyz('?role=writer');
  expect(writer.status).toBe(503);
  expect(writer.body.database).toMatchObject({ reachable: true, writable: false, inRecovery: true });

  expect((await readyz()).status).toBe(200);
  const read = await call(url(), 'GET', `/api/items/${itemId}`, { token }); // session validated from the standby
  expect([read.status, read.body.name]).toEqual([200, 'replicated']);
});

test('GIVEN the standby is promoted WHEN the service keeps running THEN it turns writable without a restart', async () => {
  await primary.stop('fast'); // the old primary region is gone
  await standby.promote();
  const writer = await eventually(
    () => readyz('?role=writer'),
    (r) => r.status === 200,
    10000,
  );
  expect(writer.body.database.writable).toBe(true);
  const write = await call(url(), 'POST', '/api/items', { token, json: { name: 'written-after-promotion' } });
  expect(write.status).toBe(201);
});
