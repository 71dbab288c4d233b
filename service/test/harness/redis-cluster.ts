/**
 * A real Redis Cluster (cluster mode enabled, N masters, no replicas, as an ElastiCache cluster-mode group looks
 * to a client) on loopback. Nodes keep their cluster config (nodes.conf) across stop()/start(), so a restarted
 * cluster comes back with the same slots; data is not persisted (it is a cache).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import { run, spawnTracked, TrackedProcess, WaitAborted, waitFor } from './processes';

/** Options for {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** Number of masters (slots are split evenly). @default 3 */
  readonly masters?: number;
  /** requirepass/masterauth for every node. @default none */
  readonly password?: string;
}

/** A running (or stopped) Redis Cluster. */
export class RedisCluster {
  private readonly processes = new Map<number, TrackedProcess>();

  constructor(
    readonly ports: readonly number[],
    readonly dir: string,
    readonly password?: string,
  ) {}

  readonly host = '127.0.0.1';

  /** Seed list in the service's REDIS_NODES format: "127.0.0.1:p1,127.0.0.1:p2,...". */
  get seeds(): string {
    return this.ports.map((p) => `${this.host}:${p}`).join(',');
  }

  /** Seed nodes as objects (ioredis Cluster startup nodes). */
  get nodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: this.host, port }));
  }

  /** Process ids of the running nodes (for CPU/memory accounting). */
  get pids(): number[] {
    return [...this.processes.values()].filter((p) => p.running).map((p) => p.child.pid as number);
  }

  get running(): boolean {
    return [...this.processes.values()].some((p) => p.running);
  }

  /** Starts every node (again) and waits until the cluster state is ok on all of them. */
  async start(): Promise<void> {
    for (const port of this.ports) {
      if (this.processes.get(port)?.running) continue;
      const nodeDir = path.join(this.dir, String(port));
      fs.mkdirSync(nodeDir, { recursive: true });
      const args = [
        '--port',
        String(port),
        '--bind',
        this.host,
        '--protected-mode',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(nodeDir, 'nodes.conf'),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        nodeDir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ];
      if (this.password) args.push('--requirepass', this.password, '--masterauth', this.password);
      this.processes.set(port, spawnTracked('redis-server', args));
    }
    await Promise.all(
      this.ports.map((port) =>
        waitFor(
          `redis node ${port}`,
          async () => {
            const proc = this.processes.get(port);
            if (proc && !proc.running)
              throw new WaitAborted(`redis-server ${port} exited:\n${proc.recentOutput()}`);
            return (await this.cli(port, 'PING')).trim() === 'PONG';
          },
          15000,
        ),
      ),
    );
    if (await this.hasSlots()) await this.waitHealthy();
  }

  /** Stops every node (SIGTERM, or SIGKILL for a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop(signal, 10000)));
  }

  /** Stops the cluster and deletes its directory. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs redis-cli against one node (with -c so cluster redirects are followed) and returns its output. */
  cli(port: number, ...command: string[]): Promise<string> {
    const auth = this.password ? ['--no-auth-warning', '-a', this.password] : [];
    return run('redis-cli', ['-h', this.host, '-p', String(port), ...auth, '-c', ...command]);
  }

  /** Waits until every node reports cluster_state:ok. */
  async waitHealthy(timeoutMs = 20000): Promise<void> {
    await waitFor(
      'redis cluster_state:ok on every node',
      async () => {
        const infos = await Promise.all(this.ports.map((p) => this.cli(p, 'CLUSTER', 'INFO')));
        return infos.every((i) => i.includes('cluster_state:ok'));
      },
      timeoutMs,
      200,
    );
  }

  private async hasSlots(): Promise<boolean> {
    const info = await this.cli(this.ports[0], 'CLUSTER', 'INFO');
    return !info.includes('cluster_slots_assigned:0');
  }

  /** Assigns slots across the masters (first start only). */
  async create(): Promise<void> {
    const auth = this.password ? ['-a', this.password, '--no-auth-warning'] : [];
    await run('redis-cli', [
      ...auth,
      '--cluster',
      'create',
      ...this.ports.map((p) => `${this.host}:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await this.waitHealthy();
  }
}

/** Starts an N-master Redis Cluster on free loopback ports (port and port+10000 bus port both free). */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (masters < 3)
    throw new Error(`masters must be >= 3 (redis-cli --cluster create needs 3), got ${masters}`);
  // Other processes may grab a port (or its bus port) between the check and the bind: retry on fresh ports.
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freePort(10000));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-redis-'));
    const cluster = new RedisCluster(ports, dir, options.password);
    try {
      await cluster.start();
      await cluster.create();
      return cluster;
    } catch (err) {
      await cluster.destroy();
      if (attempt >= 3) throw err;
    }
  }
}
