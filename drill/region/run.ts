/**
 * npm run drill:region          the four regional scenarios with Route 53's real timings (~20 minutes), results to
 *                               drill/results/region-latest.{json,md}
 * npm run drill:region -- --ci  the same four with every Route 53 and readiness timing divided by 10 (~4 minutes),
 *                               results to .drill/region-ci-latest.{json,md}; run by .ci/run
 * npm run drill:region -- --profile pilot-light [--ci]
 *                               DR as pilot light: its fleet rests at 1 of 2 instances and its database is headless
 *                               (the services reach it only once the runbook has added an instance, which becomes
 *                               available after the auroraInstanceCreate estimate, scaled); only the region-lost
 *                               scenario, measuring what the runbook's scale-up adds to it; results to
 *                               region-pilot-light[-ci]-latest.{json,md}
 * Options: --rate N (requests/s, default 40) --keep (keep the temp dir with every log)
 *
 * Two "regions" on loopback (region.ts), the Global Database stand-in streaming asynchronously from the writer to
 * the other region (global-database.ts), the Route 53 stand-in (route53.ts) and users whose resolvers honour the
 * alias TTL (client.ts). The promotions and the fence are made by the runbook's own decision code
 * (lambda/failover/runbook.ts) behind stand-ins of the RDS and Route 53 APIs; the "operator" runs it the way the
 * README tells an operator to: once the PRIMARY health check is unhealthy (or, when DR cannot reach the primary,
 * once that has lasted a detection period), again until it reports the target as the writer.
 *
 * Scenarios, in order (each starts from the state the previous one's restore left):
 *   primary-db-lost      SIGKILL the primary region's database; its instances keep answering
 *   primary-region-lost  SIGKILL every process of the primary region, and its RDS control plane is gone
 *   partition            cut the inter-region link only: users still reach the primary, which still takes writes
 *   fail-back            switchover back to the recovered primary; the confirming run lifts the fence
 * Between them the restore rebuilds the old writer as a standby (Aurora re-adding a recovered region) and fails
 * back by switchover (unmeasured), so every scenario starts with the primary as the writer, except fail-back.
 *
 * Gates (exit 1): reads and writes recover within the run; no write stored twice; never two writers (no write
 * acknowledged by the old writer after the new one acknowledged one); no acknowledged write lost in a switchover;
 * in an unplanned failover, no acknowledged write lost that the old writer had acknowledged before the window the
 * replication had not yet carried (the lag at the loss, or the partition).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import {
  fenceDrainSeconds,
  runRunbook,
  type CapacityApi,
  type FailoverReport,
  type FailoverRequest,
  type RunbookSettings,
} from '../../lambda/failover/runbook';
import {
  clusterIdentifier,
  DEFAULT_CONFIG,
  globalClusterIdentifier,
  regionalRecordName,
} from '../../lib/config';
import { constant } from '../../lib/report/constants';
import { serviceBuildOptions } from '../../service/build-options';
import { CLIENT_RETRY, HttpClient, LoadGenerator, seed } from '../load';
import { summarize, timeToRecoverMs, type ScenarioFigures } from '../stats';
import { APP_DB } from '../topology/postgres';
import {
  killAllSync,
  makeTempDir,
  registerTempDir,
  removeTempDirs,
  runDrillMain,
  sleep,
  waitUntil,
} from '../topology/proc';
import { countDuplicateWrites, countLostWrites } from '../verify';
import { DnsRoutedClient, twoWriters } from './client';
import { LocalGlobalDatabase, other, type Side } from './global-database';
import { Region } from './region';
import { HealthCheck, Route53StandIn } from './route53';

const log = (msg: string): void => {
  process.stderr.write(`[drill:region ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

/** Route 53 and readiness timings: the default config's and the documented constants, divided by `scale`. */
export interface Timings {
  readonly scale: number;
  readonly intervalMs: number;
  readonly failureThreshold: number;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly ttlMs: number;
  readonly graceSeconds: number;
  readonly fenceDrainMs: number;
}

export function timings(scale: number): Timings {
  const hc = DEFAULT_CONFIG.dns.healthCheck;
  const ms = (seconds: number): number => Math.round((seconds * 1000) / scale);
  return {
    scale,
    intervalMs: ms(hc.requestIntervalSeconds),
    failureThreshold: hc.failureThreshold,
    connectTimeoutMs: ms(constant('route53ConnectTimeout').value),
    responseTimeoutMs: ms(constant('route53ResponseTimeout').value),
    ttlMs: ms(constant('elbAliasTtl').value),
    graceSeconds: Math.max(1, Math.round(DEFAULT_CONFIG.service.readinessGraceSeconds / scale)),
    fenceDrainMs: ms(fenceDrainSeconds(hc.requestIntervalSeconds, constant('elbAliasTtl').value)),
  };
}

/** What `npm run report` models for the scenario (same terms as lib/report/region-failover.ts), scaled. */
export function modelSeconds(
  t: Timings,
  kind: 'db-lost' | 'region-lost',
  profile: DrillProfile = 'warm-standby',
): { reads: number; writes: number } {
  const detection = (t.intervalMs * t.failureThreshold + t.connectTimeoutMs + t.responseTimeoutMs) / 1000;
  const grace = kind === 'db-lost' ? t.graceSeconds : 0;
  // Pilot light: a headless secondary serves nothing until the runbook's instance is available (the report's term).
  const scaleUp = profile === 'pilot-light' ? constant('auroraInstanceCreate').value / t.scale : 0;
  const reads = grace + detection + t.ttlMs / 1000 + scaleUp;
  // Writes: the report adds the documented Global Database failover after the DNS move.
  const writes = reads + constant('globalDbFailover').value / t.scale;
  return { reads: Math.round(reads), writes: Math.round(writes) };
}

export type DrillProfile = 'warm-standby' | 'pilot-light';
const DRILL_PROFILES: readonly DrillProfile[] = ['warm-standby', 'pilot-light'];

/** Pilot light in the drill: DR rests with this many of its instances running. */
const PILOT_LIGHT_RESTING = 1;

interface Env {
  readonly t: Timings;
  readonly profile: DrillProfile;
  /** Pilot light: the Auto Scaling and RDS stand-in of the DR region's scale-up. */
  readonly capacity?: CapacityApi;
  readonly regions: Record<Side, Region>;
  readonly gdb: LocalGlobalDatabase;
  readonly r53: Route53StandIn;
  readonly client: DnsRoutedClient;
  readonly service: { cmd: string; args: string[] };
  readonly appPassword: string;
  readonly now: () => number;
}

interface ScenarioRun {
  faultAt: number;
  /** The writer before the scenario and after it. */
  from: Side;
  to: Side;
  /** Acknowledged writes of the old writer at or after this moment may be lost (not yet replicated). */
  unreplicatedSince?: number;
  lagAtLossMs?: number;
  readonly notes: string[];
  readonly runbook: { at: number; outcome: string; message: string }[];
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly planned: boolean;
  readonly model?: 'db-lost' | 'region-lost';
  inject(env: Env, run: ScenarioRun): Promise<void>;
  /** The operator's part, until the runbook reports the target as the writer. */
  recover(env: Env, run: ScenarioRun): Promise<void>;
  /** After the load stopped: the recovered region rejoins, and the primary becomes the writer again. */
  restore?(env: Env): Promise<void>;
}

const PILOT_LIGHT_SCALE_UP = {
  autoScalingGroupName: 'drill-dr-fleet',
  fleetMinSize: 2,
  databaseInstances: 1,
  databaseInstanceClass: 'db.drill',
};

const SETTINGS = (t: Timings, runningIn: Side, profile: DrillProfile): RunbookSettings => ({
  ...(profile === 'pilot-light' && runningIn === 'dr' ? { scaleUp: PILOT_LIGHT_SCALE_UP } : {}),
  globalClusterId: globalClusterIdentifier(DEFAULT_CONFIG),
  primary: {
    region: DEFAULT_CONFIG.primary.region,
    clusterId: clusterIdentifier(DEFAULT_CONFIG, DEFAULT_CONFIG.primary.region),
    healthCheckFqdn: regionalRecordName(DEFAULT_CONFIG, DEFAULT_CONFIG.primary.region),
  },
  dr: {
    region: DEFAULT_CONFIG.dr.region,
    clusterId: clusterIdentifier(DEFAULT_CONFIG, DEFAULT_CONFIG.dr.region),
    healthCheckFqdn: regionalRecordName(DEFAULT_CONFIG, DEFAULT_CONFIG.dr.region),
    pilotLight: profile === 'pilot-light',
  },
  runningIn: runningIn === 'primary' ? DEFAULT_CONFIG.primary.region : DEFAULT_CONFIG.dr.region,
  fenceDrainMs: t.fenceDrainMs,
});

/** The operator: runs the runbook in the target region, again until it reports the target as the writer. */
async function operate(env: Env, request: FailoverRequest, run?: ScenarioRun): Promise<FailoverReport> {
  const runningIn: Side = request.target;
  const pollMs = Math.max(250, Math.round(5_000 / env.t.scale));
  for (let i = 0; i < 200; i++) {
    const report = await runRunbook(request, SETTINGS(env.t, runningIn, env.profile), {
      globalCluster: env.gdb.api(runningIn),
      healthChecks: env.r53.api(),
      ...(env.capacity && runningIn === 'dr' ? { capacity: env.capacity } : {}),
      isStateRejection: (e) => e instanceof Error && e.name === 'InvalidGlobalClusterStateFault',
    });
    const at = env.now();
    // A run that only repeats the previous one's answer (a scale-up or promotion still in progress) is not logged.
    const previous = run?.runbook.at(-1);
    if (previous?.message !== report.message) {
      log(
        `  runbook ${request.mode} -> ${request.target}: ${report.outcome}: ${report.message.slice(0, 160)}`,
      );
      run?.runbook.push({
        at: run ? Math.round(at - run.faultAt) : 0,
        outcome: report.outcome,
        message: report.message,
      });
    }
    if (report.outcome === 'nothing-to-do' || report.outcome === 'unfenced') return report;
    if (report.outcome === 'refused' && !/already in progress|is the writer but/.test(report.message))
      throw new Error(`drill: the runbook refused: ${report.message}`);
    await sleep(pollMs);
  }
  throw new Error('drill: the runbook did not finish within 200 runs');
}

async function waitUnhealthy(env: Env, check: HealthCheck, what: string): Promise<void> {
  const budget = 30 * env.t.intervalMs + 60_000 / env.t.scale;
  await waitUntil(what, async () => !check.healthy, budget, 100);
}

/** Aurora re-adds the recovered old writer as a secondary, then the primary becomes the writer again. */
async function rejoinAndFailBack(env: Env): Promise<void> {
  await env.gdb.attachStandby(other(env.gdb.writer));
  if (env.gdb.writer !== 'primary') {
    await operate(env, { mode: 'planned', dryRun: false, target: 'primary' });
    await env.gdb.idle();
  }
  await env.gdb.waitStreaming('dr', 60_000);
  await waitUntil(
    'the PRIMARY record healthy again',
    async () => env.r53.primary.healthy,
    60_000 + 10 * env.t.intervalMs,
    100,
  );
}

/** The operator acts on the PRIMARY health-check alarm: the unplanned runbook, in DR. */
async function failOverOnceUnhealthy(env: Env, run: ScenarioRun): Promise<void> {
  await waitUnhealthy(env, env.r53.primary, 'the PRIMARY health check to fail');
  run.notes.push(`PRIMARY check unhealthy after ${Math.round(env.now() - run.faultAt)} ms`);
  await operate(env, { mode: 'unplanned', dryRun: false, target: 'dr' }, run);
}

/**
 * Notes the replication lag, then loses what `lose` takes: writes the old writer acknowledged within that lag
 * (plus a small margin for the measurement) may be lost, none before.
 */
async function loseAfterNotingLag(env: Env, run: ScenarioRun, lose: () => Promise<void>): Promise<void> {
  const lag = await env.gdb.replicationLagMs();
  run.lagAtLossMs = lag === undefined ? undefined : Math.round(lag);
  await lose();
  run.unreplicatedSince = env.now() - (run.lagAtLossMs ?? 0) - 250;
}

/**
 * The DR region's Auto Scaling and RDS, as the pilot-light scale-up sees them: raising the fleet starts the
 * instances that rest (real service processes, in service once the balancer has them UP); an added Aurora instance
 * is "creating" for the auroraInstanceCreate estimate (scaled: nothing local can measure an RDS create), then
 * "available", and the DR services reach the database from then on.
 */
function pilotLightCapacity(dr: Region, createMs: number, log: (m: string) => void): CapacityApi {
  const instances: { id: string; status: string }[] = [];
  return {
    describeFleet: async () => ({
      minSize: dr.wanted,
      desiredCapacity: dr.wanted,
      inService: await dr.inService(),
    }),
    raiseFleet: async (_name, size) => {
      log(`  scale-up: DR fleet ${dr.wanted} -> ${size}`);
      dr.raiseFleet(size);
    },
    databaseInstances: async () => instances.map((i) => ({ ...i })),
    addDatabaseInstance: async (_cluster, id) => {
      if (instances.some((i) => i.id === id)) return;
      const added = { id, status: 'creating' };
      instances.push(added);
      log(`  scale-up: Aurora instance ${id} creating (${createMs} ms)`);
      setTimeout(() => {
        added.status = 'available';
        dr.openDatabase();
        log(`  scale-up: Aurora instance ${id} available`);
      }, createMs).unref();
    },
  };
}

const SCENARIOS: Scenario[] = [
  {
    id: 'primary-db-lost',
    title: "Primary region's database lost (SIGKILL); its instances keep answering",
    planned: false,
    model: 'db-lost',
    inject: (env, run) => loseAfterNotingLag(env, run, () => env.regions.primary.pg.kill()),
    recover: failOverOnceUnhealthy,
    restore: rejoinAndFailBack,
  },
  {
    id: 'primary-region-lost',
    title: 'Whole primary region lost: every process SIGKILLed, its RDS control plane unreachable',
    planned: false,
    model: 'region-lost',
    inject: (env, run) =>
      loseAfterNotingLag(env, run, async () => {
        env.gdb.controlPlaneUp.primary = false;
        await env.regions.primary.killAll();
      }),
    recover: failOverOnceUnhealthy,
    async restore(env) {
      env.gdb.controlPlaneUp.primary = true;
      await env.gdb.attachStandby('primary');
      await env.regions.primary.restart(env.service, env.appPassword);
      await rejoinAndFailBack(env);
    },
  },
  {
    id: 'partition',
    title: 'Primary partitioned from DR, still reachable by users and still taking writes',
    planned: false,
    async inject(env, run) {
      env.gdb.setPartitioned(true);
      run.unreplicatedSince = env.now() - 250;
    },
    async recover(env, run) {
      // The DR region's outside-in canary cannot reach the primary: the operator acts after a detection period.
      await sleep(env.t.intervalMs * env.t.failureThreshold);
      run.notes.push(
        `PRIMARY check ${env.r53.primary.healthy ? 'still healthy' : 'unhealthy'} when the operator acted`,
      );
      await operate(env, { mode: 'unplanned', dryRun: false, target: 'dr' }, run);
      run.lagAtLossMs = Math.round(env.now() - run.faultAt);
    },
    async restore(env) {
      // The partition heals; Aurora demotes the old writer: rebuilt from the new one, its unreplicated writes gone.
      env.gdb.setPartitioned(false);
      await env.gdb.attachStandby('primary');
    },
  },
  {
    id: 'fail-back',
    title: 'Fail-back by switchover to the recovered primary; the fence is lifted after it',
    planned: true,
    async inject() {
      /* the fault is the planned switchover itself */
    },
    async recover(env, run) {
      await operate(env, { mode: 'planned', dryRun: false, target: 'primary' }, run);
    },
    async restore(env) {
      await env.gdb.waitStreaming('dr', 60_000);
    },
  },
];

interface Result {
  readonly id: string;
  readonly title: string;
  readonly readsOkAgainAfterMs: number | null;
  readonly writesOkAgainAfterMs: number | null;
  readonly model?: { reads: number; writes: number };
  readonly ackedWrites: number;
  readonly ackedWritesLost: number;
  readonly mayBeLost: number;
  readonly lagAtLossMs: number | null;
  readonly duplicates: number;
  readonly twoWriters: string;
  readonly figures: ScenarioFigures;
  readonly runbook: ScenarioRun['runbook'];
  readonly notes: readonly string[];
  readonly failures: readonly string[];
}

async function runScenario(
  env: Env,
  s: Scenario,
  data: { tokens: string[]; itemIds: string[] },
  rate: number,
): Promise<Result> {
  log(`── ${s.id}: ${s.title}`);
  const t = env.t;
  const baselineMs = Math.max(3_000, 10_000 / t.scale);
  // Once the runbook is done every user must have moved: one detection period plus the TTL, then some.
  const settleMs = t.intervalMs * (t.failureThreshold + 2) + t.ttlMs;
  const afterMs = Math.max(3_000, 10_000 / t.scale);
  const scaleUpMs =
    env.profile === 'pilot-light' ? (constant('auroraInstanceCreate').value * 1000) / t.scale : 0;
  const budgetMs = baselineMs + 600_000 / t.scale + scaleUpMs + settleMs + afterMs;
  const from = env.gdb.writer;
  const run: ScenarioRun = { faultAt: 0, from, to: other(from), notes: [], runbook: [] };
  const attemptsBefore = env.client.attempts.length;
  const load = new LoadGenerator({
    client: env.client,
    tokens: data.tokens,
    itemIds: data.itemIds,
    ratePerSec: rate,
    maxRequests: Math.ceil((rate * budgetMs) / 1000),
    maxDurationMs: budgetMs,
    retry: CLIENT_RETRY,
  });
  env.r53.forgetCaches();
  const loadStart = env.now();
  load.start();
  await sleep(baselineMs);
  run.faultAt = env.now();
  await s.inject(env, run);
  await s.recover(env, run);
  await sleep(settleMs);
  const clearedAt = env.now();
  await sleep(afterMs);
  const loadEnd = env.now();
  await load.stop();

  const writer = env.regions[env.gdb.writer].pg;
  const figures = summarize(load.samples, { loadStart, faultAt: run.faultAt, clearedAt, loadEnd });
  const reads = timeToRecoverMs(
    load.samples.filter((x) => x.kind === 'read'),
    run.faultAt,
  );
  const writes = timeToRecoverMs(
    load.samples.filter((x) => x.kind === 'write'),
    run.faultAt,
  );
  const lost = await countLostWrites(writer, load.ackedWrites);
  const duplicates = await countDuplicateWrites(writer, load.writeKeys);
  const attempts = env.client.attempts.slice(attemptsBefore);
  const overlap = twoWriters(attempts, run.from, env.gdb.writer);
  const mayBeLost =
    s.planned || run.unreplicatedSince === undefined
      ? 0
      : attempts.filter((a) => a.ackedWrite && a.side === run.from && a.at >= run.unreplicatedSince!).length;

  const failures: string[] = [];
  if (env.gdb.writer === from) failures.push(`the writer is still ${from}`);
  if (reads === null) failures.push('reads never succeeded again within the run');
  if (writes === null) failures.push('writes never succeeded again within the run');
  if (duplicates > 0) failures.push(`${duplicates} writes stored twice`);
  if (overlap)
    failures.push(
      `two writers: ${run.from} acknowledged a write ${overlap.overlapMs} ms after ${env.gdb.writer} did`,
    );
  if (lost > mayBeLost)
    failures.push(
      `${lost} acknowledged writes lost, more than the ${mayBeLost} ${s.planned ? '(a switchover loses none)' : 'the old writer acknowledged in the unreplicated window'}`,
    );
  const result: Result = {
    id: s.id,
    title: s.title,
    readsOkAgainAfterMs: reads,
    writesOkAgainAfterMs: writes,
    ...(s.model ? { model: modelSeconds(t, s.model, env.profile) } : {}),
    ackedWrites: load.ackedWrites.length,
    ackedWritesLost: lost,
    mayBeLost,
    lagAtLossMs: run.lagAtLossMs ?? null,
    duplicates,
    twoWriters: overlap ? `YES (${overlap.overlapMs} ms)` : 'never',
    figures,
    runbook: run.runbook,
    notes: run.notes,
    failures,
  };
  log(
    `  reads OK again after ${reads} ms, writes after ${writes} ms, acked ${result.ackedWrites} (lost ${lost}, window ${mayBeLost}), lag ${result.lagAtLossMs} ms, duplicates ${duplicates}, two writers ${result.twoWriters}`,
  );
  for (const f of failures) log(`  FAIL: ${f}`);
  if (s.restore) {
    log('  restore');
    await s.restore(env);
  }
  return result;
}

const sec = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

export function formatRegionTable(results: readonly Result[]): string {
  const head =
    '| Scenario | Reads OK again after | Writes OK again after | Model (`npm run report`): reads / writes | Acked writes (lost; unreplicated window) | Lag at the loss | Duplicates | Two writers | User-visible success during fault |';
  const rows = results.map(
    (r) =>
      `| ${r.title} | ${sec(r.readsOkAgainAfterMs)} | ${sec(r.writesOkAgainAfterMs)} | ${r.model ? `${r.model.reads} s / ${r.model.writes} s` : '—'} | ${r.ackedWrites} (${r.ackedWritesLost}; ${r.mayBeLost}) | ${r.lagAtLossMs === null ? '—' : `${r.lagAtLossMs} ms`} | ${r.duplicates} | ${r.twoWriters} | ${r.figures.successDuringFault === null ? '—' : `${(r.figures.successDuringFault * 100).toFixed(2)} %`} |`,
  );
  return [head, `|${' --- |'.repeat(9)}`, ...rows].join('\n');
}

async function buildService(dir: string): Promise<{ cmd: string; args: string[] }> {
  const prebuilt = process.env.DRILL_SERVICE_BUNDLE;
  if (prebuilt) return { cmd: process.execPath, args: [resolve(prebuilt)] };
  const outfile = join(dir, 'service', 'index.js');
  await build({ ...serviceBuildOptions(outfile), logLevel: 'warning' });
  return { cmd: process.execPath, args: [outfile] };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const ci = argv.includes('--ci');
  const keep = argv.includes('--keep');
  const profileArg = argv.indexOf('--profile');
  const profile = (profileArg >= 0 ? argv[profileArg + 1] : 'warm-standby') as DrillProfile;
  if (!DRILL_PROFILES.includes(profile))
    throw new Error(`--profile must be one of ${DRILL_PROFILES.join(', ')}, got ${argv[profileArg + 1]}`);
  const scenarios =
    profile === 'pilot-light' ? SCENARIOS.filter((x) => x.id === 'primary-region-lost') : SCENARIOS;
  const rateArg = argv.indexOf('--rate');
  const rate = rateArg >= 0 ? Number(argv[rateArg + 1]) : 40;
  if (!Number.isFinite(rate) || rate < 5 || rate > 200)
    throw new Error(`--rate must be within 5..200, got ${argv[rateArg + 1]}`);
  const t = timings(ci ? 10 : 1);
  const started = performance.now();
  const loadAtStart = loadavg()[0];
  const now = (): number => performance.now();
  const dir = registerTempDir(makeTempDir('drill-region-'));
  log(
    `working dir ${dir}; Route 53 timings ÷ ${t.scale}: interval ${t.intervalMs} ms × ${t.failureThreshold}, timeouts ${t.connectTimeoutMs}+${t.responseTimeoutMs} ms, TTL ${t.ttlMs} ms, grace ${t.graceSeconds} s, fence drain ${t.fenceDrainMs} ms`,
  );

  const capMs = ci ? 12 * 60_000 : 45 * 60_000;
  setTimeout(() => {
    log(`run exceeded its ${capMs / 60_000} min cap: stopping everything`);
    killAllSync();
    if (!keep) removeTempDirs();
    process.exit(3);
  }, capMs).unref();
  const stopAll = (code: number) => () => {
    killAllSync();
    if (!keep) removeTempDirs();
    process.exit(code);
  };
  process.once('SIGINT', stopAll(130));
  process.once('SIGTERM', stopAll(143));

  const regions: Record<Side, Region> = {
    primary: await Region.create({
      name: 'primary',
      dir: join(dir, 'primary'),
      instances: 2,
      azs: 2,
      readinessGraceSeconds: t.graceSeconds,
    }),
    dr: await Region.create({
      name: 'dr',
      dir: join(dir, 'dr'),
      instances: 2,
      azs: 2,
      readinessGraceSeconds: t.graceSeconds,
      ...(profile === 'pilot-light' ? { restingInstances: PILOT_LIGHT_RESTING, headless: true } : {}),
    }),
  };
  const { chmodSync } = await import('node:fs');
  for (const d of [dir, join(dir, 'primary'), join(dir, 'dr')]) chmodSync(d, 0o711);
  const arn = (region: string): string =>
    `arn:aws:rds:${region}:${DEFAULT_CONFIG.primary.account}:cluster:${clusterIdentifier(DEFAULT_CONFIG, region)}`;
  const gdb = new LocalGlobalDatabase(
    globalClusterIdentifier(DEFAULT_CONFIG),
    {
      primary: {
        region: DEFAULT_CONFIG.primary.region,
        clusterArn: arn(DEFAULT_CONFIG.primary.region),
        node: regions.primary.pg,
      },
      dr: {
        region: DEFAULT_CONFIG.dr.region,
        clusterArn: arn(DEFAULT_CONFIG.dr.region),
        node: regions.dr.pg,
      },
    },
    now,
    log,
  );
  const appPassword = `drill-${Math.random().toString(36).slice(2)}`;
  const results: Result[] = [];
  let r53: Route53StandIn | undefined;
  let client: DnsRoutedClient | undefined;
  try {
    const service = await buildService(join(dir, 'bin'));
    await gdb.start(appPassword);
    log(
      `Global Database stand-in: ${regions.primary.pg.name} writer, ${regions.dr.pg.name} asynchronous standby`,
    );
    await Promise.all([regions.primary.startInfrastructure(), regions.dr.startInfrastructure()]);
    await regions.primary.startFleet(service, appPassword);
    await regions.dr.startFleet(service, appPassword);
    log(`regions: primary ${regions.primary.albUrl}, dr ${regions.dr.albUrl}`);

    const hcTimings = { ...t, checkers: 3 };
    r53 = new Route53StandIn(
      new HealthCheck(
        'hc-primary',
        regionalRecordName(DEFAULT_CONFIG, DEFAULT_CONFIG.primary.region),
        `${regions.primary.albUrl}/readyz?role=writer`,
        hcTimings,
        now,
      ),
      new HealthCheck(
        'hc-dr',
        regionalRecordName(DEFAULT_CONFIG, DEFAULT_CONFIG.dr.region),
        `${regions.dr.albUrl}/readyz`,
        hcTimings,
        now,
      ),
      t.ttlMs,
      now,
    );
    r53.start();
    client = new DnsRoutedClient(r53, {
      primary: new HttpClient(regions.primary.albUrl),
      dr: new HttpClient(regions.dr.albUrl),
    });
    const data = await seed(client, 16, 100);
    await waitUntil(
      'the seeded items replayed in DR',
      async () =>
        Number(
          (await regions.dr.pg.sql<{ n: string }>('SELECT count(*) AS n FROM items', [], APP_DB))[0].n,
        ) >= 100,
      30_000,
    );
    log(`seeded ${data.tokens.length} sessions and ${data.itemIds.length} items`);
    const capacity =
      profile === 'pilot-light'
        ? pilotLightCapacity(regions.dr, (constant('auroraInstanceCreate').value * 1000) / t.scale, log)
        : undefined;
    const env: Env = {
      t,
      profile,
      ...(capacity ? { capacity } : {}),
      regions,
      gdb,
      r53,
      client,
      service,
      appPassword,
      now,
    };
    for (const s of scenarios) results.push(await runScenario(env, s, data, rate));
  } finally {
    r53?.stop();
    client?.close();
    if (keep) log(`logs kept in ${dir}`);
    await Promise.all([regions.primary.stop(), regions.dr.stop()]).catch((e: unknown) =>
      log(`stop: ${String(e)}`),
    );
    await gdb.stop().catch(() => undefined);
    killAllSync();
    if (!keep) removeTempDirs();
  }

  const failures = results.flatMap((r) => r.failures.map((f) => `${r.id}: ${f}`));
  const report = {
    generatedAt: new Date().toISOString(),
    mode: ci ? 'ci' : 'full',
    profile,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    config: {
      ratePerSec: rate,
      writeShare: 0.2,
      timingScale: `÷ ${t.scale}`,
      route53: `interval ${t.intervalMs} ms, failure threshold ${t.failureThreshold}, 3 checkers, healthy when > 18 % say so, connect/response timeouts ${t.connectTimeoutMs}/${t.responseTimeoutMs} ms`,
      aliasTtlMs: t.ttlMs,
      readinessGraceSeconds: t.graceSeconds,
      fenceDrainMs: t.fenceDrainMs,
      regions:
        profile === 'pilot-light'
          ? `each: 2 service instances in 2 "AZs" behind HAProxy (ALB model), 3+3 Redis Cluster, one PostgreSQL node; DR as pilot light: ${PILOT_LIGHT_RESTING} instance at rest, database headless until the runbook's instance is available (auroraInstanceCreate ${constant('auroraInstanceCreate').value} s ÷ ${t.scale})`
          : 'each: 2 service instances in 2 "AZs" behind HAProxy (ALB model), 3+3 Redis Cluster, one PostgreSQL node',
      globalDatabase:
        'PostgreSQL streaming ASYNCHRONOUSLY from the writer to the other region through a cuttable link',
      clientRetries: `${CLIENT_RETRY.maxRetries} retries within ${CLIENT_RETRY.budgetMs} ms on network error/502/503/504; POSTs with an Idempotency-Key`,
    },
    environment: {
      node: process.version,
      cpus: cpus().length,
      loadAverage1mAtStart: Math.round(loadAtStart * 100) / 100,
      loadAverage1mAtEnd: Math.round(loadavg()[0] * 100) / 100,
    },
    scenarios: results,
    passed: failures.length === 0 && results.length === scenarios.length,
  };
  const outDir = ci ? resolve(__dirname, '..', '..', '.drill') : resolve(__dirname, '..', 'results');
  const stem = profile === 'pilot-light' ? 'region-pilot-light' : 'region';
  const base = ci ? `${stem}-ci-latest` : `${stem}-latest`;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const table = formatRegionTable(results);
  writeFileSync(
    join(outDir, `${base}.md`),
    `# drill:region (${report.mode}, ${profile}, ${report.generatedAt})\n\n${table}\n\nTimings ÷ ${t.scale}. Runbook runs per scenario (ms after the fault):\n\n${results
      .map(
        (r) =>
          `- ${r.id}: ${r.runbook.map((x) => `${x.at} ${x.outcome}`).join(', ')}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
      )
      .join('\n')}\n`,
  );
  process.stdout.write(`\n${table}\n\n`);
  if (!report.passed) {
    process.stdout.write(`drill:region FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write(
    `drill:region passed (${results.length} scenarios, ${report.durationSeconds} s); results in ${join(outDir, base)}.{json,md}\n`,
  );
  return 0;
}

if (require.main === module) runDrillMain(main, log);
