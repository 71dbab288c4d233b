/** Result model, pass/fail gates and the markdown table (pure; unit-tested in test/drill/report.test.ts). */
import type { Extra } from './scenarios/types';
import type { ScenarioFigures } from './stats';

export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  /** Gating checks fail the run (exit code 1); the others are reported. */
  readonly gating: boolean;
  readonly detail: string;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly figures: ScenarioFigures;
  readonly ackedWrites: number;
  readonly ackedWritesLost: number;
  /** Acknowledgements that were replays (a retried write found done by its first attempt). */
  readonly replayedWrites: number;
  /** Logical writes stored more than once (rows sharing an Idempotency-Key or a write's unique name). */
  readonly duplicateWrites: number;
  /** Service processes that exited during the scenario without the drill asking (crashes). */
  readonly crashes: number;
  readonly extra: Extra;
  readonly notes: readonly string[];
  readonly checks: readonly CheckResult[];
}

export interface DrillReport {
  readonly generatedAt: string;
  readonly mode: 'full' | 'ci';
  readonly durationSeconds: number;
  readonly config: Record<string, number | string>;
  readonly environment: Record<string, string | number>;
  readonly serviceEnvOverrides?: Record<string, string>;
  readonly scenarios: readonly ScenarioResult[];
  readonly passed: boolean;
}

/**
 * The checks every scenario gets: no acknowledged write lost, no write stored twice, and where the scenario sets
 * one, a floor on user-visible success during the fault (after the client's retries). First-attempt success is
 * reported beside it but never gates: the ALB forwards each request once, so it is the balancer alone.
 */
export function standardChecks(
  figures: ScenarioFigures,
  writes: { readonly lost: number; readonly duplicates: number; readonly crashes: number },
  minSuccessDuringFault?: number,
): CheckResult[] {
  const checks: CheckResult[] = [
    {
      name: 'no acknowledged write lost',
      passed: writes.lost === 0,
      gating: true,
      detail: `${writes.lost} lost`,
    },
    {
      name: 'no write stored twice',
      passed: writes.duplicates === 0,
      gating: true,
      detail: `${writes.duplicates} duplicates`,
    },
    {
      name: 'no service process crashed',
      passed: writes.crashes === 0,
      gating: true,
      detail: `${writes.crashes} exits nobody asked for`,
    },
  ];
  if (minSuccessDuringFault !== undefined) {
    const got = figures.successDuringFault;
    checks.push({
      name: `user-visible success during fault ≥ ${formatPercent(minSuccessDuringFault)}`,
      passed: got !== null && got >= minSuccessDuringFault,
      gating: true,
      detail:
        got === null
          ? 'no request sent during the fault'
          : `${formatPercent(got)}; first attempts ${formatPercent(figures.firstAttemptSuccessDuringFault)}, not gating`,
    });
  }
  return checks;
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '–';
  const pct = ratio * 100;
  return `${pct === 100 ? '100' : pct.toFixed(2)} %`;
}

export function formatMs(ms: number | null, nullText = '–'): string {
  if (ms === null) return nullText;
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatFailures(byStatus: Record<string, number>): string {
  const entries = Object.entries(byStatus).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length === 0 ? '0' : entries.map(([k, v]) => `${v} × ${k}`).join(', ');
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function formatTable(results: readonly ScenarioResult[]): string {
  const header = [
    'Scenario',
    'Sent',
    'OK',
    'Failed (by status)',
    'Retried',
    'First-attempt success during fault',
    'User-visible success during fault',
    'Longest error burst',
    'Detected after',
    'Full success again after',
    'p99 during',
    'p99 after',
    'Acked writes (lost)',
    'Duplicates',
    'Crashes',
  ];
  const rows = results.map((r) => {
    const f = r.figures;
    return [
      r.title,
      String(f.sent),
      String(f.succeeded),
      formatFailures(f.failedByStatus),
      String(f.retried),
      formatPercent(f.firstAttemptSuccessDuringFault),
      formatPercent(f.successDuringFault),
      formatMs(f.longestErrorBurstMs),
      typeof r.extra.detectedAfterMs === 'number' ? formatMs(r.extra.detectedAfterMs) : '–',
      formatMs(f.timeToRecoverMs, 'not recovered'),
      formatMs(f.p99DuringMs),
      formatMs(f.p99AfterMs),
      `${r.ackedWrites} (${r.ackedWritesLost})`,
      String(r.duplicateWrites),
      String(r.crashes),
    ];
  });
  const line = (cols: readonly string[]): string => `| ${cols.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function formatExtra(extra: Extra): string {
  return Object.entries(extra)
    .map(([k, v]) => `${k}=${v === null ? 'n/a' : String(v)}`)
    .join(', ');
}

export function formatMarkdown(report: DrillReport): string {
  const lines = [
    `# Failover drill (${report.mode}) — ${report.generatedAt}`,
    '',
    formatTable(report.scenarios),
    '',
    'How to read it: requests are sent at a fixed rate (~80 % GET of known items, ~20 % POST) through the balancer by',
    'well-behaved clients: on a network error or a 502/503/504 a request is retried (by default up to 3 times, after',
    'a jittered 100-300, 200-600 then 400-1200 ms backoff, none later than 4 s after the first send, each attempt cut at 1 s; "Config" gives this',
    'run\'s policy), and every POST carries an Idempotency-Key (one per logical write, reused on its retries). "Sent",',
    '"OK" and "Failed" count logical requests and their user-visible outcome; "Retried" is how many needed a retry.',
    '"First-attempt success" is what the balancer alone gives: the ALB (HAProxy here) never retries, so requests',
    'routed to a dead target fail until health checks take it out; it is printed, not gated. "User-visible success"',
    '(after the retries) is the gated figure. Both count requests sent while the fault was in force (for kills: until',
    'the ASG stand-in relaunched the capacity). An error burst groups user-visible failures less than 500 ms apart;',
    '"full success again after" is the time from the fault to the first request after which every request succeeded.',
    '"Detected after" is when the system noticed the fault (taken out of rotation, failed over, readiness failed: the',
    'scenario\'s details say which); "Crashes" counts service processes that exited without the drill asking (gated: 0).',
    'Acknowledged writes (201, or 200 replayed) are looked up on the current primary after each scenario;',
    '"Duplicates" counts logical writes stored more than once (rows sharing an Idempotency-Key or a write\'s unique',
    'name).',
    '',
    '## Details and checks',
    '',
  ];
  for (const r of report.scenarios) {
    lines.push(
      `- **${r.title}** — failed reads ${r.figures.failedReads}, failed writes ${r.figures.failedWrites} (before/during/after the fault: ${r.figures.failedByPhase.before}/${r.figures.failedByPhase.during}/${r.figures.failedByPhase.after}), p99 of reads during the fault ${formatMs(r.figures.p99ReadsDuringMs)}; stale reads during the fault ${r.figures.staleReadsDuringFault} of ${r.figures.readsDuringFault} (${formatPercent(r.figures.readsDuringFault === 0 ? null : r.figures.staleReadsDuringFault / r.figures.readsDuringFault)}); first attempts failed: ${formatFailures(r.figures.firstAttemptFailedByStatus)} (longest burst ${formatMs(r.figures.firstAttemptLongestErrorBurstMs)}); ${r.figures.retried} requests retried (${r.figures.retriesSent} retries sent); ${r.replayedWrites} writes acknowledged as replays; ${formatExtra(r.extra)}`,
    );
    for (const c of r.checks)
      lines.push(
        `  - ${c.passed ? 'PASS' : c.gating ? 'FAIL' : 'MISS (reported, not gating)'}: ${c.name} (${c.detail})`,
      );
    for (const n of r.notes) lines.push(`  - note: ${n}`);
  }
  lines.push(
    '',
    `Config: ${Object.entries(report.config)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `Environment: ${Object.entries(report.environment)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    ...(report.serviceEnvOverrides
      ? [
          `Service env overrides: ${Object.entries(report.serviceEnvOverrides)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
        ]
      : []),
    `Result: ${report.passed ? 'PASSED' : 'FAILED'} in ${report.durationSeconds} s`,
    '',
  );
  return lines.join('\n');
}

/** Gating failures across the report (empty = pass). */
export function gatingFailures(results: readonly ScenarioResult[]): string[] {
  return results.flatMap((r) =>
    r.checks.filter((c) => c.gating && !c.passed).map((c) => `${r.id}: ${c.name} (${c.detail})`),
  );
}
