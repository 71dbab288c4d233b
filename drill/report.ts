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

/** The checks every scenario gets: no acknowledged write lost; a success floor where the scenario sets one. */
export function standardChecks(
  figures: ScenarioFigures,
  ackedWritesLost: number,
  minSuccessDuringFault?: number,
): CheckResult[] {
  const checks: CheckResult[] = [
    {
      name: 'no acknowledged write lost',
      passed: ackedWritesLost === 0,
      gating: true,
      detail: `${ackedWritesLost} lost`,
    },
  ];
  if (minSuccessDuringFault !== undefined) {
    const got = figures.successDuringFault;
    checks.push({
      name: `success during fault ≥ ${formatPercent(minSuccessDuringFault)}`,
      passed: got !== null && got >= minSuccessDuringFault,
      gating: true,
      detail: got === null ? 'no request sent during the fault' : formatPercent(got),
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
    'Success during fault',
    'Longest error burst',
    'Full success again after',
    'p99 during',
    'p99 after',
    'Acked writes (lost)',
  ];
  const rows = results.map((r) => {
    const f = r.figures;
    return [
      r.title,
      String(f.sent),
      String(f.succeeded),
      formatFailures(f.failedByStatus),
      formatPercent(f.successDuringFault),
      formatMs(f.longestErrorBurstMs),
      formatMs(f.timeToRecoverMs, 'not recovered'),
      formatMs(f.p99DuringMs),
      formatMs(f.p99AfterMs),
      `${r.ackedWrites} (${r.ackedWritesLost})`,
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
    'How to read it: requests are sent at a fixed rate (~80 % GET of known items, ~20 % POST) through the balancer;',
    '"success during fault" counts requests sent while the fault was in force (for kills: until the ASG stand-in',
    'relaunched the capacity); an error burst groups failures less than 500 ms apart; "full success again after" is',
    'the time from the fault to the first request after which every request succeeded; acknowledged writes (201) are',
    'looked up on the current primary after each scenario.',
    '',
    '## Details and checks',
    '',
  ];
  for (const r of report.scenarios) {
    lines.push(
      `- **${r.title}** — failed reads ${r.figures.failedReads}, failed writes ${r.figures.failedWrites} (before/during/after the fault: ${r.figures.failedByPhase.before}/${r.figures.failedByPhase.during}/${r.figures.failedByPhase.after}), p99 of reads during the fault ${formatMs(r.figures.p99ReadsDuringMs)}; ${formatExtra(r.extra)}`,
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
