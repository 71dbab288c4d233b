/**
 * PostgreSQL primary + SYNCHRONOUS streaming replica on loopback, standing for Aurora's quorum storage (no
 * acknowledged write is lost when the writer dies). initdb refuses to run as root, so when the drill runs as root
 * (CI does) every PostgreSQL process runs as the unprivileged `postgres` user (created by the Debian package), or a
 * `drillpg` system user the drill creates when that is missing.
 */
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import {
  findBinary,
  isRoot,
  LOOPBACK,
  ManagedProcess,
  postgresBinDirs,
  runSync,
  waitUntil,
  type RunAs,
} from './proc';

const execFileAsync = promisify(execFile);

export const APP_DB = 'app';
export const APP_USER = 'app_service';

function lookupUser(name: string): RunAs | undefined {
  try {
    const uid = Number(runSync('id', ['-u', name]).trim());
    const gid = Number(runSync('id', ['-g', name]).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** undefined when not root (then PostgreSQL runs as the current user). */
export function postgresRunAs(): RunAs | undefined {
  if (!isRoot()) return undefined;
  const existing = lookupUser('postgres') ?? lookupUser('drillpg');
  if (existing) return existing;
  runSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'drillpg']);
  const created = lookupUser('drillpg');
  if (!created) throw new Error('drill: could not create the unprivileged drillpg user for PostgreSQL');
  return created;
}

export interface PgNodeOptions {
  readonly name: string;
  readonly port: number;
  /** Port of this node's health agent (served by the sidecar). */
  readonly agentPort: number;
  readonly baseDir: string;
  readonly runAs: RunAs | undefined;
  /**
   * Serve TLS with this certificate (PEM files readable by runAs) and accept the service's role over TLS only,
   * as Aurora with rds.force_ssl does. @default plain TCP
   */
  readonly tls?: PgTls;
  /**
   * Give the data directory a filesystem of its own, a tmpfs of this many MiB (root only), with the WAL outside it,
   * so the drill can fill it: inserts then fail with 53100 disk_full while the WAL, on another disk as in a
   * production layout, keeps the server up. @default the data directory on the drill's temp dir
   */
  readonly diskMb?: number;
}

export interface PgTls {
  readonly certFile: string;
  readonly keyFile: string;
}

export class PgNode {
  readonly dataDir: string;
  /** Set with diskMb: where the node's own filesystem is mounted, and the WAL directory beside it. */
  readonly diskDir?: string;
  readonly walDir?: string;
  readonly socketDir: string;
  readonly logFile: string;
  private proc: ManagedProcess | undefined;
  private readonly bin: (name: string) => string;

  constructor(public readonly opts: PgNodeOptions) {
    if (opts.diskMb !== undefined) {
      this.diskDir = join(opts.baseDir, `${opts.name}-disk`);
      this.dataDir = join(this.diskDir, 'data');
      this.walDir = join(opts.baseDir, `${opts.name}-wal`);
    } else {
      this.dataDir = join(opts.baseDir, `${opts.name}-data`);
    }
    this.socketDir = join(opts.baseDir, `${opts.name}-sock`);
    this.logFile = join(opts.baseDir, `${opts.name}.log`);
    this.bin = (name) => findBinary(name, postgresBinDirs());
  }

  get name(): string {
    return this.opts.name;
  }
  get port(): number {
    return this.opts.port;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }

  private own(path: string): void {
    if (this.opts.runAs) chownSync(path, this.opts.runAs.uid, this.opts.runAs.gid);
  }

  private freshDirs(): void {
    if (this.diskDir) this.mountDisk(this.diskDir);
    for (const d of [this.dataDir, this.walDir]) if (d) rmSync(d, { recursive: true, force: true });
    for (const d of [this.dataDir, this.socketDir, this.walDir]) {
      if (!d) continue;
      mkdirSync(d, { recursive: true, mode: 0o700 });
      this.own(d);
    }
  }

  private mountDisk(dir: string): void {
    if (isMountPoint(dir)) return;
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    runSync('mount', ['-t', 'tmpfs', '-o', `size=${this.opts.diskMb}m,mode=0755`, 'drill-pg-disk', dir]);
  }

  /** The ballast files' directory: on the node's own filesystem, root-owned. */
  private get ballastDir(): string {
    if (!this.diskDir) throw new Error(`drill: ${this.name} has no disk of its own to fill (diskMb)`);
    return join(this.diskDir, 'ballast');
  }

  /**
   * Fills the node's data filesystem to the last block with root-owned ballast files. PostgreSQL keeps writing
   * while this runs, so a file the size of what was free can fail with ENOSPC: then it takes what is free now.
   */
  fillDisk(): void {
    const dir = this.ballastDir;
    mkdirSync(dir, { recursive: true });
    for (let attempt = 1; attempt <= 5; attempt++) {
      const fs = statfsSync(this.diskDir!);
      const free = fs.bavail * fs.bsize;
      if (free === 0) return;
      try {
        runSync('fallocate', ['-l', String(free), join(dir, String(attempt))]);
        return;
      } catch (e) {
        if (!/No space left on device/.test(String(e))) throw e;
      }
    }
    throw new Error(`drill: could not fill ${this.diskDir} in 5 attempts (PostgreSQL kept taking blocks)`);
  }

  /** Frees what fillDisk took. */
  freeDisk(): void {
    rmSync(this.ballastDir, { recursive: true, force: true });
  }

  /** Unmounts the node's own filesystem (after it stopped). */
  unmountDisk(): void {
    if (this.diskDir && isMountPoint(this.diskDir)) runSync('umount', ['-l', this.diskDir]);
  }

  initPrimary(): void {
    this.freshDirs();
    runSync(
      this.bin('initdb'),
      [
        '-D',
        this.dataDir,
        ...(this.walDir ? ['-X', this.walDir] : []),
        '-U',
        'postgres',
        '-A',
        'trust',
        '--no-sync',
        '-E',
        'UTF8',
      ],
      {
        runAs: this.opts.runAs,
      },
    );
    // Loopback only: superuser and replication trusted (the drill's own control connections), the service's
    // role authenticates with its password as it does against Aurora.
    writeFileSync(
      join(this.dataDir, 'pg_hba.conf'),
      [
        'local all all trust',
        `host replication all ${LOOPBACK}/32 trust`,
        `host all postgres ${LOOPBACK}/32 trust`,
        `${this.opts.tls ? 'hostssl' : 'host'} all all ${LOOPBACK}/32 scram-sha-256`,
        '',
      ].join('\n'),
    );
  }

  /**
   * A fresh standby of `primary` (pg_basebackup), streaming with this node's name as application_name; through
   * 127.0.0.1:`streamVia` instead of the primary's own port when given (a proxy the drill can cut).
   */
  initReplicaOf(primary: PgNode, streamVia?: number): void {
    this.freshDirs();
    runSync(
      this.bin('pg_basebackup'),
      [
        '-h',
        LOOPBACK,
        '-p',
        String(primary.port),
        '-U',
        'postgres',
        '-D',
        this.dataDir,
        ...(this.walDir ? ['--waldir', this.walDir] : []),
        '-X',
        'stream',
        '-c',
        'fast',
        '--no-sync',
      ],
      { runAs: this.opts.runAs },
    );
    const signal = join(this.dataDir, 'standby.signal');
    writeFileSync(signal, '');
    this.own(signal);
    appendFileSync(
      join(this.dataDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=${LOOPBACK} port=${streamVia ?? primary.port} user=postgres application_name=${this.name}'\n`,
    );
  }

  start(): void {
    const args = [
      '-D',
      this.dataDir,
      '-c',
      `port=${this.port}`,
      '-c',
      `listen_addresses=${LOOPBACK}`,
      '-c',
      `unix_socket_directories=${this.socketDir}`,
      '-c',
      'wal_level=replica',
      '-c',
      'max_wal_senders=10',
      '-c',
      'wal_keep_size=512MB',
      '-c',
      'hot_standby=on',
      '-c',
      'hot_standby_feedback=on',
      '-c',
      'synchronous_commit=on',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=64MB',
      // A process kill keeps the OS page cache, so skipping fsync changes nothing these faults can show and keeps
      // the shared CI disk quiet. Durability across the failover comes from synchronous replication.
      '-c',
      'fsync=off',
      '-c',
      'logging_collector=off',
      ...(this.opts.tls
        ? [
            '-c',
            'ssl=on',
            '-c',
            `ssl_cert_file=${this.opts.tls.certFile}`,
            '-c',
            `ssl_key_file=${this.opts.tls.keyFile}`,
          ]
        : []),
    ];
    this.proc = new ManagedProcess({
      name: this.name,
      cmd: this.bin('postgres'),
      args,
      logFile: this.logFile,
      runAs: this.opts.runAs,
      cwd: this.opts.baseDir,
    }).start();
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitUntil(
      `${this.name} to accept connections`,
      async () => (await this.isInRecovery()) !== undefined,
      timeoutMs,
    );
  }

  /** SIGKILL of the postmaster and every backend at once: the host is gone. */
  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  async stop(): Promise<void> {
    await this.proc?.stop(10_000);
  }

  /**
   * SIGSTOP freezes the postmaster and every backend (the host hangs: connections stay open, nothing answers);
   * SIGCONT resumes them where they were.
   */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.proc?.signalTree(sig);
  }

  async promote(): Promise<void> {
    await execFileAsync(this.bin('pg_ctl'), ['promote', '-D', this.dataDir, '-w', '-t', '30'], {
      uid: this.opts.runAs?.uid,
      gid: this.opts.runAs?.gid,
    });
  }

  client(database = 'postgres', user = 'postgres'): Client {
    const c = new Client({ host: LOOPBACK, port: this.port, user, database, connectionTimeoutMillis: 2_000 });
    c.on('error', () => undefined);
    return c;
  }

  async sql<T extends object = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> {
    const c = this.client(database);
    await c.connect();
    try {
      return (await c.query(text, values)).rows as T[];
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** true/false when reachable, undefined when not. */
  async isInRecovery(): Promise<boolean | undefined> {
    try {
      const rows = await this.sql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      return rows[0]?.r;
    } catch {
      return undefined;
    }
  }
}

/** Whether `dir` is a mount point (listed in /proc/mounts). */
export function isMountPoint(dir: string): boolean {
  if (!existsSync('/proc/mounts')) return false;
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === dir);
}

/** Primary + synchronous replica and the operations a failover orchestrator (Patroni, RDS) performs. */
/**
 * Pure: which node is the writer. After a promotion only the promoted node can be, and only while it answers as a
 * primary; before any, the one node answering as a primary. Two nodes answering as primaries with no promotion to
 * decide between them is refused rather than guessed (rebuilding the wrong one would lose its writes).
 */
export function writerOf(
  states: readonly { readonly name: string; readonly inRecovery: boolean | undefined }[],
  promoted: string | undefined,
): string | undefined {
  const primaries = states.filter((s) => s.inRecovery === false).map((s) => s.name);
  if (promoted !== undefined) return primaries.includes(promoted) ? promoted : undefined;
  if (primaries.length > 1) {
    throw new Error(
      `drill: ${primaries.join(' and ')} both answer as primary and no promotion says which writes`,
    );
  }
  return primaries[0];
}

export class PgCluster {
  readonly nodes: [PgNode, PgNode];
  /** The node the last failover promoted: the only one that may be the writer from then on. */
  private promoted: PgNode | undefined;
  private fence: ((node: PgNode, fenced: boolean) => Promise<void>) | undefined;
  readonly appPassword = `drill-${Math.random().toString(36).slice(2)}`;

  constructor(opts: {
    ports: [number, number];
    agentPorts: [number, number];
    baseDir: string;
    tls?: PgTls;
    /** See PgNodeOptions.diskMb (both nodes). */
    diskMb?: number;
  }) {
    const runAs = postgresRunAs();
    // The base dir was made 0700 by mkdtemp; the unprivileged user must be able to reach its own dirs inside.
    if (runAs) chmodSync(opts.baseDir, 0o711);
    if (!runAs && userInfo().uid === 0) throw new Error('drill: refusing to run PostgreSQL as root');
    this.nodes = [
      new PgNode({
        name: 'pg1',
        port: opts.ports[0],
        agentPort: opts.agentPorts[0],
        baseDir: opts.baseDir,
        runAs,
        tls: opts.tls,
        diskMb: opts.diskMb,
      }),
      new PgNode({
        name: 'pg2',
        port: opts.ports[1],
        agentPort: opts.agentPorts[1],
        baseDir: opts.baseDir,
        runAs,
        tls: opts.tls,
        diskMb: opts.diskMb,
      }),
    ];
  }

  async start(): Promise<void> {
    const [p, r] = this.nodes;
    p.initPrimary();
    p.start();
    await p.waitReady();
    await p.sql(`CREATE ROLE ${APP_USER} LOGIN PASSWORD '${this.appPassword}'`);
    await p.sql(`CREATE DATABASE ${APP_DB} OWNER ${APP_USER}`);
    await this.attachSyncReplica(p, r);
  }

  /** Seeds `replica` from `primary`, starts it, waits until it streams, then makes commits wait for it. */
  async attachSyncReplica(primary: PgNode, replica: PgNode): Promise<void> {
    replica.initReplicaOf(primary);
    replica.start();
    await replica.waitReady();
    await this.waitForReplication(
      primary,
      replica,
      "state = 'streaming'",
      `streaming from ${primary.name}`,
      30_000,
    );
    await primary.sql(`ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (${replica.name})'`);
    await primary.sql('SELECT pg_reload_conf()');
    await this.waitForReplication(
      primary,
      replica,
      "sync_state = 'sync'",
      'to be the synchronous standby',
      15_000,
    );
  }

  /** Waits until `primary`'s pg_stat_replication row for `replica` meets `condition`. */
  private async waitForReplication(
    primary: PgNode,
    replica: PgNode,
    condition: string,
    what: string,
    timeoutMs: number,
  ): Promise<void> {
    await waitUntil(
      `${replica.name} ${what}`,
      async () =>
        (
          await primary.sql(
            `SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND ${condition}`,
            [replica.name],
          )
        ).length === 1,
      timeoutMs,
    );
  }

  /**
   * The writer: the node the last promotion chose (only while it answers as a primary; a zombie old primary that
   * resumed after the promotion also answers as one, and is never it), or before any promotion the node that
   * answers and is not in recovery.
   */
  async primary(): Promise<PgNode | undefined> {
    const states = await Promise.all(
      this.nodes.map(async (n) => ({
        name: n.name,
        inRecovery: n.running ? await n.isInRecovery() : undefined,
      })),
    );
    const name = writerOf(states, this.promoted?.name);
    return this.nodes.find((n) => n.name === name);
  }

  /** Makes the writer endpoint refuse (fenced) or accept a node as its writer (the sidecar's health agent). */
  useFence(fence: (node: PgNode, fenced: boolean) => Promise<void>): void {
    this.fence = fence;
  }

  /**
   * Failover as an orchestrator does it: fence the old primary first (it may only be frozen and come back believing
   * it is the writer), then promote the surviving standby, and since its partner is gone let commits proceed without
   * a synchronous standby until one is re-attached (Patroni's non-strict synchronous mode; Aurora's storage keeps six
   * copies, so it has no such window).
   */
  async promote(node: PgNode): Promise<void> {
    for (const other of this.nodes) if (other !== node) await this.fence?.(other, true);
    this.promoted = node;
    await node.promote();
    await waitUntil(
      `${node.name} to leave recovery`,
      async () => (await node.isInRecovery()) === false,
      30_000,
      100,
    );
    await node.sql(`ALTER SYSTEM SET synchronous_standby_names = ''`);
    await node.sql('SELECT pg_reload_conf()');
  }

  /**
   * After a failover: rebuild the other node (dead, or a zombie old primary) as the writer's synchronous standby,
   * always from the writer (the promoted node), then lift its fence: as a standby it can never be the writer.
   */
  async repair(): Promise<void> {
    const primary = await this.primary();
    if (!primary) throw new Error('drill: no PostgreSQL writer to repair from');
    const other = this.nodes.find((n) => n !== primary)!;
    if (other.running) await other.kill();
    await this.attachSyncReplica(primary, other);
    await this.fence?.(other, false);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    for (const n of this.nodes) n.unmountDisk();
  }
}
