/**
 * Real PostgreSQL servers on loopback for integration tests and benches: a primary with an application role and
 * database, and optional hot-standby replicas streaming from it (read-only until promoted).
 *
 * Binaries are taken from PATH or, as Debian installs them, /usr/lib/postgresql/<newest>/bin. PostgreSQL refuses
 * to run as root, so when the tests run as root the servers run as the `postgres` OS user (created by the Debian
 * package) or, if that does not exist, a dedicated `ha-pg-harness` system user created on first use.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';
import { run, spawnTracked, TrackedProcess, WaitAborted, waitFor } from './processes';

/** Locates a PostgreSQL binary (initdb, postgres, pg_basebackup, ...). */
export function pgBinary(name: string): string {
  const fromPath = whichSync(name);
  if (fromPath) return fromPath;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL binary '${name}' not found on PATH or under ${root}/*/bin; run .ci/install-servers.sh`,
    );
  }
  return path.join(root, versions[0], 'bin', name);
}

function whichSync(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

let cachedUser: OsUser | undefined | null = null;

/** The unprivileged OS user the servers run as, or undefined when the tests do not run as root. */
function serverUser(): OsUser | undefined {
  if (cachedUser !== null) return cachedUser;
  if (process.getuid?.() !== 0) {
    cachedUser = undefined;
    return cachedUser;
  }
  const lookup = (name: string): OsUser | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  let user = lookup('postgres') ?? lookup('ha-pg-harness');
  if (!user) {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'ha-pg-harness',
    ]);
    user = lookup('ha-pg-harness');
  }
  if (!user) throw new Error('could not find or create an unprivileged user to run PostgreSQL as');
  cachedUser = user;
  return cachedUser;
}

function makeDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const user = serverUser();
  if (user) fs.chownSync(dir, user.uid, user.gid);
  fs.chmodSync(dir, 0o700);
  return dir;
}

function spawnOptions() {
  const user = serverUser();
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', HOME: os.tmpdir() };
  return user ? { uid: user.uid, gid: user.gid, env, cwd: os.tmpdir() } : { env, cwd: os.tmpdir() };
}

/** The application login the primary is created with (tests may ALTER its password to simulate rotation). */
export interface PgAppLogin {
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

/** Options for {@link startPostgres}. */
export interface StartPostgresOptions {
  /** @default { database: 'app', user: 'app_service', password: 'app-password' } */
  readonly app?: Partial<PgAppLogin>;
  /** Extra `-c name=value` settings. @default none */
  readonly settings?: Readonly<Record<string, string>>;
}

/** One running (or stopped) PostgreSQL server. */
export class PgServer {
  private process?: TrackedProcess;

  constructor(
    /** 'primary' or 'replica' (a replica turns primary after {@link promote}). */
    public role: 'primary' | 'replica',
    public port: number,
    readonly dataDir: string,
    readonly app: PgAppLogin,
    private readonly settings: Readonly<Record<string, string>>,
  ) {}

  readonly host = '127.0.0.1';
  /** The superuser (trusted on loopback, no password). */
  readonly superuser = 'postgres';

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** Starts (or restarts) the server on the same port and data directory and waits until it accepts queries. */
  async start(): Promise<void> {
    if (this.running) return;
    const args = [
      '-D',
      this.dataDir,
      '-p',
      String(this.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ];
    const settings: Record<string, string> = {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      shared_buffers: '32MB',
      max_connections: '100',
      wal_level: 'replica',
      max_wal_senders: '5',
      hot_standby: 'on',
      ...this.settings,
    };
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
    this.process = spawnTracked(pgBinary('postgres'), args, spawnOptions());
    const proc = this.process;
    await waitFor(
      `PostgreSQL ${this.role} on port ${this.port}`,
      async () => {
        if (!proc.running) throw new WaitAborted(`postgres exited:\n${proc.recentOutput()}`);
        await this.query('SELECT 1');
        return true;
      },
      30000,
      100,
    );
  }

  /** Stops the server: 'fast' (clean, SIGINT) or 'immediate' (crash-like, SIGQUIT). Data is kept. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.process?.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT', 15000);
  }

  /** Runs one statement as the superuser (database `database`, default the app database). */
  async query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const client = new Client({
      host: this.host,
      port: this.port,
      user: this.superuser,
      database,
      connectionTimeoutMillis: 2000,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Connection settings for the application login. */
  connection(): { host: string; port: number; database: string; user: string; password: string } {
    return {
      host: this.host,
      port: this.port,
      database: this.app.database,
      user: this.app.user,
      password: this.app.password,
    };
  }

  /** Promotes a replica to a writable primary and waits until pg_is_in_recovery() is false. */
  async promote(): Promise<void> {
    await this.query('SELECT pg_promote(true, 30)');
    await waitFor(
      'promotion',
      async () => (await this.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r === false,
    );
    this.role = 'primary';
  }

  /**
   * Sends `signal` to the postmaster and every process it started (backends, WAL writer, ...): SIGSTOP freezes the
   * whole server as a hung host would (sockets stay open, nothing answers), SIGCONT resumes it where it stopped.
   */
  signalAll(signal: 'SIGSTOP' | 'SIGCONT'): void {
    const postmaster = Number(
      fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    const children = fs
      .readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'.
          const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false; // exited meanwhile
        }
      })
      .map(Number);
    for (const pid of [postmaster, ...children]) process.kill(pid, signal);
  }

  /** Stops the server and deletes its data directory. */
  async destroy(): Promise<void> {
    await this.stop('immediate');
    fs.rmSync(path.dirname(this.dataDir), { recursive: true, force: true });
  }
}

/** Creates and starts a primary with the application role and database (owner of the database). */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgServer> {
  const app: PgAppLogin = { database: 'app', user: 'app_service', password: 'app-password', ...options.app };
  const root = makeDir('ha-pg-');
  const dataDir = path.join(root, 'data');
  await run(
    pgBinary('initdb'),
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    spawnOptions(),
  );
  // Superuser and replication trusted on loopback (test harness only); the app role must use its password.
  fs.writeFileSync(
    path.join(dataDir, 'pg_hba.conf'),
    [
      'host all postgres 127.0.0.1/32 trust',
      'host replication postgres 127.0.0.1/32 trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
  const user = serverUser();
  if (user) fs.chownSync(path.join(dataDir, 'pg_hba.conf'), user.uid, user.gid);
  const server = new PgServer('primary', await freePort(), dataDir, app, options.settings ?? {});
  await startOnFreePort(server);
  await server.query(`CREATE ROLE ${quoteIdent(app.user)} LOGIN PASSWORD ${quoteLiteral(app.password)}`);
  await server.query(`CREATE DATABASE ${quoteIdent(app.database)} OWNER ${quoteIdent(app.user)}`);
  return server;
}

/** Creates a hot-standby replica of `primary` (pg_basebackup -R) and starts it; it answers reads, refuses writes. */
export async function startReplica(primary: PgServer): Promise<PgServer> {
  const root = makeDir('ha-pg-replica-');
  const dataDir = path.join(root, 'data');
  await run(
    pgBinary('pg_basebackup'),
    [
      '-h',
      primary.host,
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
      '--no-sync',
    ],
    spawnOptions(),
  );
  const replica = new PgServer('replica', await freePort(), dataDir, primary.app, {});
  await startOnFreePort(replica);
  await waitFor(
    'replica in recovery',
    async () => (await replica.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0].r === true,
  );
  return replica;
}

/** Starts a new server, moving to another free port if another process took this one meanwhile. */
async function startOnFreePort(server: PgServer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      return;
    } catch (err) {
      if (attempt >= 3 || !/could not bind|Address already in use/i.test(String(err))) throw err;
      server.port = await freePort();
    }
  }
}

/** Waits until `replica` has replayed everything `primary` has written so far. */
export async function waitForReplay(primary: PgServer, replica: PgServer, timeoutMs = 10000): Promise<void> {
  const [{ lsn }] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  await waitFor(
    'replica replay',
    async () =>
      (await replica.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]
        .ok,
    timeoutMs,
  );
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
