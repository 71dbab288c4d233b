import { cell, formatPercent, formatSeconds, formatSource, passFail } from './format';
import type {
  AvailabilityModel,
  AzFailoverModel,
  InvariantStatus,
  RegionFailoverModel,
  ResilienceReport,
  RpoModel,
  Sum,
} from './types';

const VERDICT: Record<InvariantStatus['verdict'], string> = {
  pass: 'PASS',
  warn: 'PASS (warning)',
  fail: 'FAIL',
  'not-applicable': 'n/a',
};

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function sumRows(s: Sum): string[][] {
  return s.terms.map((t) => [t.label, formatSeconds(t.seconds), formatSource(t)]);
}

function budgetsSection(report: ResilienceReport): string[] {
  return [
    '## Budgets (docs/architecture.md)',
    '',
    ...table(
      ['Budget', 'Limit', 'Modeled', 'Result', 'Note'],
      report.budgets.map((b) => [
        b.description,
        formatSeconds(b.budget),
        b.modeled === undefined ? 'not modeled' : formatSeconds(b.modeled),
        passFail(b.pass),
        b.note,
      ]),
    ),
    '',
  ];
}

/** Resources behind an invariant; long runs of one type (e.g. FIS templates) are counted, not listed. */
function resourceList(inv: InvariantStatus): string[] {
  const byType = new Map<string, string[]>();
  for (const c of inv.checks) {
    const id = `\`${c.stackName}/${c.logicalId}\``;
    const ids = byType.get(c.resourceType) ?? [];
    if (!ids.includes(id)) ids.push(id);
    byType.set(c.resourceType, ids);
  }
  return [...byType.entries()].flatMap(([type, ids]) =>
    ids.length > 3 ? [`${ids.length} × ${type} (e.g. ${ids[0]})`] : ids.map((id) => `${id} (${type})`),
  );
}

function invariantsSection(report: ResilienceReport): string[] {
  const out = ['## Invariants per region', ''];
  out.push(
    'Verdicts come from the resilience rule pack (`lib/checks`, rules `RES-*`); INV-OBS and INV-CHAOS have no',
    'rule in the pack, so the report checks the presence of their resources (`REPORT-*`).',
    '',
  );
  for (const region of report.regions) {
    out.push(`### ${region.region} (${region.stacks.join(', ')})`, '');
    out.push(
      ...table(
        ['Invariant', 'Result', 'Checks', 'Resources'],
        region.invariants.map((inv) => {
          const rules = [...new Set(inv.checks.map((c) => c.ruleId))];
          const resources = resourceList(inv);
          return [
            inv.invariant,
            VERDICT[inv.verdict],
            rules.join(', ') || '-',
            resources.join('<br>') || '-',
          ];
        }),
      ),
    );
    const notPassing = region.invariants.flatMap((i) => i.checks.filter((c) => c.status !== 'pass'));
    if (notPassing.length > 0) {
      out.push('', 'Not passing:', '');
      for (const c of notPassing) {
        out.push(
          `- **${c.ruleId}** (${c.level}, ${c.status}) \`${c.stackName}/${c.logicalId}\`: ${c.message}`,
        );
      }
    }
    out.push('');
  }
  return out;
}

function azSection(models: readonly AzFailoverModel[]): string[] {
  const out: string[] = [];
  for (const m of models) {
    out.push(`### AZ failure: ${m.region} (${m.stackName})`, '');
    out.push(
      ...table(
        ['Mechanism', 'Impact', 'Typical', 'Upper', 'Affects', 'Made of'],
        m.components.map((c) => [
          c.name,
          c.impact,
          formatSeconds(c.typical.seconds),
          formatSeconds(c.upper.seconds),
          c.scope,
          c.upper.terms
            .map((t) => `${t.label} = ${formatSeconds(t.seconds)} (${formatSource(t)})`)
            .join('; '),
        ]),
      ),
      '',
    );
    if (m.userVisible) {
      out.push(
        `User-visible impact is bounded by **${m.userVisible.boundedBy}**: typically ${formatSeconds(m.userVisible.typicalSeconds)}, ` +
          `at most about ${formatSeconds(m.userVisible.upperSeconds)}.`,
      );
    }
    if (m.capacityRestoration) {
      out.push(
        `Capacity restoration (not user-visible, the other AZs carry the load): about ${formatSeconds(m.capacityRestoration.seconds)} ` +
          `(${m.capacityRestoration.boundedBy}).`,
      );
    }
    for (const u of m.unresolved) out.push(`- Not modeled: ${u}`);
    out.push('');
  }
  return out;
}

function regionSection(models: readonly RegionFailoverModel[]): string[] {
  const out: string[] = [];
  for (const m of models) {
    out.push(
      `### Region failure: traffic leaves ${m.fromRegion} for ${m.toRegions.join(', ') || 'no SECONDARY'} (\`${m.stackName}/${m.record}\`)`,
      '',
    );
    out.push(
      ...table(
        ['Step', 'Seconds', 'Source'],
        [...sumRows(m.dns), ['**DNS failover total**', `**${formatSeconds(m.dns.seconds)}**`, '']],
      ),
      '',
    );
    out.push(
      "Worst case shown: the region's database is lost while its instances still answer, so `/readyz` keeps " +
        'passing for the readiness grace first. When the whole region is unreachable, the health check fails at ' +
        'once and the grace does not add.',
      '',
    );
    if (m.databaseFailover) {
      out.push(
        `Then, separately: **${m.databaseFailover.terms.map((t) => t.label).join(' + ')}** ` +
          `≈ ${formatSeconds(m.databaseFailover.seconds)} after an operator starts it ` +
          `(\`npm run failover -- --unplanned\`). Until then the DR region serves reads; writes resume ` +
          `about ${formatSeconds(m.dns.seconds + m.databaseFailover.seconds)} after the failure plus the operator's decision time.`,
      );
    }
    for (const u of m.unresolved) out.push(`- Not modeled: ${u}`);
    out.push('');
  }
  return out;
}

function rpoSection(rpo: RpoModel): string[] {
  const rows: string[][] = [];
  if (rpo.regionLoss) {
    rows.push([
      'Region loss',
      formatSeconds(rpo.regionLoss.sum.seconds),
      `${rpo.regionLoss.basis}: ${rpo.regionLoss.note}`,
      rpo.regionLoss.sum.terms.map(formatSource).join('; '),
    ]);
  }
  const c = rpo.logicalCorruption;
  if (c) {
    rows.push([
      `Logical corruption, restore in ${c.region} from the newest snapshot`,
      formatSeconds(c.inRegion.seconds),
      `snapshot schedule ${c.schedule} of ${c.stackName}`,
      c.inRegion.terms.map(formatSource).join('; '),
    ]);
    rows.push([
      'Logical corruption, restore in the other region from the newest copy',
      formatSeconds(c.crossRegion.seconds),
      'snapshot interval + cross-region copy time',
      c.crossRegion.terms.map(formatSource).join('; '),
    ]);
    if (c.pointInTime) {
      rows.push([
        'Logical corruption noticed within the backup retention, point-in-time restore in-region',
        formatSeconds(c.pointInTime.seconds),
        'automated backups (BackupRetentionPeriod ≥ 1)',
        c.pointInTime.terms.map(formatSource).join('; '),
      ]);
    }
  }
  if (rows.length === 0)
    return ['### Recovery points', '', 'Not modeled: no Global Database and no snapshot schedule.', ''];
  return ['### Recovery points (RPO)', '', ...table(['Scenario', 'RPO', 'Basis', 'Source'], rows), ''];
}

function capacitySection(report: ResilienceReport): string[] {
  if (report.recovery.capacity.length === 0) return [];
  return [
    '### Capacity after losing one AZ (static stability)',
    '',
    ...table(
      ['Region', 'Auto Scaling group', 'MinSize', 'AZs', 'Per AZ', 'Left after one AZ', 'Share left'],
      report.recovery.capacity.map((c) => [
        c.region,
        `\`${c.stackName}/${c.autoScalingGroup}\``,
        String(c.minSize),
        `${c.azs.length} (${c.azs.join(', ')})`,
        trimNumber(c.perAz),
        trimNumber(c.afterLosingOneAz),
        `${Math.round(c.fractionLeft * 100)} %`,
      ]),
    ),
    '',
  ];
}

function trimNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function availabilitySection(a: AvailabilityModel | undefined): string[] {
  if (!a) return [];
  const out = [`## Composite availability (${a.label})`, ''];
  out.push(
    ...table(
      ['Scope', 'Services', 'Availability'],
      [
        ...a.regions.map((r) => [
          `${r.region} (in series)`,
          r.inSeries.map((s) => `${s.service} ${s.percent} %`).join(' × '),
          formatPercent(r.percent),
        ]),
        [
          'Regions in parallel',
          a.regions.map((r) => r.region).join(' ∥ '),
          formatPercent(a.parallelPercent, 6),
        ],
        ...a.global.map((g) => [
          `Global, in series`,
          `${g.service} ${g.percent} %`,
          formatPercent(g.percent, 2),
        ]),
        ['**Overall (SLA-based estimate)**', '', `**${formatPercent(a.overallPercent, 6)}**`],
      ],
    ),
    '',
    `About ${a.downtimeMinutesPerMonth.toFixed(3)} minutes of downtime per month by this estimate. Assumptions:`,
    '',
    ...a.assumptions.map((x) => `- ${x}`),
    '',
  );
  return out;
}

function constantsSection(report: ResilienceReport): string[] {
  return [
    '## Constants (the only numbers not read from the templates)',
    '',
    ...table(
      ['Id', 'Constant', 'Value', 'Basis', 'Statement', 'Source'],
      report.constants.map((c) => [
        `\`${c.id}\``,
        c.label,
        c.unit === 'percent' ? `${c.value} %` : `${c.value} s`,
        c.basis,
        c.statement,
        c.sourceUrl.startsWith('http') ? `[${c.sourceTitle}](${c.sourceUrl})` : `\`${c.sourceUrl}\``,
      ]),
    ),
    '',
  ];
}

/** The report as markdown (what `npm run report` prints). Deterministic: no timestamps. */
export function renderMarkdown(report: ResilienceReport): string {
  const stacks = report.stacks.map((s) => `\`${s.stackName}\` (${s.region ?? 'region-agnostic'})`).join(', ');
  const lines = [
    '# Resilience report',
    '',
    `Computed from the synthesized templates of ${stacks}, the resilience rule pack and the constants table below.`,
    `Invariants: **${passFail(report.invariantsPass)}**. Budgets: **${passFail(report.budgetsPass)}**.`,
    '',
    ...budgetsSection(report),
    ...invariantsSection(report),
    '## Modeled recovery',
    '',
    ...azSection(report.recovery.az),
    ...regionSection(report.recovery.region),
    ...rpoSection(report.recovery.rpo),
    ...capacitySection(report),
    ...availabilitySection(report.availability),
    ...constantsSection(report),
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
