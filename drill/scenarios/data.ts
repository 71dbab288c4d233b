/** Losing or slowing the data tier: PostgreSQL writer, a Redis master, all of Redis, +200 ms on the DB path. */
import { sleep, waitUntil } from '../topology/proc';
import { CLUSTER_NODE_TIMEOUT_MS, parseClusterNodes } from '../topology/redis';
import { dbBreakerStates } from './metrics';
import type { Scenario, ScenarioContext } from './types';

/**
 * SIGKILL the PostgreSQL primary (postmaster and every backend: the host is gone). A failover orchestrator (here:
 * the drill, standing for RDS) sees the writer unreachable twice 500 ms apart, promotes the synchronous standby with
 * pg_ctl promote, and the cluster endpoint (HAProxy pg_primary, checking the health agents) follows the new writer.
 */
export function pgFailover(holdMs: number): Scenario {
  return {
    id: 'pg-failover',
    title: 'SIGKILL the PostgreSQL primary, promote the sync replica',
    ci: true,
    holdMs,
    async inject(ctx) {
      const { pg, haproxy } = ctx.topo;
      const primary = await pg.primary();
      if (!primary) throw new Error('drill: no PostgreSQL primary before the failover');
      const standby = pg.nodes.find((n) => n !== primary)!;
      ctx.extra.killedWriter = primary.name;
      ctx.notes.push(
        "Writes answer 503 from the kill until the writer endpoint follows the promoted node; reads go on (reader endpoint). Between promotion and the standby rebuild (after the load) commits are acknowledged by one node, as in Patroni's non-strict synchronous mode; Aurora's six-way storage has no such window.",
      );
      // Evidence that commits were waiting for the standby when the writer died.
      const repl = await primary.sql<{ application_name: string; sync_state: string }>(
        'SELECT application_name, sync_state FROM pg_stat_replication',
      );
      ctx.extra.standbyAtKill = repl.map((r) => `${r.application_name}:${r.sync_state}`).join(',') || 'none';
      await primary.kill();
      let misses = 0;
      while (misses < 2) {
        await sleep(500);
        misses = (await primary.isInRecovery()) === undefined ? misses + 1 : 0;
      }
      ctx.extra.detectedAfterMs = Math.round(ctx.now() - ctx.faultAt);
      await pg.promote(standby);
      ctx.extra.promotedAfterMs = Math.round(ctx.now() - ctx.faultAt);
      await haproxy.waitServerUp('pg_primary', standby.name, 15_000);
      ctx.extra.writerEndpointFollowedAfterMs = Math.round(ctx.now() - ctx.faultAt);
    },
    async clear() {
      /* the promoted node serves on; the lost one is rebuilt after the load (restore) */
    },
    async restore(ctx) {
      const t = ctx.now();
      await ctx.topo.pg.repair();
      ctx.extra.standbyRebuiltMs = Math.round(ctx.now() - t);
    },
  };
}

export function redisMasterKill(holdMs: number): Scenario {
  return {
    id: 'redis-master-kill',
    title: `SIGKILL a Redis master (cluster failover, node-timeout ${CLUSTER_NODE_TIMEOUT_MS} ms)`,
    ci: false,
    holdMs,
    async inject(ctx) {
      const { redis } = ctx.topo;
      const master = await redis.aMaster();
      ctx.extra.killedRedisPort = master.port;
      await master.kill();
      // Failover done when the survivors flag the killed node failed and 3 healthy masters serve every slot again.
      void waitUntil(
        'Redis failover',
        async () => {
          const observer = redis.nodes.find((n) => n.running)!;
          if (!(await observer.cli('cluster', 'info')).includes('cluster_state:ok')) return false;
          const view = parseClusterNodes(await observer.cli('cluster', 'nodes'));
          const killed = view.find((v) => v.port === master.port);
          return (
            (killed?.failed ?? false) &&
            view.filter((v) => v.role === 'master' && v.hasSlots && !v.failed).length === 3
          );
        },
        30_000,
        100,
      )
        .then(() => (ctx.extra.newMasterServingAfterMs = Math.round(ctx.now() - ctx.faultAt)))
        .catch(() => (ctx.extra.newMasterServingAfterMs = null));
      await sleep(CLUSTER_NODE_TIMEOUT_MS / 2);
    },
    async clear(ctx) {
      await ctx.topo.redis.restartStopped();
    },
  };
}

export function redisStop(holdMs: number): Scenario {
  return {
    id: 'redis-stop',
    title: 'Stop the whole Redis Cluster (reads degrade to the DB)',
    ci: false,
    holdMs,
    async inject(ctx) {
      await ctx.topo.redis.stopAll();
    },
    async clear(ctx) {
      const t = ctx.now();
      await ctx.topo.redis.restartStopped();
      ctx.extra.redisBackAfterMs = Math.round(ctx.now() - t);
    },
  };
}

async function scrapeBreakers(ctx: ScenarioContext): Promise<{ open: number; known: number }> {
  let open = 0;
  let known = 0;
  await Promise.all(
    ctx.topo.instances.map(async (i) => {
      try {
        const text = await (await fetch(`${i.url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
        const state = dbBreakerStates(text);
        if (state.seen.length > 0) known += 1;
        if (state.open.length > 0) open += 1;
      } catch {
        /* an instance that cannot answer is not counted */
      }
    }),
  );
  return { open, known };
}

/**
 * +200 ms on every database response (the sidecar's delay proxy in the service's DB path). The database breaker
 * should open within 10 s and cached reads (Redis, no DB) keep p99 ≤ 50 ms.
 */
export function dbLatency(holdMs: number): Scenario {
  return {
    id: 'db-latency',
    title: '+200 ms latency on the database path',
    ci: false,
    holdMs,
    async inject(ctx) {
      ctx.notes.push(
        `The delay applies to every chunk flowing back from the database (about +200 ms per round trip). A database breaker opens only when calls exceed the service's latency budget (DB_LATENCY_BUDGET_MS, ${ctx.topo.serviceEnv.DB_LATENCY_BUDGET_MS ?? '500 ms, the service default'}) or fail.`,
      );
      await ctx.topo.setDbDelay(200);
      ctx.extra.breakerOpenAfterMs = null;
      ctx.extra.allBreakersOpenAfterMs = null;
      void (async () => {
        const deadline = ctx.faultAt + holdMs;
        while (ctx.now() < deadline) {
          const { open, known } = await scrapeBreakers(ctx);
          ctx.extra.breakerMetricSeen = known > 0;
          if (open > 0 && ctx.extra.breakerOpenAfterMs === null)
            ctx.extra.breakerOpenAfterMs = Math.round(ctx.now() - ctx.faultAt);
          if (known > 0 && open === ctx.topo.instances.length) {
            ctx.extra.allBreakersOpenAfterMs = Math.round(ctx.now() - ctx.faultAt);
            return;
          }
          await sleep(250);
        }
      })();
    },
    async clear(ctx) {
      await ctx.topo.setDbDelay(0);
    },
    reportOnlyChecks: [
      (ctx) => {
        const v = ctx.extra.breakerOpenAfterMs;
        return typeof v === 'number' && v <= 10_000
          ? undefined
          : `database breaker did not open within 10 s (${v ?? 'never'})`;
      },
      (_ctx, f) =>
        f.p99ReadsDuringMs !== null && f.p99ReadsDuringMs <= 50
          ? undefined
          : `cached-read p99 during the fault ${f.p99ReadsDuringMs} ms > 50 ms`,
    ],
  };
}
