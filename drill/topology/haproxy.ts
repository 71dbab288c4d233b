/**
 * HAProxy standing for two AWS pieces:
 *  - the ALB: an HTTP frontend over the 6 service instances, active health checks on /healthz every 1 s, down after
 *    2 failures, up after 2 passes, each check timing out as the ALB's does, scaled by the same factor (the ALB
 *    checks every 10 s with a 5 s timeout: here 1 s and 500 ms). Like the ALB it does NOT retry or redispatch a
 *    failed request (retries 0): what the load generator sees is what users would see.
 *  - the Aurora cluster and reader endpoints: TCP frontends that follow whichever PostgreSQL node the health agents
 *    report as writer (GET /primary) or reader (GET /replica; the writer when no reader is up, as Aurora's reader
 *    endpoint does). Sessions to a node marked down are cut, so pools reconnect to the new writer at once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../lib/config/defaults';
import { albHealthCheckTimeoutSeconds } from '../../lib/config/derived';
import { findBinary, LOOPBACK, ManagedProcess, runSync, waitForTcp, waitUntil } from './proc';
import { FULL_WEIGHT } from './target-weights';

export interface HaproxyBackendServer {
  readonly name: string;
  readonly port: number;
}

export interface HaproxyConfigInput {
  readonly albPort: number;
  readonly instances: readonly HaproxyBackendServer[];
  /** Writer frontend: 127.0.0.1:dbPort; reader frontend on the same port of readerHost. */
  readonly writerHost: string;
  readonly readerHost: string;
  readonly dbFrontendPort: number;
  readonly pgNodes: readonly { readonly name: string; readonly port: number; readonly agentPort: number }[];
  readonly adminSocket: string;
  /**
   * Also mark an instance down on its first failed connection (HAProxy `observe layer4`), on top of the active
   * checks. The ALB has no such passive check (its nearest feature, automatic target weights' anomaly mitigation,
   * reacts over many requests), so this is NOT the ALB model: it shows what passive outlier detection would buy.
   * @default false
   */
  readonly passiveHealth?: boolean;
  /**
   * The ALB with fleet.loadBalancingAlgorithm `weighted_random` and automatic target weights (the config default):
   * HAProxy balances with weighted random (`random(1)`) over weight 100 per server, and the drill's
   * AutomaticTargetWeights (target-weights.ts) lowers the weight of a target whose errors stand out.
   * Otherwise round robin (`round_robin`). @default false
   */
  readonly weightedRandom?: boolean;
}

export const FLEET_BACKEND = 'fleet';

/** The drill's balancer runs ten times faster than the ALB it stands for: every ALB timing is divided by this. */
export const ALB_TIME_SCALE = 10;
/** The ALB's target check interval (config fleet.healthCheckIntervalSeconds, default 5 s), scaled. */
export const ALB_CHECK_INTERVAL_MS =
  (DEFAULT_CONFIG.fleet.healthCheckIntervalSeconds * 1000) / ALB_TIME_SCALE;
/** The ALB's health-check timeout for that interval, scaled like the interval. */
export const ALB_CHECK_TIMEOUT_MS = Math.round(
  (albHealthCheckTimeoutSeconds(DEFAULT_CONFIG.fleet.healthCheckIntervalSeconds) * 1000) / ALB_TIME_SCALE,
);
function fleetServerOptions(c: HaproxyConfigInput): string {
  // HAProxy counts `inter` from the end of a check, so a check that times out would make the next one start
  // interval + timeout after it; the ALB checks at its interval whatever the last check did. `fastinter` (used
  // while a server is failing) restores that start-to-start interval.
  const base = `inter ${ALB_CHECK_INTERVAL_MS}ms fastinter ${ALB_CHECK_INTERVAL_MS - ALB_CHECK_TIMEOUT_MS}ms fall 2 rise 2 weight ${FULL_WEIGHT}`;
  if (c.passiveHealth) return `${base} observe layer4 error-limit 1 on-error mark-down`;
  return base;
}

/** Pure: the haproxy.cfg text (unit-tested for the properties the drill's honesty depends on). */
export function haproxyConfig(c: HaproxyConfigInput): string {
  const lines = [
    'global',
    `  stats socket ${c.adminSocket} mode 600 level admin`,
    '  maxconn 4096',
    '',
    'defaults',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // Database endpoints' agents answer at once; the fleet backend sets the ALB's (scaled) timeout below.
    '  timeout check 1s',
    // The ALB forwards each request once: no retry, no redispatch to another target.
    '  retries 0',
    '',
    'frontend alb',
    '  mode http',
    `  bind ${LOOPBACK}:${c.albPort}`,
    '  option http-keep-alive',
    `  default_backend ${FLEET_BACKEND}`,
    '',
    `backend ${FLEET_BACKEND}`,
    '  mode http',
    `  balance ${c.weightedRandom ? 'random(1)' : 'roundrobin'}`,
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    `  timeout check ${ALB_CHECK_TIMEOUT_MS}ms`,
    `  default-server ${fleetServerOptions(c)}`,
    ...c.instances.map((s) => `  server ${s.name} ${LOOPBACK}:${s.port} check`),
    '',
    'frontend pg_writer',
    '  mode tcp',
    '  timeout client 1h',
    `  bind ${c.writerHost}:${c.dbFrontendPort}`,
    '  default_backend pg_primary',
    '',
    'frontend pg_reader',
    '  mode tcp',
    '  timeout client 1h',
    `  bind ${c.readerHost}:${c.dbFrontendPort}`,
    '  use_backend pg_replicas if { nbsrv(pg_replicas) gt 0 }',
    '  default_backend pg_primary',
    '',
    'backend pg_primary',
    '  mode tcp',
    '  timeout server 1h',
    '  option httpchk GET /primary',
    '  http-check expect status 200',
    '  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...c.pgNodes.map((n) => `  server ${n.name} ${LOOPBACK}:${n.port} check port ${n.agentPort}`),
    '',
    'backend pg_replicas',
    '  mode tcp',
    '  timeout server 1h',
    '  balance leastconn',
    '  option httpchk GET /replica',
    '  http-check expect status 200',
    '  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...c.pgNodes.map((n) => `  server ${n.name} ${LOOPBACK}:${n.port} check port ${n.agentPort}`),
    '',
  ];
  return lines.join('\n');
}

export interface ServerStat {
  readonly backend: string;
  readonly server: string;
  readonly status: string;
}

/** Pure: per-server answers (every HTTP status class, plus failed responses) and errors (5xx, failed) from `show stat`. */
export function parseCounters(
  csv: string,
  backend: string,
): { server: string; answers: number; errors: number }[] {
  const [header, ...rows] = csv.split('\n').filter((l) => l.length > 0);
  const cols = header.replace(/^# /, '').split(',');
  const num = (f: string[], n: string): number => Number(f[cols.indexOf(n)] || 0);
  return rows
    .map((r) => r.split(','))
    .filter(
      (f) =>
        f[cols.indexOf('pxname')] === backend && !['FRONTEND', 'BACKEND'].includes(f[cols.indexOf('svname')]),
    )
    .map((f) => {
      const failed = num(f, 'eresp');
      const answers =
        ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].reduce(
          (t, n) => t + num(f, n),
          0,
        ) + failed;
      return { server: f[cols.indexOf('svname')], answers, errors: num(f, 'hrsp_5xx') + failed };
    });
}

/** Pure: "Server fleet/az1-a is DOWN, reason: Layer4 connection problem, ..." → az1-a (Layer4 connection problem). */
export function downEvents(logText: string, backend: string): string[] {
  const re = new RegExp(`Server ${backend}/(\\S+) is DOWN, reason: ([^,]+)`, 'g');
  return [...logText.matchAll(re)].map((m) => `${m[1]} (${m[2]})`);
}

export class Haproxy {
  private proc: ManagedProcess | undefined;
  readonly cfgFile: string;
  readonly logFile: string;

  constructor(
    private readonly input: HaproxyConfigInput,
    private readonly dir: string,
  ) {
    this.cfgFile = join(dir, 'haproxy.cfg');
    this.logFile = join(dir, 'haproxy.log');
  }

  /** HAProxy's own log so far (server state changes are logged there in foreground mode). */
  logText(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async start(): Promise<void> {
    writeFileSync(this.cfgFile, haproxyConfig(this.input));
    const bin = findBinary('haproxy', ['/usr/sbin']);
    runSync(bin, ['-c', '-q', '-f', this.cfgFile]);
    this.proc = new ManagedProcess({
      name: 'haproxy',
      cmd: bin,
      args: ['-db', '-f', this.cfgFile],
      logFile: join(this.dir, 'haproxy.log'),
    }).start();
    await waitForTcp(this.input.albPort, 10_000);
  }

  async stop(): Promise<void> {
    await this.proc?.stop(3_000);
  }

  /** One command on the admin socket. */
  command(cmd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.input.adminSocket);
      let out = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (out += d));
      sock.on('end', () => resolve(out));
      sock.on('error', reject);
      sock.write(`${cmd}\n`);
    });
  }

  async stats(): Promise<ServerStat[]> {
    const csv = await this.command('show stat');
    const [header, ...rows] = csv.split('\n').filter((l) => l.length > 0);
    const cols = header.replace(/^# /, '').split(',');
    const ix = (n: string): number => cols.indexOf(n);
    return rows
      .map((r) => r.split(','))
      .filter((f) => f[ix('svname')] !== 'FRONTEND' && f[ix('svname')] !== 'BACKEND')
      .map((f) => ({ backend: f[ix('pxname')], server: f[ix('svname')], status: f[ix('status')] }));
  }

  /** Cumulative answers and errors (5xx, failed responses) per server of `backend`, for AutomaticTargetWeights. */
  async counters(backend: string): Promise<{ server: string; answers: number; errors: number }[]> {
    return parseCounters(await this.command('show stat'), backend);
  }

  async serverStatus(backend: string, server: string): Promise<string | undefined> {
    return (await this.stats()).find((s) => s.backend === backend && s.server === server)?.status;
  }

  async waitServerUp(backend: string, server: string, timeoutMs = 30_000): Promise<void> {
    await waitUntil(
      `${backend}/${server} UP in HAProxy`,
      async () => (await this.serverStatus(backend, server)) === 'UP',
      timeoutMs,
      100,
    );
  }

  /** 'drain' = the ALB's deregistration (no new requests, in-flight finish); 'ready' = registered again. */
  async setState(backend: string, server: string, state: 'ready' | 'drain' | 'maint'): Promise<void> {
    await this.command(`set server ${backend}/${server} state ${state}`);
  }
}
