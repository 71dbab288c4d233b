/**
 * Cache AUTH token rotation under load, against a real 3-master Redis Cluster with AUTH, emulating what ElastiCache
 * does for lambda/cache-rotation:
 *   ROTATE  `ACL SETUSER default >new` on every node: the old and the new token both work;
 *   (finishSecret: the secret's current value becomes the new token);
 *   SET     `ACL SETUSER default <old` on every node: only the new token works.
 * While a steady load runs, the service must re-read the secret (REDIS_SECRET_REFRESH_SECONDS), move its connections
 * to the new token inside the window, and never have an AUTH refused; after SET, connections it opens (every client
 * connection is killed to force them) authenticate with the new token.
 */
import { randomUUID } from 'node:crypto';
import { PgServer, RedisCluster, startPostgres, startRedisCluster, stopAll } from './harness';
import { call, eventually, Res, sleep } from './support/client';
import { FakeSecret, InProcessService, startInProcess } from './support/in-process';

jest.setTimeout(90000);

const OLD = 'Old-token-0123456789abcdefABCDEF';
const NEW = 'New-token-0123456789abcdefABCDEF';

let pg: PgServer;
let redis: RedisCluster;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedisCluster({ password: OLD })]);
});

afterAll(() => stopAll());

/** redis-cli on one node with an explicit token (the harness's own uses the creation password). */
function cliAs(token: string, port: number, ...command: string[]): Promise<string> {
  return new RedisCluster([port], redis.dir, token).cli(port, ...command);
}

/**
 * AUTH attempts the nodes refused since the last reset, from ACL LOG (entries with reason "auth", each with a count
 * of repeats). Redis 7.0 has no acl_access_denied_auth in INFO yet.
 */
async function refusedAuths(token: string): Promise<number> {
  let refused = 0;
  for (const port of redis.ports) {
    const lines = (await cliAs(token, port, 'ACL', 'LOG')).split('\n').map((l) => l.trim());
    let count = 0;
    for (let i = 0; i < lines.length - 1; i++) {
      if (lines[i] === 'count') count = Number(lines[i + 1]);
      if (lines[i] === 'reason' && lines[i + 1] === 'auth') refused += count;
    }
  }
  return refused;
}

async function onEveryNode(token: string, ...command: string[]): Promise<void> {
  for (const port of redis.ports) expect((await cliAs(token, port, ...command)).trim()).toBe('OK');
}

/** Back to the creation token only (each test starts from a group that has never rotated). */
async function resetToOld(): Promise<void> {
  for (const port of redis.ports) {
    const reply = await cliAs(NEW, port, 'ACL', 'SETUSER', 'default', 'resetpass', `>${OLD}`);
    if (reply.trim() !== 'OK')
      expect((await cliAs(OLD, port, 'ACL', 'SETUSER', 'default', 'resetpass', `>${OLD}`)).trim()).toBe('OK');
  }
  await onEveryNode(OLD, 'ACL', 'LOG', 'RESET');
}

/** Runs `workers` request loops until stop() and collects every outcome (a thrown fetch counts as status 0). */
function startLoad(svc: InProcessService, token: string, itemId: string, workers = 4) {
  const results: { status: number; cache: string | null }[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const res: Res | undefined = await call(svc.baseUrl, 'GET', `/api/items/${itemId}`, { token }).catch(
        () => undefined,
      );
      results.push({ status: res?.status ?? 0, cache: res?.headers.get('x-cache') ?? null });
      await sleep(5);
    }
  });
  return {
    results,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function startService(secret: FakeSecret<string>, refreshSeconds: number): Promise<InProcessService> {
  const dbSecret = new FakeSecret({ username: pg.app.user, password: pg.app.password });
  const svc = await startInProcess(
    {
      DB_WRITER_HOST: '127.0.0.1',
      DB_PORT: String(pg.port),
      DB_SECRET_ID: 'unused-fake',
      REDIS_SECRET_ID: 'unused-fake',
      AWS_REGION: 'eu-west-1',
      REDIS_NODES: redis.seeds,
      REDIS_SECRET_REFRESH_SECONDS: String(refreshSeconds),
    },
    dbSecret.source(),
    secret.source(),
  );
  await eventually(
    () => call(svc.baseUrl, 'GET', '/readyz'),
    (r) => r.status === 200 && r.body.cache.state === 'up',
  );
  return svc;
}

/** A session and an item read once, so the load's reads are cache hits. */
async function warm(svc: InProcessService): Promise<{ token: string; itemId: string }> {
  const session = await call(svc.baseUrl, 'POST', '/api/sessions', { json: { user: `u-${randomUUID()}` } });
  expect(session.status).toBe(201);
  const token = session.body.token as string;
  const item = await call(svc.baseUrl, 'POST', '/api/items', {
    token,
    json: { name: 'rotating', value: 'v' },
  });
  expect(item.status).toBe(201);
  await eventually(
    () => call(svc.baseUrl, 'GET', `/api/items/${item.body.id}`, { token }),
    (r) => r.headers.get('x-cache') === 'hit',
  );
  return { token, itemId: item.body.id as string };
}

test('GIVEN load on the service WHEN the token is ROTATEd, the secret updated, and the old token SET away THEN no request fails, no AUTH is refused, and new connections use the new token', async () => {
  await resetToOld();
  const secret = new FakeSecret<string>(OLD);
  const svc = await startService(secret, 1);
  try {
    const { token, itemId } = await warm(svc);
    const load = startLoad(svc, token, itemId);
    await sleep(500);

    // ROTATE: both tokens valid.
    await onEveryNode(OLD, 'ACL', 'SETUSER', 'default', `>${NEW}`);
    await sleep(300);
    // finishSecret: AWSCURRENT is the new token. The service re-reads it within its 1 s refresh interval.
    const fetchesBefore = secret.fetches;
    secret.value = NEW;
    await eventually(
      async () => secret.fetches,
      (n) => n > fetchesBefore,
      10000,
    );
    await sleep(2000); // the switch: connect with the new token, PING every master, swap, QUIT the old client
    const errorsBeforeSet = svc.service.cache.stats.errors;

    // SET: only the new token is valid from here on.
    await onEveryNode(NEW, 'ACL', 'SETUSER', 'default', `<${OLD}`);
    expect(await cliAs(OLD, redis.ports[0], 'PING')).toMatch(/WRONGPASS|NOAUTH/); // refused once, by us
    await sleep(500);
    const errorsAfterSet = svc.service.cache.stats.errors;
    // Every connection the service holds is closed: what it reconnects with is its current token.
    for (const port of redis.ports)
      await cliAs(NEW, port, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await sleep(1500);
    await load.stop();

    const failed = load.results.filter((r) => r.status !== 200);
    expect(load.results.length).toBeGreaterThan(200);
    expect(failed).toEqual([]);
    // No AUTH refused by any node, before or after SET and the reconnects, but our own check with the old token.
    expect(await refusedAuths(NEW)).toBe(1);
    // Between the switch and SET, and across SET, no cache command failed (the cache never fell back to the DB).
    expect(errorsAfterSet - errorsBeforeSet).toBe(0);
    // After the reconnects the cache serves hits again (new connections authenticated with the new token).
    const last = load.results.slice(-50);
    expect(last.filter((r) => r.cache === 'hit').length).toBeGreaterThan(40);
    // Readiness reports the cache up again once the killed connections are re-established (a loaded machine may
    // still be reconnecting the moment the load stops), with the new token.
    const ready = await eventually(
      () => call(svc.baseUrl, 'GET', '/readyz'),
      (r) => r.body.cache.state === 'up',
      5000,
    );
    expect(ready.body.cache.state).toBe('up');
  } finally {
    await svc.service.shutdown(0);
  }
});

test('GIVEN the service does not re-read the secret within the window (control) WHEN the old token is SET away and connections drop THEN the nodes refuse its reconnects, and it recovers by re-reading on WRONGPASS without failing a request', async () => {
  await resetToOld();
  const secret = new FakeSecret<string>(OLD);
  const svc = await startService(secret, 3600);
  try {
    const { token, itemId } = await warm(svc);
    const load = startLoad(svc, token, itemId);
    await onEveryNode(OLD, 'ACL', 'SETUSER', 'default', `>${NEW}`);
    secret.value = NEW;
    await onEveryNode(NEW, 'ACL', 'SETUSER', 'default', `<${OLD}`);
    for (const port of redis.ports)
      await cliAs(NEW, port, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    // The stale token is refused: what the periodic re-read prevents in the test above.
    await eventually(
      () => refusedAuths(NEW),
      (n) => n > 0,
      10000,
    );
    // On WRONGPASS the service re-reads the secret and reconnects with the new token.
    await eventually(
      () => call(svc.baseUrl, 'GET', `/api/items/${itemId}`, { token }),
      (r) => r.headers.get('x-cache') === 'hit',
      15000,
    );
    await load.stop();
    expect(load.results.filter((r) => r.status !== 200)).toEqual([]);
    expect(svc.service.cache.stats.errors).toBeGreaterThan(0); // served from the database meanwhile
  } finally {
    await svc.service.shutdown(0);
  }
});
