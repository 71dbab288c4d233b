/**
 * PgDatabase over real TLS to a real PostgreSQL: the server's certificate is switched (ALTER SYSTEM + reload)
 * between one from the CA in DB_SSL_CA_FILE (Aurora: the RDS CA bundle), one from a CA among the default roots
 * (RDS Proxy: ACM, chaining to Amazon Root CA 1) and one from an unknown CA. The first two must be reachable, the
 * last must not.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { DbConfig } from '../src/config';
import { staticSource } from '../src/credentials';
import { PgDatabase } from '../src/db';
import { PgServer, startPostgres, stopAll, waitFor } from './harness';
import { Ca, certDir, makeCa, makeServerCert } from './support/certs';

jest.setTimeout(60000);

let pg: PgServer;
let dir: string;
let rdsCa: Ca;
let publicCa: Ca;
let unknownCa: Ca;
let bundleFile: string;

/** Makes the server present a certificate from `ca` to new connections. */
async function presentCertificateFrom(ca: Ca, name: string): Promise<void> {
  const cert = makeServerCert(dir, ca, name, ['IP:127.0.0.1']);
  // PostgreSQL insists its key belongs to the server's OS user and is private.
  const { uid, gid } = fs.statSync(pg.dataDir);
  for (const f of [cert.certFile, cert.keyFile]) fs.chownSync(f, uid, gid);
  fs.chmodSync(cert.keyFile, 0o600);
  await pg.query(`ALTER SYSTEM SET ssl_cert_file = '${cert.certFile}'`);
  await pg.query(`ALTER SYSTEM SET ssl_key_file = '${cert.keyFile}'`);
  await pg.query('ALTER SYSTEM SET ssl = on');
  await pg.query('SELECT pg_reload_conf()');
  await waitFor(
    'certificate reload',
    async () =>
      (await pg.query<{ f: string }>("SELECT current_setting('ssl_cert_file') AS f"))[0].f === cert.certFile,
  );
}

function database(): PgDatabase {
  const config: DbConfig = {
    writerHost: '127.0.0.1',
    readerHost: '127.0.0.1',
    port: pg.port,
    database: pg.app.database,
    user: pg.app.user,
    ssl: true,
    sslCaFile: bundleFile,
    connectTimeoutMs: 2000,
    queryTimeoutMs: 2000,
    latencyBudgetMs: 2000,
    readP95BudgetMs: 100,
    readBreakerOpenMs: 5000,
    poolMax: 2,
    healthIntervalMs: 60000,
  };
  return new PgDatabase({
    config,
    breaker: {
      errorThresholdPercentage: 50,
      resetTimeoutMs: 1000,
      volumeThreshold: 5,
      rollingWindowMs: 10000,
    },
    credentials: staticSource({ username: pg.app.user, password: pg.app.password }),
    logger: pino({ level: 'silent' }),
    trustedRoots: [publicCa.certPem],
  });
}

beforeAll(async () => {
  dir = certDir();
  fs.chmodSync(dir, 0o755); // the server's OS user reads its certificate from here
  rdsCa = makeCa(dir, 'rds-standin');
  publicCa = makeCa(dir, 'public-standin');
  unknownCa = makeCa(dir, 'unknown');
  bundleFile = path.join(dir, 'bundle.pem');
  fs.writeFileSync(bundleFile, `${makeCa(dir, 'other-region').certPem}${rdsCa.certPem}`);
  pg = await startPostgres(); // TLS is switched on with the first certificate (ssl is reloadable)
}, 60000);

afterAll(async () => {
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

test.each([
  { from: 'the CA file (RDS CA bundle stand-in)', ca: () => rdsCa, reachable: true },
  {
    from: 'the default roots (Amazon Root CA 1 stand-in, as RDS Proxy)',
    ca: () => publicCa,
    reachable: true,
  },
  { from: 'an unknown CA', ca: () => unknownCa, reachable: false },
])('GIVEN a server certificate from $from THEN reachable is $reachable', async ({ from, ca, reachable }) => {
  await presentCertificateFrom(ca(), from.replace(/\W+/g, '-'));
  const db = database();
  try {
    const health = await db.probe();
    expect(health.reachable).toBe(reachable);
    if (!reachable) expect(health.writer.lastError).toMatch(/certificate/i);
  } finally {
    await db.close();
  }
});
