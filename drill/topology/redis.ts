/**
 * Redis Cluster, 3 masters + 3 replicas on loopback (redis-cli --cluster create --cluster-replicas 1), standing for
 * the ElastiCache cluster-mode replication group. cluster-node-timeout is short (2 s) so a master's death is
 * detected and its replica promoted within seconds, as ElastiCache's automatic failover does (more slowly).
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinary, LOOPBACK, ManagedProcess, waitForTcp, waitUntil } from './proc';

const execFileAsync = promisify(execFile);

export const CLUSTER_NODE_TIMEOUT_MS = 2_000;

export interface ClusterNodeInfo {
  readonly port: number;
  readonly role: 'master' | 'slave';
  readonly failed: boolean;
  readonly hasSlots: boolean;
}

/** TLS on every port (clients, cluster bus, replication) and AUTH, as ElastiCache with in-transit encryption. */
export interface RedisSecurity {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that signed certFile (redis-cli and the cluster bus verify with it). */
  readonly caFile: string;
  readonly password: string;
}

export class RedisNode {
  private proc: ManagedProcess | undefined;
  constructor(
    public readonly port: number,
    /** The cluster bus port, given explicitly: Redis's default, port + 10000, is a port nobody checked was free. */
    public readonly busPort: number,
    private readonly dir: string,
    private readonly security?: RedisSecurity,
  ) {}

  /** redis-cli flags that reach this node (TLS and AUTH when secured). */
  get cliFlags(): string[] {
    const s = this.security;
    return s ? ['--tls', '--cacert', s.caFile, '-a', s.password, '--no-auth-warning'] : [];
  }

  private serverArgs(): string[] {
    const s = this.security;
    if (!s) return ['--port', String(this.port)];
    return [
      '--port',
      '0',
      '--tls-port',
      String(this.port),
      '--tls-cert-file',
      s.certFile,
      '--tls-key-file',
      s.keyFile,
      '--tls-ca-cert-file',
      s.caFile,
      '--tls-cluster',
      'yes',
      '--tls-replication',
      'yes',
      // ElastiCache asks clients for no certificate.
      '--tls-auth-clients',
      'no',
      '--requirepass',
      s.password,
      '--masterauth',
      s.password,
    ];
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  start(): void {
    mkdirSync(this.dir, { recursive: true });
    this.proc = new ManagedProcess({
      name: `redis-${this.port}`,
      cmd: findBinary('redis-server'),
      args: [
        ...this.serverArgs(),
        '--bind',
        LOOPBACK,
        '--dir',
        this.dir,
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(this.busPort),
        '--cluster-config-file',
        join(this.dir, 'nodes.conf'),
        '--cluster-node-timeout',
        String(CLUSTER_NODE_TIMEOUT_MS),
        '--appendonly',
        'no',
        '--save',
        '',
        '--daemonize',
        'no',
      ],
      logFile: join(this.dir, 'redis.log'),
      cwd: this.dir,
    }).start();
  }

  /** SIGSTOP freezes the node (it keeps its sockets and answers nothing), SIGCONT resumes it. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.proc?.signal(sig);
  }

  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  /** Waits until the node accepts connections; if it does not, the error carries the end of its log. */
  async waitListening(timeoutMs: number): Promise<void> {
    try {
      await waitForTcp(this.port, timeoutMs);
    } catch (err) {
      const state = this.running ? 'still running' : 'exited';
      throw new Error(
        `${(err as Error).message} (redis-${this.port}, ${state}); its log ends:\n${this.proc?.logTail() ?? ''}`,
      );
    }
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5_000);
  }

  async cli(...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync(
      findBinary('redis-cli'),
      ['-h', LOOPBACK, '-p', String(this.port), ...this.cliFlags, ...args],
      { timeout: 10_000 },
    );
    return stdout;
  }
}

export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((line) => {
      const parts = line.split(' ');
      const port = Number(parts[1].split('@')[0].split(':').pop());
      const flags = parts[2].split(',');
      return {
        port,
        role: flags.includes('master') ? 'master' : 'slave',
        failed: flags.includes('fail') || flags.includes('fail?') || flags.includes('noaddr'),
        hasSlots: parts.length > 8,
      } as const;
    });
}

export interface RedisClusterOptions {
  /** Client ports: 3 masters + 3 replicas. */
  readonly ports: readonly number[];
  /** Cluster bus ports, one per node, each free and none among `ports`. */
  readonly busPorts: readonly number[];
  /** Each node's directory is made under this one. */
  readonly dir: string;
  /** @default plaintext without AUTH */
  readonly security?: RedisSecurity;
}

export class RedisCluster {
  readonly nodes: RedisNode[];

  constructor(opts: RedisClusterOptions) {
    const { ports, busPorts } = opts;
    if (ports.length !== 6)
      throw new Error(`drill: Redis Cluster needs 6 ports (3 masters + 3 replicas), got ${ports.length}`);
    if (busPorts.length !== ports.length)
      throw new Error(
        `drill: Redis Cluster needs one bus port per node (${ports.length}), got ${busPorts.length}`,
      );
    if (new Set([...ports, ...busPorts]).size !== ports.length * 2)
      throw new Error(
        `drill: Redis Cluster ports and bus ports must all differ: ${[...ports, ...busPorts].join(', ')}`,
      );
    this.nodes = ports.map(
      (p, i) => new RedisNode(p, busPorts[i], join(opts.dir, `redis-${p}`), opts.security),
    );
  }

  /** Comma list host:port for REDIS_NODES. */
  get seeds(): string {
    return this.nodes.map((n) => `${LOOPBACK}:${n.port}`).join(',');
  }

  async start(): Promise<void> {
    for (const n of this.nodes) n.start();
    await Promise.all(this.nodes.map((n) => n.waitListening(15_000)));
    await execFileAsync(
      findBinary('redis-cli'),
      [
        ...this.nodes[0].cliFlags,
        '--cluster',
        'create',
        ...this.nodes.map((n) => `${LOOPBACK}:${n.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    await this.waitHealthy();
  }

  /** Every running node reports cluster_state:ok and 3 masters with slots, none failed. */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    await waitUntil(
      'Redis Cluster state ok on every node',
      async () => {
        for (const n of this.nodes) {
          if (!n.running) return false;
          if (!(await n.cli('cluster', 'info')).includes('cluster_state:ok')) return false;
        }
        const view = parseClusterNodes(await this.nodes[0].cli('cluster', 'nodes'));
        return (
          view.filter((v) => v.role === 'master' && v.hasSlots && !v.failed).length === 3 &&
          view.every((v) => !v.failed)
        );
      },
      timeoutMs,
      250,
    );
  }

  /** A running master that serves slots, seen from another running node. */
  async aMaster(): Promise<RedisNode> {
    const observer = this.nodes.find((n) => n.running)!;
    const view = parseClusterNodes(await observer.cli('cluster', 'nodes'));
    const m = view.find((v) => v.role === 'master' && v.hasSlots && !v.failed);
    const node = this.nodes.find((n) => n.port === m?.port);
    if (!node) throw new Error('drill: no Redis master found');
    return node;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  /** Restarts stopped nodes from their nodes.conf (a killed master rejoins as a replica of its successor). */
  async restartStopped(): Promise<void> {
    const stopped = this.nodes.filter((n) => !n.running);
    for (const n of stopped) n.start();
    await Promise.all(stopped.map((n) => waitForTcp(n.port, 15_000)));
    await this.waitHealthy();
  }
}
