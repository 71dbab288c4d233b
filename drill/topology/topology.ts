/**
 * One region scaled down onto 127.0.0.1: 6 service instances in 3 "AZs" behind HAProxy (the ALB), a PostgreSQL
 * primary with a synchronous replica behind writer/reader endpoints (the Aurora cluster), a 3+3 Redis Cluster (the
 * ElastiCache replication group), and the sidecar (PostgreSQL health agents, delay proxies on the database path).
 *
 *   load ─► HAProxy alb :A ─► az{1,2,3}-{a,b} ─► sidecar delay proxy 127.0.0.1:D / 127.0.0.2:D
 *                                   │                   └► HAProxy pg_writer 127.0.0.1:W / pg_reader 127.0.0.2:W
 *                                   │                          └► pg1 / pg2 (checked via agents :G1 / :G2)
 *                                   └► Redis Cluster 6 nodes
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { serviceBuildOptions } from '../../service/build-options';
import { azRunAs, ServiceInstance, fleetLayout } from './fleet';
import { Haproxy, FLEET_BACKEND } from './haproxy';
import { APP_DB, APP_USER, PgCluster } from './postgres';
import {
  freePort,
  freePorts,
  isRoot,
  LOOPBACK,
  makeTempDir,
  ManagedProcess,
  registerTempDir,
  waitForTcp,
} from './proc';
import { Partition } from './partition';
import { RedisCluster } from './redis';
import { AutomaticTargetWeights } from './target-weights';

/** The reader endpoint's address: same port as the writer (the contract has one DB_PORT), another loopback IP. */
export const READER_HOST = '127.0.0.2';
const REPO_ROOT = resolve(__dirname, '..', '..');

export interface TopologyOptions {
  readonly log: (msg: string) => void;
  /** Seconds a SIGTERMed instance keeps serving before it closes (the ALB deregistration delay stand-in). */
  readonly drainSeconds?: number;
  /** See HaproxyConfigInput.passiveHealth. @default false (the ALB model) */
  readonly passiveHealth?: boolean;
  /**
   * The ALB with weighted random and automatic target weights (HaproxyConfigInput.weightedRandom and
   * target-weights.ts); otherwise round robin. @default false
   */
  readonly weightedRandom?: boolean;
  /** Added to every instance's environment. @default {} */
  readonly serviceEnv?: Record<string, string>;
}

async function buildBundles(
  dir: string,
  log: (m: string) => void,
): Promise<{ service: { cmd: string; args: string[] }; sidecar: string }> {
  const sidecar = join(dir, 'sidecar.js');
  await build({
    entryPoints: [join(REPO_ROOT, 'drill', 'topology', 'sidecar.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: sidecar,
    external: ['pg-native'],
    logLevel: 'warning',
  });
  const prebuilt = process.env.DRILL_SERVICE_BUNDLE;
  if (prebuilt) {
    log(`using the prebuilt service bundle ${prebuilt} (DRILL_SERVICE_BUNDLE)`);
    return { service: { cmd: process.execPath, args: [resolve(prebuilt)] }, sidecar };
  }
  // The production bundle, built exactly as the CDK asset is.
  const outfile = join(dir, 'service', 'index.js');
  await build({ ...serviceBuildOptions(outfile), logLevel: 'warning' });
  log(`built service bundle ${outfile}`);
  return { service: { cmd: process.execPath, args: [outfile] }, sidecar };
}

/** A port free on both loopback addresses (writer and reader endpoints share it). */
async function dualFreePort(): Promise<number> {
  const { createServer } = await import('node:net');
  for (;;) {
    const port = await freePort();
    const ok = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(port, READER_HOST, () => s.close(() => res(true)));
    });
    if (ok) return port;
  }
}

export class Topology {
  readonly dir: string;
  pg!: PgCluster;
  redis!: RedisCluster;
  haproxy!: Haproxy;
  instances: ServiceInstance[] = [];
  /** The environment every instance gets (the service's defaults apply to everything not set here). */
  serviceEnv: NodeJS.ProcessEnv = {};
  albUrl = '';
  /** Set with weightedRandom: the automatic target weights stand-in. */
  targetWeights: AutomaticTargetWeights | undefined;
  /** Cuts AZs off from the data tier (see partition.ts). */
  readonly partition = new Partition();
  /** Every port an instance connects to for data: the database path (both endpoints) and each Redis node. */
  dataTierPorts: number[] = [];
  private sidecar!: ManagedProcess;
  private controlPort = 0;

  constructor(private readonly opts: TopologyOptions) {
    this.dir = registerTempDir(makeTempDir('drill-'));
  }

  async start(): Promise<void> {
    const log = this.opts.log;
    log(`working dir ${this.dir}`);
    const bundles = await buildBundles(join(this.dir, 'bin'), log);

    const [pg1, pg2, agent1, agent2, albPort, controlPort, ...rest] = await freePorts(6 + 6 + 6 + 6);
    const redisPorts = rest.slice(0, 6);
    const redisBusPorts = rest.slice(6, 12);
    const instancePorts = rest.slice(12, 18);
    const haproxyDbPort = await dualFreePort();
    let proxyPort = await dualFreePort();
    while (proxyPort === haproxyDbPort) proxyPort = await dualFreePort();
    this.controlPort = controlPort;

    const root = isRoot();
    // Under root each node's data directory gets a disk of its own that the drill can fill (db-disk-full).
    this.pg = new PgCluster({
      ports: [pg1, pg2],
      agentPorts: [agent1, agent2],
      baseDir: this.dir,
      ...(root ? { diskMb: 256 } : {}),
    });
    await this.pg.start();
    log(`PostgreSQL pg1 :${pg1} primary, pg2 :${pg2} synchronous standby`);

    this.sidecar = new ManagedProcess({
      name: 'sidecar',
      cmd: process.execPath,
      args: [
        bundles.sidecar,
        JSON.stringify({
          controlPort,
          agents: [
            { pgPort: pg1, agentPort: agent1 },
            { pgPort: pg2, agentPort: agent2 },
          ],
          proxies: [
            { listenHost: LOOPBACK, listenPort: proxyPort, targetHost: LOOPBACK, targetPort: haproxyDbPort },
            {
              listenHost: READER_HOST,
              listenPort: proxyPort,
              targetHost: READER_HOST,
              targetPort: haproxyDbPort,
            },
          ],
        }),
      ],
      logFile: join(this.dir, 'sidecar.log'),
    }).start();
    await waitForTcp(controlPort, 10_000);
    this.pg.useFence((node, fenced) => this.setPgFence(node.port, fenced));

    const layout = fleetLayout(instancePorts);
    this.haproxy = new Haproxy(
      {
        albPort,
        instances: layout.map((s) => ({ name: s.name, port: s.port })),
        writerHost: LOOPBACK,
        readerHost: READER_HOST,
        dbFrontendPort: haproxyDbPort,
        pgNodes: this.pg.nodes.map((n) => ({ name: n.name, port: n.port, agentPort: n.opts.agentPort })),
        adminSocket: join(this.dir, 'haproxy.sock'),
        passiveHealth: this.opts.passiveHealth ?? false,
        weightedRandom: this.opts.weightedRandom ?? false,
      },
      this.dir,
    );
    await this.haproxy.start();
    await this.haproxy.waitServerUp('pg_primary', 'pg1');
    await this.haproxy.waitServerUp('pg_replicas', 'pg2');
    this.albUrl = `http://${LOOPBACK}:${albPort}`;

    this.redis = new RedisCluster({ ports: redisPorts, busPorts: redisBusPorts, dir: this.dir });
    await this.redis.start();
    log(`Redis Cluster ${this.redis.seeds}`);

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DB_WRITER_HOST: LOOPBACK,
      DB_READER_HOST: READER_HOST,
      DB_PORT: String(proxyPort),
      DB_NAME: APP_DB,
      DB_USER: APP_USER,
      DB_PASSWORD: this.pg.appPassword,
      REDIS_NODES: this.redis.seeds,
      READINESS_GRACE_SECONDS: '30',
      SHUTDOWN_DRAIN_SECONDS: String(this.opts.drainSeconds ?? 3),
      LOG_LEVEL: 'warn',
      ...this.opts.serviceEnv,
    };
    const logDir = join(this.dir, 'service-logs');
    mkdirSync(logDir, { recursive: true });
    this.serviceEnv = env;
    this.dataTierPorts = [proxyPort, ...redisPorts];
    // Under root every AZ's instances run as that AZ's own user (what a partition matches on): they read the
    // bundle and nothing else, and write only to the log files this process opens for them.
    if (root) chmodSync(this.dir, 0o711);
    this.instances = layout.map(
      (s) => new ServiceInstance(s, bundles.service, env, logDir, azRunAs(s.az, root)),
    );
    // The first instance runs the schema migration alone, then the rest start together.
    this.instances[0].start();
    await this.instances[0].waitReady();
    for (const i of this.instances.slice(1)) i.start();
    await Promise.all(this.instances.map((i) => i.waitReady()));
    await this.waitFleetUp();
    if (this.opts.weightedRandom) {
      this.targetWeights = new AutomaticTargetWeights(this.haproxy, FLEET_BACKEND);
      this.targetWeights.start();
    }
    log(`fleet of ${this.instances.length} behind ${this.albUrl}`);
  }

  async waitFleetUp(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.instances.map((i) => this.haproxy.waitServerUp(FLEET_BACKEND, i.name, timeoutMs)));
  }

  /** The ASG relaunches whatever is not running; resolves when every instance is back in service. */
  async relaunchMissing(): Promise<void> {
    const missing = this.instances.filter((i) => !i.running);
    for (const i of missing) i.start();
    await Promise.all(missing.map((i) => i.waitHealthy()));
    await this.waitFleetUp();
  }

  /** Fences a PostgreSQL node out of the writer endpoint (or lifts the fence); see sidecar.ts. */
  async setPgFence(pgPort: number, fenced: boolean): Promise<void> {
    const res = await fetch(
      `http://${LOOPBACK}:${this.controlPort}/fence?pgPort=${pgPort}&fenced=${fenced ? 1 : 0}`,
    );
    const body = (await res.json()) as { fencedPgPorts: number[] };
    if (body.fencedPgPorts.includes(pgPort) !== fenced)
      throw new Error(`drill: sidecar did not ${fenced ? 'fence' : 'unfence'} PostgreSQL :${pgPort}`);
  }

  async setDbDelay(ms: number): Promise<void> {
    const res = await fetch(`http://${LOOPBACK}:${this.controlPort}/delay?ms=${ms}`);
    const body = (await res.json()) as { delayMs: number };
    if (body.delayMs !== ms) throw new Error(`drill: sidecar refused delay ${ms} ms`);
  }

  async stop(): Promise<void> {
    this.targetWeights?.stop();
    this.partition.heal();
    await Promise.all(this.instances.map((i) => i.stop()));
    await this.redis?.stopAll();
    await this.haproxy?.stop();
    await this.sidecar?.stop(2_000);
    await this.pg?.stop();
  }
}
