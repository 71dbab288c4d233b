import { cell, formatPercent, formatSeconds, formatSource, passFail } from './format';
import { COST_LABEL } from './cost';
import type {
  AvailabilityModel,
  ProfileComparison,
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
  relaxed: 'RELAXED by profile',
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
          const by = inv.checks.find((c) => c.relaxedByProfile)?.relaxedByProfile;
          return [
            inv.invariant,
            inv.verdict === 'relaxed' && by ? `${VERDICT.relaxed} ${by}` : VERDICT[inv.verdict],
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
        const status = c.relaxedByProfile ? `relaxed by profile ${c.relaxedByProfile}` : c.status;
        out.push(`- **${c.ruleId}** (${c.level}, ${status}) \`${c.stackName}/${c.logicalId}\`: ${c.message}`);
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

/** USD with cents below 100, whole dollars above ("$3,993"). */
export function formatUsd(usd: number): string {
  return usd >= 100 ? `$${Math.round(usd).toLocaleString('en-US')}` : `$${usd.toFixed(2)}`;
}

/** The cost model's method, printed under the cost tables. */
const COST_METHOD: readonly string[] = [
  '**Instances**: each Auto Scaling group’s DesiredCapacity, else MinSize, × the first instance type of its prioritized mixed-instances policy (what it launches first), plus its gp3 root volumes.',
  '**Aurora instances**: every DBInstance by class. **Aurora storage**: `dbStorageGb` per cluster, in each region (a Global Database secondary stores its own copy); I/O is not modeled except replication.',
  '**Global Database replication**: `dbWriteGbPerMonth` as 4 KiB replicated write I/Os, billed in the secondary’s region, plus the same GB as inter-region transfer from the writer’s.',
  '**RDS Proxy**: the vCPUs of the instances of the clusters it targets (at least 2). **Cache nodes**: shards × (1 + replicas) of each replication group, by node type and engine.',
  '**NAT gateways**: one per NAT gateway-hour plus `natGbPerMonth` processed; **Public IPv4**: the NAT Elastic IPs and one address per AZ of an internet-facing ALB; **Interface endpoints**: endpoint × subnet (AZ) hours.',
  '**Load balancer**: ALB hours, and where the PRIMARY record serves, `trafficGbPerMonth` as LCU-hours (1 GB/hour = 1 LCU) and as internet egress (**Data transfer out**).',
  '**KMS keys**, **Secrets** (a replica is billed in its region), **WAF** web ACLs and rules when present, **Canary runs** from each canary’s schedule, **Log storage** (`logGbPerMonth` ingested, kept for the longest RetentionInDays), **Alarms and dashboards**, **Route 53 health checks** with their optional features.',
];

function costSection(report: ResilienceReport): string[] {
  const c = report.cost;
  const out = [`## Monthly cost (${c.label})`, ''];
  out.push(
    `**${formatUsd(c.usdPerMonth)} per month** in USD for the templates as synthesized` +
      `${report.drStrategy ? ` (drStrategy \`${report.drStrategy}\`)` : ''}: on-demand list prices from the price table ` +
      'below times what the templates create, plus the usage assumptions. No discounts, free tiers, Savings Plans or taxes; ' +
      'your bill will differ.',
    '',
  );
  const components = [...new Set(c.regions.flatMap((r) => r.lines.map((l) => l.component)))];
  out.push(
    ...table(
      ['Component', ...c.regions.map((r) => `${r.region} (${r.stackName})`), 'Total'],
      [
        ...components.map((component) => {
          const per = c.regions.map((r) =>
            r.lines.filter((l) => l.component === component).reduce((n, l) => n + l.usdPerMonth, 0),
          );
          return [
            component,
            ...per.map((u) => (u === 0 ? '-' : formatUsd(u))),
            formatUsd(per.reduce((a, b) => a + b, 0)),
          ];
        }),
        [
          '**Total**',
          ...c.regions.map((r) => `**${formatUsd(r.usdPerMonth)}**`),
          `**${formatUsd(c.usdPerMonth)}**`,
        ],
      ],
    ),
    '',
  );
  for (const r of c.regions) {
    out.push(`### Cost lines: ${r.region} (${r.stackName})`, '');
    out.push(
      ...table(
        ['Component', 'What', 'Quantity', 'Price', 'Per month', 'From'],
        r.lines.map((l) => {
          const p = report.prices.find((x) => x.id === l.priceId);
          return [
            l.component,
            l.detail,
            `${trimNumber(l.quantity)} ${l.unit}`,
            p ? `$${p.usd} / ${p.unit} (\`${p.id}\`)` : `unpriced (\`${l.priceId}\`)`,
            formatUsd(l.usdPerMonth),
            [
              l.assumption ? `assumption \`${l.assumption}\`` : '',
              ...l.refs.slice(0, 2).map((x) => `\`${x}\``),
            ]
              .filter(Boolean)
              .join(', ') + (l.refs.length > 2 ? ` (+${l.refs.length - 2})` : ''),
          ];
        }),
      ),
      '',
    );
  }
  out.push(
    `Usage assumptions (${c.assumptionsSource === 'template' ? 'config `cost`, recorded in the templates' : 'project defaults: the templates record none'}; ` +
      'override them under `cost` in the config file):',
    '',
    ...Object.entries(c.assumptions).map(([k, v]) => `- \`${k}\` = ${v}`),
    '',
    ...c.unpriced.map((u) => `- Unpriced (counted at $0): ${u}`),
    ...c.notes.map((n) => `- ${n}`),
    '',
    'How each component is computed (`lib/report/cost.ts`, 730 hours a month):',
    '',
    ...COST_METHOD.map((m) => `- ${m}`),
    '',
  );
  return out;
}

function pricesSection(report: ResilienceReport): string[] {
  return [
    '## Prices (on-demand list prices the cost model uses)',
    '',
    '`quoted`: the figure was read on the page named, on the date given; `unverified`: the list price as this project ' +
      'knows it, with the AWS page that publishes it (the copy checked did not show the figure): check before relying on it.',
    '',
    ...table(
      ['Id', 'Price', 'USD', 'Unit', 'Regions', 'Basis', 'Source', 'Checked'],
      report.prices.map((p) => [
        `\`${p.id}\``,
        p.label,
        String(p.usd),
        p.unit,
        p.regions.join(', '),
        p.basis,
        `[${p.sourceTitle}](${p.sourceUrl})`,
        p.checked,
      ]),
    ),
    '',
  ];
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
    ...costSection(report),
    ...constantsSection(report),
    ...pricesSection(report),
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/** Cold-cache and runbook notes for the profiles a comparison holds. */
function comparisonNotes(rows: readonly ProfileComparison[]): string[] {
  const notes = [
    'RTO is modeled from each profile’s own templates and the constants table: detection, readiness grace and DNS as in the region-failure section of the report, plus (pilot light) the DR scale-up the runbook performs, plus (writes) the Global Database failover. The operator’s decision time before starting the runbook is not included.',
    'RPO on region loss is the Global Database replication lag in every profile: a headless secondary’s storage is kept in sync like any other.',
  ];
  if (rows.some((r) => r.drStrategy === 'pilot-light')) {
    notes.push(
      'Pilot light: the DR cache is smaller and starts cold after a failover: every read misses to the database until the working set is reloaded, so the Aurora instances the runbook adds carry the full read load for the first minutes (size them for it) and latency is higher until the cache warms.',
      'Pilot light: with a headless secondary the DR region cannot answer `/readyz` until the runbook has added an Aurora instance, so Route 53 cannot move traffic before the scale-up: the SECONDARY health check (and its us-east-1 alarm) is unhealthy at rest by design.',
    );
  }
  return notes;
}

/** The side-by-side table of DR strategies (`npm run report -- --compare`). */
export function renderComparison(rows: readonly ProfileComparison[]): string {
  const lines = [
    '# DR strategies side by side',
    '',
    `Each profile synthesized offline with the same config otherwise; cost is an ${COST_LABEL.toLowerCase()} (USD per month).`,
    '',
    ...table(
      [
        'drStrategy',
        'Monthly cost',
        'Per stack (primary / DR / monitoring)',
        'Region RTO, reads',
        'Region RTO, writes',
        'RPO, region loss',
        'Capacity after losing one AZ',
        'Relaxed by profile',
      ],
      rows.map((r) => [
        `\`${r.drStrategy}\``,
        `**${formatUsd(r.usdPerMonth)}**`,
        r.usdByRegion.map((u) => formatUsd(u.usd)).join(' / '),
        r.regionRto.modeled ? formatSeconds(r.regionRto.reads.seconds) : 'not modeled',
        r.regionRto.modeled ? formatSeconds(r.regionRto.writes.seconds) : 'not modeled',
        r.rpoSeconds === undefined ? 'not modeled' : formatSeconds(r.rpoSeconds),
        r.capacityAfterAzLoss
          ? `${trimNumber(r.capacityAfterAzLoss.left)} of ${r.capacityAfterAzLoss.minSize} (${Math.round(r.capacityAfterAzLoss.fractionLeft * 100)} %)`
          : 'not modeled',
        r.relaxed.join(', ') || '-',
      ]),
    ),
    '',
  ];
  for (const r of rows) {
    lines.push(`## \`${r.drStrategy}\`: region RTO for writes, step by step`, '');
    lines.push(
      ...table(
        ['Step', 'Seconds', 'Source'],
        [
          ...sumRows(r.regionRto.writes),
          ['**Total (writes)**', `**${formatSeconds(r.regionRto.writes.seconds)}**`, ''],
        ],
      ),
      '',
    );
  }
  lines.push('## Notes', '', ...comparisonNotes(rows).map((n) => `- ${n}`), '');
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
