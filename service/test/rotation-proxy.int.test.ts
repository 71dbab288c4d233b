/**
 * Single-user rotation behind RDS Proxy: after a rotation the proxy (which checks passwords against its own copy of
 * the secret) refuses the service's stale password with its own wording. Whatever SQLSTATE it attaches (AWS does not
 * document one), the service must recognise the refusal, re-read the secret once and reconnect, and the write must
 * succeed without being reported as a failure.
 */
import pino from 'pino';
import { PgDatabase } from '../src/db';
import {
  AuthRejectingProxy,
  PgServer,
  ProxyAuthError,
  startAuthRejectingProxy,
  startPostgres,
  stopAll,
} from './harness';
import { FakeSecret } from './support/in-process';

jest.setTimeout(60000);

let pg: PgServer;
let proxy: AuthRejectingProxy;

beforeAll(async () => {
  pg = await startPostgres();
  proxy = await startAuthRejectingProxy(pg.port);
});

afterAll(() => stopAll());

// RDS Proxy's PostgreSQL messages, from the RDS Proxy troubleshooting guide.
const WRONG_PASSWORD = 'The password that was provided for the role app_service is wrong.';
const NO_CREDENTIALS =
  'This RDS proxy has no credentials for the role app_service. Check the credentials for this role and try again.';

test.each<{ what: string; error: ProxyAuthError }>([
  { what: 'wrong password, 28P01', error: { code: '28P01', message: WRONG_PASSWORD } },
  { what: 'no credentials for the role, 28000', error: { code: '28000', message: NO_CREDENTIALS } },
  { what: 'wrong password, generic XX000', error: { code: 'XX000', message: WRONG_PASSWORD } },
  { what: 'no credentials for the role, no SQLSTATE', error: { message: NO_CREDENTIALS } },
  { what: 'wrong password, a connection-class 08004', error: { code: '08004', message: WRONG_PASSWORD } },
])(
  'GIVEN the proxy refuses the stale password ($what) THEN the secret is re-read once and the write succeeds',
  async ({ error }) => {
    const secret = new FakeSecret({ username: pg.app.user, password: pg.app.password });
    const db = new PgDatabase({
      config: {
        writerHost: '127.0.0.1',
        readerHost: '127.0.0.1',
        port: proxy.port,
        database: pg.app.database,
        user: pg.app.user,
        ssl: false,
        connectTimeoutMs: 2000,
        queryTimeoutMs: 2000,
        latencyBudgetMs: 2000,
        readP95BudgetMs: 100,
        readBreakerOpenMs: 5000,
        poolMax: 2,
        healthIntervalMs: 60000,
      },
      breaker: {
        errorThresholdPercentage: 50,
        resetTimeoutMs: 1000,
        volumeThreshold: 5,
        rollingWindowMs: 10000,
      },
      credentials: secret.source(),
      logger: pino({ level: 'silent' }),
    });
    try {
      await db.probe(); // loads the credentials (first fetch)
      const fetchesBefore = secret.fetches;
      const rejectedBefore = proxy.rejected;
      proxy.error = error;
      proxy.rejectNext = 1;
      proxy.dropAll();
      await new Promise((r) => setTimeout(r, 100)); // the pool notices and drops its idle connections
      const rows = await db.write<{ ok: number }>('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
      expect(proxy.rejected - rejectedBefore).toBe(1);
      expect(secret.fetches - fetchesBefore).toBe(1);
    } finally {
      proxy.rejectNext = 0;
      await db.close();
    }
  },
);
