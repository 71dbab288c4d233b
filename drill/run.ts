/**
 * npm run drill       every scenario (~7 minutes), results to drill/results/latest.{json,md}
 * npm run drill:ci    the short CI subset (~3 minutes), results to .drill/ci-latest.{json,md}
 *
 * Options: --only id,id  --rate N (requests/s, default 150)  --keep (keep the temp dir with every log)
 *          --service-env KEY=VALUE (repeatable; e.g. DB_LATENCY_BUDGET_MS=150, default: the service's own defaults)
 *          --lb alb|alb-weighted|passive (default: the config's fleet.loadBalancingAlgorithm, weighted_random =
 *          alb-weighted: weighted random with automatic target weights, an instance whose errors stand out gets a
 *          small weight; alb: round robin; passive: round robin plus HAProxy's passive connection check, which an
 *          ALB lacks)
 *          --client-retries N (0..5, default 3) --retry-budget-ms M (default 4000) --attempt-timeout-ms T (default
 *          1000): the simulated clients' retries
 *
 * Stands up one region scaled down onto loopback (see topology/topology.ts), then for each scenario: warm the cache,
 * start the bounded load, inject the fault, hold it, clear it, stop the load, restore the topology, and check that
 * every acknowledged write is in the database (queried on whichever node is now the primary) and that no write was
 * stored twice. Exit code 1 when a gating check fails: an acknowledged write lost, a write stored twice, or
 * user-visible success (after the clients' retries, see load.ts) below 99.9 % while one instance or one AZ is lost.
 * First-attempt success (the balancer alone, which never retries) is reported, not gated.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CLIENT_RETRY, HttpClient, LoadGenerator, seed, warmCache, type RetryPolicy } from './load';
import {
  formatMarkdown,
  formatTable,
  gatingFailures,
  standardChecks,
  type DrillReport,
  type ScenarioResult,
} from './report';
import { dbLatency, pgFailover, redisMasterKill, redisStop } from './scenarios/data';
import {
  azFreeze,
  azPartition,
  dbDiskFull,
  instanceFreeze,
  pgFreeze,
  pgFreezePromote,
  redisMasterFreeze,
} from './scenarios/gray';
import { azKill, instanceKill, rollingRestart } from './scenarios/instances';
import type { Scenario, ScenarioContext } from './scenarios/types';
import { summarize } from './stats';
import { DEFAULT_CONFIG } from '../lib/config/defaults';
import { ALB_CHECK_INTERVAL_MS, ALB_CHECK_TIMEOUT_MS, downEvents, FLEET_BACKEND } from './topology/haproxy';
import { ANOMALY_POLICY, MITIGATED_WEIGHT, POLL_MS, WINDOW_POLLS } from './topology/target-weights';
import { killAllSync, removeTempDirs, runDrillMain, sleep } from './topology/proc';
import { Topology } from './topology/topology';
import { countDuplicateWrites, countLostWrites } from './verify';

type Lb = 'alb' | 'alb-weighted' | 'passive';
/** The balancer model of the config default: weighted random with automatic target weights, or round robin. */
const DEFAULT_LB: Lb =
  DEFAULT_CONFIG.fleet.loadBalancingAlgorithm === 'weighted_random' ? 'alb-weighted' : 'alb';

interface Args {
  readonly ci: boolean;
  readonly only: readonly string[] | undefined;
  readonly rate: number;
  readonly keep: boolean;
  readonly lb: Lb;
  /** Extra service environment (--service-env KEY=VALUE, repeatable); the default is the production defaults. */
  readonly serviceEnv: Record<string, string>;
  /** The simulated clients' retry policy (--client-retries N, --retry-budget-ms M); default CLIENT_RETRY. */
  readonly retry: RetryPolicy;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rate = Number(get('--rate') ?? '150');
  if (!Number.isFinite(rate) || rate < 10 || rate > 1_000)
    throw new Error(`--rate must be within 10..1000 requests/s, got ${get('--rate')}`);
  const lb = get('--lb') ?? DEFAULT_LB;
  if (lb !== 'alb' && lb !== 'alb-weighted' && lb !== 'passive')
    throw new Error(`--lb must be alb, alb-weighted or passive, got ${lb}`);
  const serviceEnv: Record<string, string> = {};
  argv.forEach((a, i) => {
    if (a !== '--service-env') return;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(argv[i + 1] ?? '');
    if (!m) throw new Error(`--service-env wants KEY=VALUE, got ${argv[i + 1]}`);
    serviceEnv[m[1]] = m[2];
  });
  const retries = Number(get('--client-retries') ?? CLIENT_RETRY.maxRetries);
  if (!Number.isInteger(retries) || retries < 0 || retries > 5)
    throw new Error(`--client-retries must be an integer within 0..5, got ${get('--client-retries')}`);
  const budgetMs = Number(get('--retry-budget-ms') ?? CLIENT_RETRY.budgetMs);
  if (!Number.isFinite(budgetMs) || budgetMs < 0 || budgetMs > 5_000)
    throw new Error(
      `--retry-budget-ms must be within 0..5000 (the client timeout), got ${get('--retry-budget-ms')}`,
    );
  const attemptTimeoutMs = Number(get('--attempt-timeout-ms') ?? CLIENT_RETRY.attemptTimeoutMs);
  if (!Number.isFinite(attemptTimeoutMs) || attemptTimeoutMs < 100 || attemptTimeoutMs > 5_000)
    throw new Error(
      `--attempt-timeout-ms must be within 100..5000 (the client timeout), got ${get('--attempt-timeout-ms')}`,
    );
  return {
    retry: { ...CLIENT_RETRY, maxRetries: retries, budgetMs, attemptTimeoutMs },
    ci: argv.includes('--ci'),
    only: get('--only')?.split(','),
    rate,
    keep: argv.includes('--keep'),
    lb,
    serviceEnv,
  };
}

function describeRetry(p: RetryPolicy): string {
  const backoff = Array.from(
    { length: p.maxRetries },
    (_, n) => `${p.backoffMinMs * p.multiplier ** n}-${p.backoffMaxMs * p.multiplier ** n}`,
  ).join(', ');
  return p.maxRetries === 0
    ? 'none'
    : `up to ${p.maxRetries} on network error/502/503/504 after ${backoff} ms (jittered), none later than ${p.budgetMs} ms after the first send, each attempt abandoned after ${p.attemptTimeoutMs} ms; POSTs with an Idempotency-Key`;
}

const log = (msg: string): void => {
  process.stderr.write(`[drill ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

function scenarios(ci: boolean): Scenario[] {
  const hold = ci ? 8_000 : 10_000;
  const all = [
    instanceKill(hold),
    azKill(hold),
    pgFailover(ci ? 10_000 : 15_000),
    redisMasterKill(hold),
    dbLatency(15_000),
    redisStop(hold),
    rollingRestart(),
    instanceFreeze(hold),
    azFreeze(hold),
    pgFreeze(hold),
    pgFreezePromote(ci ? 10_000 : 15_000),
    redisMasterFreeze(hold),
    azPartition(ci ? 10_000 : 15_000),
    dbDiskFull(hold),
  ];
  return ci ? all.filter((s) => s.ci) : all;
}

async function lostWrites(topo: Topology, ids: readonly string[]): Promise<number> {
  const primary = await topo.pg.primary();
  if (!primary) throw new Error('drill: no PostgreSQL primary to verify writes against');
  return countLostWrites(primary, ids);
}

async function duplicateWrites(topo: Topology, keys: readonly string[]): Promise<number> {
  const primary = await topo.pg.primary();
  if (!primary) throw new Error('drill: no PostgreSQL primary to check duplicates against');
  return countDuplicateWrites(primary, keys);
}

async function runScenario(
  topo: Topology,
  s: Scenario,
  client: HttpClient,
  data: { tokens: string[]; itemIds: string[] },
  opts: { rate: number; baselineMs: number; afterMs: number; retry: RetryPolicy },
): Promise<ScenarioResult> {
  log(`── ${s.id}: ${s.title}`);
  const warmed = await warmCache(client, data.tokens[0], data.itemIds);
  if (warmed !== data.itemIds.length) log(`  warm-up read ${warmed}/${data.itemIds.length} items`);
  const ctx: ScenarioContext = { topo, log, now: () => performance.now(), faultAt: 0, extra: {}, notes: [] };
  const baselineMs = Math.max(opts.baselineMs, s.minBaselineMs ?? 0);
  const budgetMs = baselineMs + s.holdMs + opts.afterMs + 120_000;
  const load = new LoadGenerator({
    client,
    tokens: data.tokens,
    itemIds: data.itemIds,
    ratePerSec: opts.rate,
    maxRequests: Math.ceil((opts.rate * budgetMs) / 1000),
    maxDurationMs: budgetMs,
    retry: opts.retry,
  });
  const logOffset = topo.haproxy.logText().length;
  const crashesBefore = topo.instances.reduce((n, i) => n + i.crashes, 0);
  const loadStart = ctx.now();
  load.start();
  await sleep(baselineMs);
  ctx.faultAt = ctx.now();
  await s.inject(ctx);
  const holdLeft = ctx.faultAt + s.holdMs - ctx.now();
  if (holdLeft > 0) await sleep(holdLeft);
  const clearedAt = ctx.now();
  await s.clear(ctx);
  await sleep(opts.afterMs);
  const loadEnd = ctx.now();
  await load.stop();
  if (s.restore) await s.restore(ctx);

  // Every instance the balancer took out during the scenario, with HAProxy's reason: a kill shows as a Layer4
  // "Connection refused"; anything else (a /healthz timeout or 503 from a stalled event loop) is worth a look.
  const downs = downEvents(topo.haproxy.logText().slice(logOffset), FLEET_BACKEND);
  const figures = summarize(load.samples, { loadStart, faultAt: ctx.faultAt, clearedAt, loadEnd });
  const lost = await lostWrites(topo, load.ackedWrites);
  const duplicates = await duplicateWrites(topo, load.writeKeys);
  const crashes = topo.instances.reduce((n, i) => n + i.crashes, 0) - crashesBefore;
  const checks = [
    ...standardChecks(figures, { lost, duplicates, crashes }, s.minSuccessDuringFault),
    ...[
      ...(s.gatingChecks ?? []).map((c) => ({ ...c, gating: true })),
      ...(s.reportOnlyChecks ?? []).map((c) => ({ ...c, gating: false })),
    ].map((c) => {
      const failure = c.check(ctx, figures);
      return { name: c.name, passed: failure === undefined, gating: c.gating, detail: failure ?? 'met' };
    }),
  ];
  const result: ScenarioResult = {
    id: s.id,
    title: s.title,
    figures,
    ackedWrites: load.ackedWrites.length,
    ackedWritesLost: lost,
    replayedWrites: load.replayedWrites,
    duplicateWrites: duplicates,
    crashes,
    extra: {
      faultHeldMs: Math.round(clearedAt - ctx.faultAt),
      ...ctx.extra,
      instancesTakenOut: downs.join('; ') || 'none',
    },
    notes: ctx.notes,
    checks,
  };
  log(
    `  sent ${figures.sent}, ok ${figures.succeeded}, retried ${figures.retried}, during-fault first-attempt ${figures.firstAttemptSuccessDuringFault} user-visible ${figures.successDuringFault}, lost ${lost}, duplicates ${duplicates}, ${JSON.stringify(result.extra)}`,
  );
  for (const c of checks) if (!c.passed) log(`  ${c.gating ? 'FAIL' : 'MISS'}: ${c.name} (${c.detail})`);
  return result;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = loadavg()[0];
  const selected = scenarios(args.ci).filter((s) => {
    if (args.only && !args.only.includes(s.id)) return false;
    // CI must run every gated scenario; elsewhere one that cannot run here is skipped, and said so.
    const unsupported = s.unsupportedHere?.();
    if (!unsupported) return true;
    if (process.env.CI === 'true') throw new Error(`drill: ${s.id}: ${unsupported}`);
    log(`skipping ${s.id}: ${unsupported}`);
    return false;
  });
  if (selected.length === 0)
    throw new Error(
      `--only matched no scenario (known: ${scenarios(false)
        .map((s) => s.id)
        .join(', ')})`,
    );
  const baselineMs = args.ci ? 2_000 : 3_000;
  const afterMs = args.ci ? 5_000 : 8_000;

  const topo = new Topology({
    log,
    drainSeconds: 3,
    passiveHealth: args.lb === 'passive',
    weightedRandom: args.lb === 'alb-weighted',
    serviceEnv: args.serviceEnv,
  });
  const stopTopology = async (): Promise<void> => {
    await topo.stop().catch((e: unknown) => log(`stop: ${String(e)}`));
    killAllSync();
    if (!args.keep) removeTempDirs();
  };
  process.once('SIGINT', () => {
    log('SIGINT: stopping everything');
    void stopTopology().finally(() => process.exit(130));
  });
  process.once('SIGTERM', () => void stopTopology().finally(() => process.exit(143)));

  // Bounded whatever happens: a hung step cannot keep servers running past this.
  const capMs = args.ci ? 6 * 60_000 : 20 * 60_000;
  setTimeout(() => {
    log(`run exceeded its ${capMs / 60_000} min cap: stopping everything`);
    killAllSync();
    if (!args.keep) removeTempDirs();
    process.exit(3);
  }, capMs).unref();

  const results: ScenarioResult[] = [];
  try {
    await topo.start();
    const client = new HttpClient(topo.albUrl);
    const data = await seed(client, 16, 200);
    log(`seeded ${data.tokens.length} sessions and ${data.itemIds.length} items`);
    for (const s of selected) {
      results.push(
        await runScenario(topo, s, client, data, { rate: args.rate, baselineMs, afterMs, retry: args.retry }),
      );
    }
    client.close();
  } finally {
    if (args.keep) log(`logs kept in ${topo.dir}`);
    await stopTopology();
  }

  const failures = gatingFailures(results);
  const report: DrillReport = {
    generatedAt: new Date().toISOString(),
    mode: args.ci ? 'ci' : 'full',
    durationSeconds: Math.round((performance.now() - started) / 1000),
    config: {
      ratePerSec: args.rate,
      writeShare: 0.2,
      clientTimeoutMs: 5_000,
      clientAttemptTimeoutMs: args.retry.attemptTimeoutMs,
      clientRetries: describeRetry(args.retry),
      baselineMs,
      afterMs,
      balancer: {
        alb: `ALB model, round robin: active GET /healthz inter ${ALB_CHECK_INTERVAL_MS} ms timeout ${ALB_CHECK_TIMEOUT_MS} ms fall 2 rise 2, retries 0, no redispatch`,
        'alb-weighted': `ALB model, weighted random with automatic target weights: health checks as alb; every ${POLL_MS} ms, a target whose error share over the last ${(POLL_MS * WINDOW_POLLS) / 1000} s is ≥ ${ANOMALY_POLICY.minErrorShare * 100} % and ≥ ${ANOMALY_POLICY.outlierFactor}× the others' median (+5 points) gets weight ${MITIGATED_WEIGHT} of 100 (at most half of the targets), restored after ${ANOMALY_POLICY.answersToRestore} answers without an error`,
        passive:
          'ALB model + passive check (observe layer4, mark down on first connection error): NOT what an ALB does',
      }[args.lb],
      dbEndpoints: 'HAProxy tcp, agent GET /primary|/replica inter 500ms fall 2 rise 1',
      postgres: 'primary + 1 synchronous standby (synchronous_commit=on)',
      redis: 'cluster 3 masters + 3 replicas, cluster-node-timeout 2000 ms',
    },
    environment: {
      node: process.version,
      cpus: cpus().length,
      platform: process.platform,
      // Latencies are only comparable between runs on an equally busy machine.
      loadAverage1mAtStart: Math.round(loadAtStart * 100) / 100,
      loadAverage1mAtEnd: Math.round(loadavg()[0] * 100) / 100,
    },
    ...(Object.keys(args.serviceEnv).length > 0 ? { serviceEnvOverrides: args.serviceEnv } : {}),
    scenarios: results,
    passed: failures.length === 0,
  };
  // Only a full run with the ALB model and the service's defaults updates the committed results.
  const variant =
    args.lb !== DEFAULT_LB ||
    Object.keys(args.serviceEnv).length > 0 ||
    args.only !== undefined ||
    describeRetry(args.retry) !== describeRetry(CLIENT_RETRY);
  const outDir = args.ci || variant ? resolve(__dirname, '..', '.drill') : resolve(__dirname, 'results');
  const base = `${args.ci ? 'ci-latest' : 'latest'}${args.lb === DEFAULT_LB ? '' : `-${args.lb}-lb`}`;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, `${base}.md`), formatMarkdown(report));
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  if (failures.length > 0) {
    process.stdout.write(`drill FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write(
    `drill passed (${results.length} scenarios, ${report.durationSeconds} s); results in ${join(outDir, base)}.{json,md}\n`,
  );
  return 0;
}

runDrillMain(main, log);
