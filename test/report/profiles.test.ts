import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StackInput } from '../../lib/checks';
import { DR_STRATEGIES, type DrStrategy } from '../../lib/config';
import {
  buildReport,
  compareProfiles,
  constant,
  type ProfileComparison,
  renderComparison,
  type ResilienceReport,
} from '../../lib/report';
import { defaultApp, synthApp } from '../helpers/app';

/**
 * The three DR strategies, each synthesized ONCE (offline): pilot light and minimal in this file,
 * with the policy packs; warm standby, the default config, is the run's defaultApp(). Every
 * assertion is a direction a profile must move cost or recovery time, never a figure copied from
 * the code.
 */
interface Run {
  readonly report: ResilienceReport;
  readonly row: ProfileComparison;
  /** Plugin reports of the synth's validation-report.json that did not succeed (warnings succeed). */
  readonly failingPacks: unknown[];
}

const runs = {} as Record<DrStrategy, Run>;

/** Plugin reports of a synth's validation-report.json that did not succeed (none without one). */
function failingPacksOf(outdir: string): unknown[] {
  const reportFile = path.join(outdir, 'validation-report.json');
  const validation = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : {};
  return (validation.pluginReports ?? []).filter(
    (r: { summary?: { status?: string }; conclusion?: string }) =>
      (r.summary?.status ?? r.conclusion) !== 'success',
  );
}

function run(drStrategy: DrStrategy, stacks: StackInput[], failingPacks: unknown[]): Run {
  const report = buildReport(stacks);
  const [row] = compareProfiles([{ drStrategy, stacks, report }]);
  return { report, row, failingPacks };
}

beforeAll(() => {
  for (const drStrategy of DR_STRATEGIES) {
    if (drStrategy === 'warm-standby') {
      // The default config's profile: the app synthesized once per run (defaultApp(), no packs).
      // Its packs are proven by test/app/offline-synth.int.test.ts.
      runs[drStrategy] = run(drStrategy, defaultApp().stacks, []);
      continue;
    }
    const synth = synthApp({ overrides: { drStrategy }, validations: true });
    runs[drStrategy] = run(drStrategy, synth.stacks, failingPacksOf(synth.app.outdir));
    fs.rmSync(synth.app.outdir, { recursive: true, force: true });
  }
}, 240_000);

const cost = (s: DrStrategy) => runs[s].row.usdPerMonth;
const drCost = (s: DrStrategy) =>
  runs[s].row.usdByRegion.find((r) => r.stackName.endsWith('-secondary'))!.usd;
const primaryCost = (s: DrStrategy) =>
  runs[s].row.usdByRegion.find((r) => r.stackName.endsWith('-primary'))!.usd;
const reads = (s: DrStrategy) => runs[s].row.regionRto.reads.seconds;
const writes = (s: DrStrategy) => runs[s].row.regionRto.writes.seconds;

describe.each(DR_STRATEGIES)('drStrategy %s', (s) => {
  test('GIVEN the profile WHEN synthesized offline THEN the policy packs pass and no invariant fails', () => {
    expect(runs[s].failingPacks).toEqual([]);
    expect(runs[s].report.invariantsPass).toBe(true);
    expect(runs[s].report.drStrategy).toBe(s);
  });

  test('GIVEN the profile WHEN reported THEN cost, both RTOs, the RPO and the capacity after an AZ loss are modeled', () => {
    const row = runs[s].row;
    expect(row.usdPerMonth).toBeGreaterThan(0);
    expect(row.regionRto.modeled).toBe(true);
    expect(row.regionRto.writes.seconds).toBeGreaterThan(row.regionRto.reads.seconds);
    expect(row.rpoSeconds).toBeDefined();
    expect(row.capacityAfterAzLoss?.left).toBeGreaterThan(0);
  });
});

describe('profiles side by side', () => {
  test('THEN cost falls from warm standby to pilot light to minimal', () => {
    expect(cost('pilot-light')).toBeLessThan(cost('warm-standby'));
    expect(cost('minimal')).toBeLessThan(cost('pilot-light'));
  });

  test('THEN pilot light saves in DR only: the primary costs the same as in warm standby', () => {
    expect(drCost('pilot-light')).toBeLessThan(drCost('warm-standby'));
    expect(primaryCost('pilot-light')).toBeCloseTo(primaryCost('warm-standby'), 6);
  });

  test('THEN pilot light pays for it in recovery time: reads and writes take at least the headless instance creation longer', () => {
    const create = constant('auroraInstanceCreate').value;
    expect(reads('pilot-light') - reads('warm-standby')).toBeGreaterThanOrEqual(create);
    expect(writes('pilot-light') - writes('warm-standby')).toBeGreaterThanOrEqual(create);
    expect(runs['pilot-light'].row.regionRto.reads.terms.map((t) => t.label).join('\n')).toMatch(
      /DR scale-up/,
    );
  });

  test('THEN warm standby and minimal fail over on the same DNS path (DR is ready at rest in both)', () => {
    expect(reads('minimal')).toBe(reads('warm-standby'));
    expect(runs['warm-standby'].row.regionRto.reads.terms.map((t) => t.label).join('\n')).not.toMatch(
      /scale-up/,
    );
  });

  test('THEN the RPO on region loss is the same in every profile (a headless secondary keeps its storage in sync)', () => {
    expect(new Set(DR_STRATEGIES.map((s) => runs[s].row.rpoSeconds)).size).toBe(1);
  });

  test('THEN minimal keeps less headroom after an AZ loss than warm standby, and never less than half', () => {
    const share = (s: DrStrategy) => runs[s].row.capacityAfterAzLoss!.fractionLeft;
    expect(share('minimal')).toBeLessThan(share('warm-standby'));
    expect(share('minimal')).toBeGreaterThanOrEqual(0.5);
  });

  test('THEN what pilot light relaxes is reported as relaxed by profile, in DR only, never as a pass', () => {
    const dr = runs['pilot-light'].report.regions.find(
      (r) => r.region !== runs['pilot-light'].row.capacityAfterAzLoss!.region,
    )!;
    const verdict = (inv: string) => dr.invariants.find((i) => i.invariant === inv)?.verdict;
    expect(verdict('INV-ASG')).toBe('relaxed');
    expect(verdict('INV-DB')).toBe('relaxed');
    expect(runs['pilot-light'].row.relaxed.join(' ')).toMatch(/RES-ASG2.*RES-DB1|RES-DB1.*RES-ASG2/);
    expect(runs['warm-standby'].row.relaxed).toEqual([]);
  });

  test('THEN the comparison prints one row per profile with its cost and both RTOs', () => {
    const md = renderComparison(DR_STRATEGIES.map((s) => runs[s].row));
    for (const s of DR_STRATEGIES) expect(md).toMatch(new RegExp(`\\| \`${s}\` \\| \\*\\*\\$[\\d,]+\\*\\*`));
    expect(md).toMatch(/cold/);
  });
});
