/**
 * Gray failures: dependencies and instances that are frozen (SIGSTOP: sockets stay open, nothing answers) or cut off
 * (packets vanish), not dead. Kills are detected by refused connections; these are detected only by timeouts and by
 * the answers around them, which is what the architecture's health checks, automatic target weights and fencing are
 * for.
 */
import { FLEET_BACKEND } from '../topology/haproxy';
import { partitionUnsupported } from '../topology/partition';
import { isRoot, sleep, waitUntil } from '../topology/proc';
import { CLUSTER_NODE_TIMEOUT_MS, parseClusterNodes } from '../topology/redis';
import type { Scenario, ScenarioContext } from './types';

const since = (ctx: ScenarioContext): number => Math.round(ctx.now() - ctx.faultAt);

/** Is the instance out of rotation: marked DOWN by its checks, or given the mitigated weight by target weights. */
async function takenOut(ctx: ScenarioContext, name: string): Promise<boolean> {
  const status = await ctx.topo.haproxy.serverStatus(FLEET_BACKEND, name);
  return (
    (status?.startsWith('DOWN') ?? false) || (ctx.topo.targetWeights?.mitigatedNow.includes(name) ?? false)
  );
}

/**
 * Records detectedAfterMs once every named instance is out of rotation (in the background: the fault holds
 * meanwhile); null when that never happened within the fault.
 */
function watchTakenOut(ctx: ScenarioContext, names: readonly string[], withinMs: number): void {
  ctx.extra.detectedAfterMs = null;
  void waitUntil(
    `${names.join(', ')} out of rotation`,
    async () => (await Promise.all(names.map((n) => takenOut(ctx, n)))).every(Boolean),
    withinMs,
    50,
  )
    .then(() => (ctx.extra.detectedAfterMs = since(ctx)))
    .catch(() => undefined);
}

/** After the fault: the time until every named instance is back in rotation (UP, full weight). */
async function waitBackInRotation(
  ctx: ScenarioContext,
  names: readonly string[],
  key: string,
): Promise<void> {
  const t = ctx.now();
  await waitUntil(
    `${names.join(', ')} back in rotation`,
    async () => (await Promise.all(names.map((n) => takenOut(ctx, n)))).every((out) => !out),
    30_000,
    50,
  );
  ctx.extra[key] = Math.round(ctx.now() - t);
}

const FREEZE_NOTE =
  "SIGSTOP: the instance keeps its sockets, the kernel still accepts connections for it, and nothing answers. The balancer's check times out (500 ms, the ALB's 5 s scaled) twice before it is taken out; until then a request sent to it hangs until the client's attempt timeout (1 s, as an SDK's attempt timeout) and is retried. SIGCONT after the hold: the instance answers again and its checks bring it back.";

function freeze(
  id: string,
  title: string,
  pick: (ctx: ScenarioContext) => string[],
  ci: boolean,
  holdMs: number,
) {
  return {
    id,
    title,
    ci,
    minSuccessDuringFault: 0.999,
    holdMs,
    async inject(ctx: ScenarioContext) {
      ctx.notes.push(FREEZE_NOTE);
      const names = pick(ctx);
      for (const i of ctx.topo.instances.filter((x) => names.includes(x.name))) i.signal('SIGSTOP');
      watchTakenOut(ctx, names, holdMs);
    },
    async clear(ctx: ScenarioContext) {
      const names = pick(ctx);
      for (const i of ctx.topo.instances.filter((x) => names.includes(x.name))) i.signal('SIGCONT');
      await waitBackInRotation(ctx, names, 'backInRotationAfterResumeMs');
    },
  } satisfies Scenario;
}

export function instanceFreeze(holdMs: number): Scenario {
  return freeze('instance-freeze', 'SIGSTOP one instance (az1-a)', () => ['az1-a'], true, holdMs);
}

export function azFreeze(holdMs: number): Scenario {
  return freeze(
    'az-freeze',
    'SIGSTOP both instances of one AZ (az2)',
    (ctx) => ctx.topo.instances.filter((i) => i.spec.az === 'az2').map((i) => i.name),
    true,
    holdMs,
  );
}

/**
 * az2's instances lose every packet to PostgreSQL and Redis while the balancer still reaches them and their
 * shallow /healthz passes: they answer 503/504 fast (their own timeouts and breakers), so only their answers show
 * the fault. Automatic target weights (the config default) takes them out; round robin never does.
 */
export function azPartition(holdMs: number): Scenario {
  const victims = (ctx: ScenarioContext) => ctx.topo.instances.filter((i) => i.spec.az === 'az2');
  return {
    id: 'az-partition',
    title: 'Partition one AZ (az2) from the database and the cache; the balancer still reaches it',
    ci: true,
    minSuccessDuringFault: 0.999,
    holdMs,
    unsupportedHere: partitionUnsupported,
    async inject(ctx) {
      ctx.notes.push(
        "nftables drops every packet az2's instances send to the database path and the Redis nodes (they run as az2's own user); nothing is refused, so the service notices through its own timeouts: reads fail over to the breaker and the cache, which is cut off too, writes answer 504 (outcome unknown) or 503. /healthz stays 200: only automatic target weights, which watches the answers, can take the AZ out; with round robin (--lb alb) it stays in rotation.",
      );
      const uids = [...new Set(victims(ctx).map((i) => i.runAs?.uid))];
      if (uids.some((u) => u === undefined))
        throw new Error('drill: az-partition needs the per-AZ users (root)');
      ctx.topo.partition.cut(uids as number[], ctx.topo.dataTierPorts);
      watchTakenOut(
        ctx,
        victims(ctx).map((i) => i.name),
        holdMs,
      );
    },
    async clear(ctx) {
      ctx.topo.partition.heal();
      await waitBackInRotation(
        ctx,
        victims(ctx).map((i) => i.name),
        'backInRotationAfterHealMs',
      );
    },
  };
}

/** Polls HAProxy's writer endpoint while `until` holds: did it ever serve two writers, or the fenced node? */
function watchWriterEndpoint(ctx: ScenarioContext, fenced: string, until: () => boolean): Promise<void> {
  ctx.extra.fencedNodeUpAsWriter = false;
  ctx.extra.twoWritersSeen = false;
  return (async () => {
    while (until()) {
      const up = (await ctx.topo.haproxy.stats())
        .filter((s) => s.backend === 'pg_primary' && s.status === 'UP')
        .map((s) => s.server);
      if (up.includes(fenced)) ctx.extra.fencedNodeUpAsWriter = true;
      if (up.length > 1) ctx.extra.twoWritersSeen = true;
      await sleep(100);
    }
  })();
}

const PG_FREEZE_NOTE =
  'SIGSTOP of the postmaster and every backend: connections stay open, nothing answers. The writer endpoint takes the node out once its health agent times out twice (500 ms apart) and cuts its sessions; writes in flight answer 504 with outcome_unknown (their COMMIT may still happen when the node resumes: a retry with the same Idempotency-Key settles it), later writes 503 until a writer is back; reads go on from the reader endpoint.';

/** Freeze the PostgreSQL primary and let it resume: no failover (a pause shorter than the orchestrator waits). */
export function pgFreeze(holdMs: number): Scenario {
  let frozen = '';
  return {
    id: 'pg-freeze',
    title: 'SIGSTOP the PostgreSQL primary, resume it (no promotion)',
    ci: false,
    holdMs,
    async inject(ctx) {
      ctx.notes.push(PG_FREEZE_NOTE);
      const primary = await ctx.topo.pg.primary();
      if (!primary) throw new Error('drill: no PostgreSQL primary to freeze');
      frozen = primary.name;
      primary.signal('SIGSTOP');
      ctx.extra.detectedAfterMs = null;
      void waitUntil(
        'writer endpoint to drop the frozen primary',
        async () => (await ctx.topo.haproxy.serverStatus('pg_primary', frozen))?.startsWith('DOWN') ?? false,
        holdMs,
        50,
      )
        .then(() => (ctx.extra.detectedAfterMs = since(ctx)))
        .catch(() => undefined);
    },
    async clear(ctx) {
      const node = ctx.topo.pg.nodes.find((n) => n.name === frozen)!;
      node.signal('SIGCONT');
      const t = ctx.now();
      await ctx.topo.haproxy.waitServerUp('pg_primary', frozen, 15_000);
      ctx.extra.writerBackAfterResumeMs = Math.round(ctx.now() - t);
    },
  };
}

/**
 * Freeze the PostgreSQL primary long enough for the orchestrator to fail over: it fences the frozen node, promotes
 * the synchronous standby, and the frozen node resumes later as a zombie that still believes it is the primary.
 * Gates: the writer endpoint never takes the zombie back, never shows two writers, and repair rebuilds the zombie
 * from the promoted node.
 */
export function pgFreezePromote(holdMs: number): Scenario {
  let zombie = '';
  let watching = false;
  let watcher: Promise<void> = Promise.resolve();
  return {
    id: 'pg-freeze-promote',
    title: 'SIGSTOP the PostgreSQL primary, promote the sync replica, resume the old primary',
    ci: true,
    holdMs,
    async inject(ctx) {
      const { pg, haproxy } = ctx.topo;
      ctx.notes.push(
        `${PG_FREEZE_NOTE} The orchestrator (the drill, standing for RDS) sees the writer unanswered twice, fences it (its health agent never again reports it as primary), promotes the standby, and the writer endpoint follows; the old primary resumes at the end of the hold still believing it is the writer, and is rebuilt from the promoted node after the load.`,
      );
      const primary = await pg.primary();
      if (!primary) throw new Error('drill: no PostgreSQL primary to freeze');
      const standby = pg.nodes.find((n) => n !== primary)!;
      zombie = primary.name;
      primary.signal('SIGSTOP');
      let misses = 0;
      while (misses < 2) {
        await sleep(500);
        misses = (await primary.isInRecovery()) === undefined ? misses + 1 : 0;
      }
      ctx.extra.detectedAfterMs = since(ctx);
      await pg.promote(standby);
      ctx.extra.promotedAfterMs = since(ctx);
      await haproxy.waitServerUp('pg_primary', standby.name, 15_000);
      ctx.extra.writerEndpointFollowedAfterMs = since(ctx);
      watching = true;
      watcher = watchWriterEndpoint(ctx, zombie, () => watching);
    },
    async clear(ctx) {
      ctx.topo.pg.nodes.find((n) => n.name === zombie)!.signal('SIGCONT');
      ctx.extra.zombieAnswersAsPrimary =
        (await ctx.topo.pg.nodes.find((n) => n.name === zombie)!.isInRecovery()) === false;
    },
    async restore(ctx) {
      watching = false;
      await watcher;
      const t = ctx.now();
      await ctx.topo.pg.repair();
      ctx.extra.zombieRebuiltMs = Math.round(ctx.now() - t);
      const primary = await ctx.topo.pg.primary();
      ctx.extra.writerAfterRepair = primary?.name ?? null;
    },
    gatingChecks: [
      {
        name: 'the resumed old primary is never UP as a writer again (fenced)',
        check: (ctx) =>
          ctx.extra.fencedNodeUpAsWriter === false ? undefined : `${zombie} was UP in the writer endpoint`,
      },
      {
        name: 'never two writers in the writer endpoint',
        check: (ctx) => (ctx.extra.twoWritersSeen === false ? undefined : 'two servers UP in pg_primary'),
      },
      {
        name: 'repair rebuilds the old primary from the promoted node',
        check: (ctx) =>
          ctx.extra.writerAfterRepair !== zombie && ctx.extra.writerAfterRepair !== null
            ? undefined
            : `writer after repair: ${String(ctx.extra.writerAfterRepair)}`,
      },
    ],
  };
}

/**
 * Freeze a Redis master past cluster-node-timeout: its replica is promoted; when it resumes it finds a newer epoch
 * and rejoins as a replica. The service's cache calls to it time out (reads fall back to the database).
 */
export function redisMasterFreeze(holdMs: number): Scenario {
  let port = 0;
  return {
    id: 'redis-master-freeze',
    title: `SIGSTOP a Redis master (cluster failover after node-timeout ${CLUSTER_NODE_TIMEOUT_MS} ms), resume it`,
    ci: false,
    holdMs,
    async inject(ctx) {
      const { redis } = ctx.topo;
      const master = await redis.aMaster();
      port = master.port;
      ctx.extra.frozenRedisPort = port;
      master.signal('SIGSTOP');
      ctx.extra.detectedAfterMs = null;
      void waitUntil(
        'Redis failover away from the frozen master',
        async () => {
          const observer = redis.nodes.find((n) => n.port !== port)!;
          if (!(await observer.cli('cluster', 'info')).includes('cluster_state:ok')) return false;
          const view = parseClusterNodes(await observer.cli('cluster', 'nodes'));
          return (
            (view.find((v) => v.port === port)?.failed ?? false) &&
            view.filter((v) => v.role === 'master' && v.hasSlots && !v.failed).length === 3
          );
        },
        holdMs + 10_000,
        100,
      )
        .then(() => (ctx.extra.detectedAfterMs = since(ctx)))
        .catch(() => undefined);
    },
    async clear(ctx) {
      const { redis } = ctx.topo;
      const node = redis.nodes.find((n) => n.port === port)!;
      node.signal('SIGCONT');
      const t = ctx.now();
      await waitUntil(
        'the resumed node to rejoin as a replica',
        async () => {
          const view = parseClusterNodes(await node.cli('cluster', 'nodes'));
          const self = view.find((v) => v.port === port);
          return (
            self?.role === 'slave' &&
            !self.failed &&
            (await node.cli('cluster', 'info')).includes('cluster_state:ok')
          );
        },
        30_000,
        200,
      );
      ctx.extra.rejoinedAsReplicaAfterMs = Math.round(ctx.now() - t);
    },
  };
}

/** Per instance: does /readyz?role=writer (the PRIMARY's Route 53 check) answer 200 right now. */
async function writerReadiness(ctx: ScenarioContext): Promise<boolean[]> {
  return Promise.all(
    ctx.topo.instances.map(async (i) => {
      try {
        const res = await fetch(`${i.url}/readyz?role=writer`, { signal: AbortSignal.timeout(1_000) });
        return res.status === 200;
      } catch {
        return false;
      }
    }),
  );
}

/**
 * The primary's data filesystem fills up (the WAL lives elsewhere, so the server stays up): inserts fail with 53100
 * disk_full. The service answers those writes 503 + Retry-After (never 500), its writer readiness fails so Route
 * 53 would stop treating the region as a working PRIMARY, reads go on; once space is freed the next write
 * succeeds and readiness comes back.
 */
export function dbDiskFull(holdMs: number): Scenario {
  return {
    id: 'db-disk-full',
    title: "Fill the PostgreSQL primary's data disk, then free it",
    ci: false,
    holdMs,
    unsupportedHere: () => (isRoot() ? undefined : 'it needs root (a tmpfs for the data disk)'),
    async inject(ctx) {
      ctx.notes.push(
        "The primary's data directory is on a tmpfs of its own (256 MiB, the WAL on another disk); a root-owned ballast file takes every free block. Inserts then fail with 53100 when their table or index must grow.",
      );
      const primary = await ctx.topo.pg.primary();
      if (!primary) throw new Error('drill: no PostgreSQL primary whose disk to fill');
      primary.fillDisk();
      ctx.extra.detectedAfterMs = null;
      void waitUntil(
        "every instance's writer readiness to fail",
        async () => (await writerReadiness(ctx)).every((ok) => !ok),
        holdMs,
        200,
      )
        .then(() => (ctx.extra.detectedAfterMs = since(ctx)))
        .catch(() => undefined);
    },
    async clear(ctx) {
      const primary = await ctx.topo.pg.primary();
      primary?.freeDisk();
      const t = ctx.now();
      await waitUntil(
        "every instance's writer readiness to pass again",
        async () => (await writerReadiness(ctx)).every(Boolean),
        30_000,
        200,
      );
      ctx.extra.writerReadyAgainAfterFreeMs = Math.round(ctx.now() - t);
    },
    gatingChecks: [
      {
        name: 'writes refused for want of disk answer 503, never 500',
        check: (_ctx, f) =>
          (f.firstAttemptFailedByStatus['500'] ?? 0) === 0
            ? undefined
            : `${f.firstAttemptFailedByStatus['500']} first attempts answered 500`,
      },
      {
        name: 'the writer readiness (Route 53 PRIMARY check) failed on every instance while the disk was full',
        check: (ctx) =>
          typeof ctx.extra.detectedAfterMs === 'number' ? undefined : 'some instance kept answering 200',
      },
    ],
  };
}
