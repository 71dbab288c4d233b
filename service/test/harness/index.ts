/**
 * Test harness: real PostgreSQL (primary + hot-standby replicas) and a real Redis Cluster on loopback, free ports,
 * a fault-injecting TCP proxy, and cleanup of every started process even when a test fails.
 *
 *   const pg = await startPostgres();            // primary with role app_service / db app (password 'app-password')
 *   const replica = await startReplica(pg);      // hot standby: reads ok, writes fail, pg_is_in_recovery() = true
 *   const redis = await startRedisCluster();     // 3 masters; redis.seeds = "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3"
 *   const proxy = await startTcpProxy(pg.port);  // proxy.port; proxy.latencyMs = 200; proxy.setRefusing(true)
 *   const rds = await startAuthRejectingProxy(pg.port); // rds.rejectNext = 1: the next login gets RDS Proxy's
 *                                                // "password ... is wrong" FATAL (rds.error), the rest pass through
 *   await pg.stop(); await pg.start();           // same port and data; redis.stop()/start() likewise
 *   const svc = await startServiceProcess({ DB_WRITER_HOST: '127.0.0.1', DB_PORT: String(pg.port), DB_PASSWORD: pg.app.password });
 *                                                // the real bundle as a child process (env only); svc.baseUrl
 *   await stopAll();                             // in afterAll: destroys everything started via this module
 *
 * Requires initdb/postgres/pg_basebackup (PATH or /usr/lib/postgresql/<v>/bin) and redis-server/redis-cli
 * (.ci/install-servers.sh installs them). Works as root (servers run as the `postgres` user).
 */
import {
  PgServer,
  startPostgres as startPg,
  startReplica as startPgReplica,
  StartPostgresOptions,
} from './postgres';
import { RedisCluster, startRedisCluster as startRedis, StartRedisClusterOptions } from './redis-cluster';
import { startTcpProxy as startProxy, TcpProxy } from './tcp-proxy';
import { AuthRejectingProxy, startAuthRejectingProxy as startAuthProxy } from './auth-rejecting-proxy';
import { removeServiceBundle, ServiceProcess, startServiceProcess as startSvc } from './service-process';

export { freePort, isPortFree } from './ports';
export { killAllNow, waitFor } from './processes';
export { pgBinary, waitForReplay, PgServer } from './postgres';
export type { PgAppLogin, StartPostgresOptions } from './postgres';
export { RedisCluster } from './redis-cluster';
export type { StartRedisClusterOptions } from './redis-cluster';
export { TcpProxy } from './tcp-proxy';
export { AuthRejectingProxy } from './auth-rejecting-proxy';
export type { ProxyAuthError } from './auth-rejecting-proxy';

const started: { destroy?: () => Promise<void>; close?: () => Promise<void> }[] = [];

/** Starts a PostgreSQL primary (see {@link startPg}); destroyed by {@link stopAll}. */
export async function startPostgres(options?: StartPostgresOptions): Promise<PgServer> {
  const pg = await startPg(options);
  started.push(pg);
  return pg;
}

/** Starts a hot-standby replica of `primary`; destroyed by {@link stopAll}. */
export async function startReplica(primary: PgServer): Promise<PgServer> {
  const replica = await startPgReplica(primary);
  started.push(replica);
  return replica;
}

/** Starts an N-master (default 3) Redis Cluster; destroyed by {@link stopAll}. */
export async function startRedisCluster(options?: StartRedisClusterOptions): Promise<RedisCluster> {
  const cluster = await startRedis(options);
  started.push(cluster);
  return cluster;
}

/** Starts a loopback TCP proxy to targetPort; closed by {@link stopAll}. */
export async function startTcpProxy(targetPort: number, targetHost?: string): Promise<TcpProxy> {
  const proxy = await startProxy(targetPort, targetHost);
  started.push(proxy);
  return proxy;
}

/** Starts an RDS Proxy stand-in that refuses chosen connections' passwords; closed by {@link stopAll}. */
export async function startAuthRejectingProxy(targetPort: number): Promise<AuthRejectingProxy> {
  const proxy = await startAuthProxy(targetPort);
  started.push(proxy);
  return proxy;
}

/** Stops and deletes everything started through this module (call in afterAll; safe to call twice). */
export async function stopAll(): Promise<void> {
  const all = started.splice(0).reverse();
  await Promise.allSettled(all.map((s) => (s.destroy ? s.destroy() : s.close?.())));
  removeServiceBundle();
}
export { buildServiceBundle } from './service-process';
export type { ServiceProcess } from './service-process';

/** Starts the service bundle as a child process (see {@link startSvc}); SIGKILLed by {@link stopAll} if still running. */
export async function startServiceProcess(env: Readonly<Record<string, string>>): Promise<ServiceProcess> {
  const svc = await startSvc(env);
  started.push({ close: () => svc.process.stop('SIGKILL') });
  return svc;
}
