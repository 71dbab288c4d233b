/**
 * One scaled-down region of the pair on loopback: service instances (the production bundle) behind HAProxy (the
 * ALB model of drill/topology/haproxy.ts: active /healthz checks, no retries), its own 3+3 Redis Cluster, and its
 * PostgreSQL node (the region's Aurora cluster; writer or Global Database secondary, see global-database.ts). The
 * services reach their own region's node as both writer and reader endpoint, as a secondary cluster's endpoints
 * both point at its read-only cluster until it is promoted.
 * Pilot light (drill:region --profile pilot-light): the DR region rests with fewer instances (the others start when
 * the runbook raises the fleet) and reaches its node through a gate that stays shut until the runbook has "added an
 * Aurora instance" (a headless secondary keeps storage in sync and serves nothing).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fleetLayout, ServiceInstance } from '../topology/fleet';
import { FLEET_BACKEND, Haproxy } from '../topology/haproxy';
import { APP_DB, APP_USER, PgNode, postgresRunAs } from '../topology/postgres';
import { startTcpProxy, type TcpProxy } from '../../service/test/harness/tcp-proxy';
import { freePorts, LOOPBACK } from '../topology/proc';
import { READER_HOST } from '../topology/topology';
import { RedisCluster } from '../topology/redis';

export interface RegionOptions {
  readonly name: string;
  readonly dir: string;
  /** Instances, spread over `azs` "AZs". */
  readonly instances: number;
  readonly azs: number;
  readonly readinessGraceSeconds: number;
  /** Pilot light: instances running at rest; the runbook's scale-up starts the others. @default instances */
  readonly restingInstances?: number;
  /** Pilot light: the services reach the node through a gate shut until an instance is added. @default false */
  readonly headless?: boolean;
}

export class Region {
  readonly pg: PgNode;
  redis!: RedisCluster;
  haproxy!: Haproxy;
  instances: ServiceInstance[] = [];
  albUrl = '';
  /** Instances the fleet should run (the group's DesiredCapacity). */
  wanted: number;
  /** Headless: the path from the services to the node, shut until openDatabase(). */
  private dbGate?: TcpProxy;

  private constructor(
    readonly opts: RegionOptions,
    private readonly ports: {
      alb: number;
      db: number;
      redis: number[];
      redisBus: number[];
      instances: number[];
    },
  ) {
    mkdirSync(opts.dir, { recursive: true });
    this.wanted = opts.restingInstances ?? opts.instances;
    this.pg = new PgNode({
      name: `pg-${opts.name}`,
      port: ports.db,
      agentPort: 0, // no health agent: nothing in this region balances between database nodes
      baseDir: opts.dir,
      runAs: postgresRunAs(),
    });
  }

  static async create(opts: RegionOptions): Promise<Region> {
    const [alb, db, ...rest] = await freePorts(2 + 6 + 6 + opts.instances);
    return new Region(opts, {
      alb,
      db,
      redis: rest.slice(0, 6),
      redisBus: rest.slice(6, 12),
      instances: rest.slice(12),
    });
  }

  /** Redis and the balancer (the database node is started by the global database). */
  async startInfrastructure(): Promise<void> {
    this.redis = new RedisCluster({
      ports: this.ports.redis,
      busPorts: this.ports.redisBus,
      dir: this.opts.dir,
    });
    await this.redis.start();
    const layout = fleetLayout(this.ports.instances, this.opts.azs);
    // The in-region database endpoints of the ALB model are not used here: one node per region, reached directly.
    const [dbFrontend] = await freePorts(1);
    this.haproxy = new Haproxy(
      {
        albPort: this.ports.alb,
        instances: layout.map((s) => ({ name: s.name, port: s.port })),
        writerHost: LOOPBACK,
        readerHost: READER_HOST,
        dbFrontendPort: dbFrontend,
        pgNodes: [],
        adminSocket: join(this.opts.dir, 'haproxy.sock'),
      },
      this.opts.dir,
    );
    await this.haproxy.start();
    this.albUrl = `http://${LOOPBACK}:${this.ports.alb}`;
    if (this.opts.headless) {
      this.dbGate = await startTcpProxy(this.pg.port, LOOPBACK);
      this.dbGate.setRefusing(true);
    }
  }

  /** Headless no more: an instance was added, the services reach the node. */
  openDatabase(): void {
    this.dbGate?.setRefusing(false);
  }

  /** The group's DesiredCapacity raised: the instances not yet running start (their boot is not awaited). */
  raiseFleet(size: number): void {
    this.wanted = Math.min(size, this.instances.length);
    for (const i of this.instances.slice(0, this.wanted)) if (!i.running) i.start();
  }

  /** Instances the balancer has UP (the group's InService and Healthy). */
  async inService(): Promise<number> {
    const up = await Promise.all(
      this.instances.map(
        async (i) => i.running && (await this.haproxy.serverStatus(FLEET_BACKEND, i.name)) === 'UP',
      ),
    );
    return up.filter(Boolean).length;
  }

  async startFleet(service: { cmd: string; args: string[] }, appPassword: string): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DB_WRITER_HOST: LOOPBACK,
      DB_READER_HOST: LOOPBACK,
      DB_PORT: String(this.dbGate?.port ?? this.pg.port),
      DB_NAME: APP_DB,
      DB_USER: APP_USER,
      DB_PASSWORD: appPassword,
      REDIS_NODES: this.redis.seeds,
      READINESS_GRACE_SECONDS: String(this.opts.readinessGraceSeconds),
      SHUTDOWN_DRAIN_SECONDS: '1',
      LOG_LEVEL: 'warn',
    };
    const logDir = join(this.opts.dir, 'service-logs');
    mkdirSync(logDir, { recursive: true });
    if (this.instances.length === 0) {
      this.instances = fleetLayout(this.ports.instances, this.opts.azs).map(
        (s) => new ServiceInstance(s, service, env, logDir),
      );
    }
    const running = this.instances.slice(0, this.wanted);
    for (const i of running) if (!i.running) i.start();
    await Promise.all(running.map((i) => i.waitHealthy(60_000)));
    await Promise.all(running.map((i) => this.haproxy.waitServerUp(FLEET_BACKEND, i.name, 30_000)));
  }

  /** The whole region is gone at once: every process SIGKILLed. */
  async killAll(): Promise<void> {
    await Promise.all([
      ...this.instances.map((i) => i.kill()),
      this.haproxy.stop(),
      ...this.redis.nodes.map((n) => n.kill()),
      this.pg.kill(),
    ]);
  }

  /** Brings back what killAll took (the database node is rebuilt by the global database). */
  async restart(service: { cmd: string; args: string[] }, appPassword: string): Promise<void> {
    await this.redis.restartStopped();
    await this.haproxy.start();
    await this.startFleet(service, appPassword);
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop()));
    await this.redis?.stopAll();
    await this.haproxy?.stop();
    await this.dbGate?.close();
    await this.pg.stop();
  }
}
