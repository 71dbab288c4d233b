/**
 * Process and filesystem plumbing for the drill: free loopback ports, temp dirs, binaries, and child processes that
 * run in their own process group (so a SIGKILL takes the whole "host" down at once, as a crash would) and are all
 * stopped on exit, SIGINT or error.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LOOPBACK = '127.0.0.1';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every port handed out in this process: two parts of the drill never get the same one, whoever binds first. */
const handedOut = new Set<number>();

/** A port the kernel just handed out on 127.0.0.1 (closed again, so the next bind normally gets it). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A free loopback port that no earlier call in this process returned. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) ports.push(await freePort());
  return ports;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** First executable found on PATH or in the extra directories (PostgreSQL's Debian binaries are off PATH). */
export function findBinary(name: string, extraDirs: readonly string[] = []): string {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `drill: '${name}' not found on PATH or in ${extraDirs.join(', ') || '(no extra dirs)'}; run .ci/install-servers.sh --drill`,
  );
}

/** /usr/lib/postgresql/<major>/bin, newest major first. */
export function postgresBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'));
}

export async function waitForTcp(port: number, timeoutMs: number, host = LOOPBACK): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ port, host });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`drill: nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await check();
    } catch {
      ok = false;
    }
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`drill: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Whether the drill runs as root (the partition, the database's own disk and the per-AZ users need it). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Runs a command to completion (synchronously: only used during set-up and repair, never under load timing). */
export function runSync(
  cmd: string,
  args: readonly string[],
  opts: { runAs?: RunAs; env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): string {
  const res = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    uid: opts.runAs?.uid,
    gid: opts.runAs?.gid,
    timeout: 120_000,
  });
  if (res.status !== 0) {
    throw new Error(
      `drill: ${cmd} ${args.join(' ')} exited ${res.status ?? res.signal}: ${(res.stderr || res.stdout || String(res.error ?? '')).trim()}`,
    );
  }
  return res.stdout;
}

/** Parent pid from /proc/<pid>/stat (the command name in parentheses may contain spaces). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every descendant of pid (Linux /proc). PostgreSQL backends setsid() into groups of their own. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    if (ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Every process the drill started, so cleanup can find them whatever happened. */
const live = new Set<ManagedProcess>();

export interface ManagedProcessOptions {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly runAs?: RunAs;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(public readonly opts: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): this {
    if (this.running) throw new Error(`drill: ${this.opts.name} already running`);
    const fd = openSync(this.opts.logFile, 'a');
    // detached: own process group, so kill(-pid) reaches every process of this "host" (postgres backends too).
    const child = spawn(this.opts.cmd, [...this.opts.args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: this.opts.env ?? process.env,
      cwd: this.opts.cwd,
      uid: this.opts.runAs?.uid,
      gid: this.opts.runAs?.gid,
    });
    closeSync(fd);
    this.child = child;
    live.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(this);
        resolve();
      });
      child.once('error', () => {
        live.delete(this);
        resolve();
      });
    });
    return this;
  }

  /** Signals the whole process group (falls back to the leader if the group is gone). */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** Signals the group and every descendant (PostgreSQL's backends each run in a session of their own). */
  signalTree(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    // The leader first: a frozen postmaster cannot fork a backend the walk below would miss.
    this.signal(sig);
    for (const p of existsSync('/proc') ? descendants(pid) : []) {
      try {
        process.kill(p, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * SIGKILL the leader, its process group and every descendant in one go: the host is gone. (Signalling the group
   * alone would miss PostgreSQL's backends, which each run in a session of their own.)
   */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    const tree = existsSync('/proc') ? descendants(pid) : [];
    this.signal('SIGKILL');
    for (const p of tree) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  waitExit(): Promise<void> {
    return this.exited;
  }

  /** The last lines of the process's log, for an error that says why it did not come up. */
  logTail(lines = 20): string {
    if (!existsSync(this.opts.logFile)) return '(no log)';
    return readFileSync(this.opts.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }
}

/** Kills every process still running (synchronously, so it also works from an 'exit' handler). */
export function killAllSync(): void {
  for (const p of live) p.signal('SIGKILL');
}

export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(graceMs)));
}

const tempDirs: string[] = [];
export function registerTempDir(dir: string): string {
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) {
    // A filesystem the drill mounted inside (a database node's own disk) goes first, whatever stopped the run.
    const mounts = existsSync('/proc/mounts')
      ? readFileSync('/proc/mounts', 'utf8')
          .split('\n')
          .map((l) => l.split(' ')[1])
          .filter((m) => m !== undefined && m.startsWith(`${dir}/`))
      : [];
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a drill's main(): exits with its code; on an error logs it, kills every process and removes the temp dirs
 * (exit 2). Every child is also killed when the process exits for any other reason.
 */
export function runDrillMain(main: () => Promise<number>, log: (msg: string) => void): void {
  process.on('exit', () => killAllSync());
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      log(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      killAllSync();
      removeTempDirs();
      process.exit(2);
    },
  );
}
