import type { DiagramModel, RegionView } from './model';

/**
 * A small, dependency-free SVG renderer for the diagram model: fixed layout, no measuring, no
 * timestamps or random ids, so the same assembly always gives the same bytes (the committed
 * docs/architecture.svg is checked against it in CI).
 */

const WIDTH = 1240;
const MARGIN = 20;
const REGION_W = (WIDTH - 3 * MARGIN) / 2;
const TOP_H = 150;
const REGION_Y = MARGIN + TOP_H + 70;
const ROW_H = 54;

const COLORS = {
  region: '#147eba',
  vpc: '#248814',
  az: '#7d8998',
  alb: '#8c4fff',
  fleet: '#ed7100',
  database: '#3334b9',
  cache: '#c7131f',
  ops: '#e7157b',
  dns: '#8c4fff',
  monitoring: '#e7157b',
} as const;

const ENGINES: Readonly<Record<string, string>> = {
  'aurora-postgresql': 'Aurora PostgreSQL',
  'aurora-mysql': 'Aurora MySQL',
};
/** "aurora-postgresql 16.6" → "Aurora PostgreSQL 16.6". */
const engineName = (engine: string): string => engine.replace(/^[a-z-]+/, (e) => ENGINES[e] ?? e);

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (n: number): string => String(Math.round(n * 10) / 10);

class Svg {
  private readonly parts: string[] = [];
  rect(
    x: number,
    y: number,
    w: number,
    h: number,
    stroke: string,
    opts: { fill?: string; dashed?: boolean; rx?: number } = {},
  ): void {
    this.parts.push(
      `<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" rx="${opts.rx ?? 6}" fill="${opts.fill ?? 'none'}" stroke="${stroke}" stroke-width="1.5"${opts.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
  }
  text(
    x: number,
    y: number,
    s: string,
    opts: { size?: number; bold?: boolean; color?: string; anchor?: 'start' | 'middle' | 'end' } = {},
  ): void {
    this.parts.push(
      `<text x="${f(x)}" y="${f(y)}" font-size="${opts.size ?? 12}"${opts.bold ? ' font-weight="bold"' : ''} fill="${opts.color ?? '#232f3e'}" text-anchor="${opts.anchor ?? 'start'}">${esc(s)}</text>`,
    );
  }
  arrow(
    x1: number,
    y1: number,
    x2: number,
    y2: number,
    color: string,
    opts: { dashed?: boolean; both?: boolean } = {},
  ): void {
    this.parts.push(
      `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" stroke="${color}" stroke-width="2"${opts.dashed ? ' stroke-dasharray="6 4"' : ''} marker-end="url(#arrow)"${opts.both ? ' marker-start="url(#arrow-start)"' : ''}/>`,
    );
  }
  /** A filled box with a title and detail lines. */
  box(
    x: number,
    y: number,
    w: number,
    h: number,
    color: string,
    title: string,
    lines: readonly string[] = [],
  ): void {
    // White under the tint: the AZ columns behind a box must not show through its text.
    this.rect(x, y, w, h, color, { fill: '#ffffff' });
    this.rect(x, y, w, h, color, { fill: `${color}14` });
    this.text(x + 8, y + 17, title, { bold: true, color });
    lines.forEach((l, i) => this.text(x + 8, y + 33 + i * 15, l, { size: 11 }));
  }
  toString(height: number, title: string): string {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="${esc(title)}">`,
      `<title>${esc(title)}</title>`,
      '<defs>',
      '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker>',
      '<marker id="arrow-start" viewBox="0 0 10 10" refX="1" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M10,0 L0,5 L10,10 z" fill="context-stroke"/></marker>',
      '</defs>',
      `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
      ...this.parts,
      '</svg>',
      '',
    ].join('\n');
  }
}

interface RegionAnchors {
  readonly albTop: { x: number; y: number };
  readonly database?: { left: number; right: number; y: number };
  readonly bottom: number;
}

/** Columns of the AZs a row covers, as [x, width] within the VPC. */
function span(
  azs: readonly string[],
  covered: readonly string[],
  x0: number,
  colW: number,
): [number, number] {
  const idx = covered.map((a) => azs.indexOf(a)).filter((i) => i >= 0);
  const first = idx.length > 0 ? Math.min(...idx) : 0;
  const last = idx.length > 0 ? Math.max(...idx) : azs.length - 1;
  return [x0 + first * colW + 6, (last - first + 1) * colW - 12];
}

function drawRegion(svg: Svg, r: RegionView, x: number, y: number): RegionAnchors {
  const w = REGION_W;
  const vpcX = x + 14;
  const vpcY = y + 44;
  const vpcW = w - 28;
  const colW = (vpcW - 16) / r.azs.length;
  const col0 = vpcX + 8;
  const rowsY = vpcY + 50;
  // ALB, fleet, database (with its instances per AZ), cache.
  const rowHeights = [ROW_H, ROW_H, ROW_H + 30, ROW_H];
  const rowY = (i: number) => rowsY + rowHeights.slice(0, i).reduce((a, b) => a + b + 10, 0);
  const vpcH = rowY(rowHeights.length) - vpcY + 2;

  svg.text(x + 12, y + 22, `${r.stackName} · ${r.region}`, { bold: true, size: 15, color: COLORS.region });
  svg.text(x + w - 12, y + 22, `Route 53 ${r.failover} record → this ALB`, {
    anchor: 'end',
    color: COLORS.region,
    size: 12,
  });

  svg.rect(vpcX, vpcY, vpcW, vpcH, COLORS.vpc);
  svg.text(
    vpcX + 8,
    vpcY + 17,
    `VPC ${r.vpcCidr} · ${r.azs.length} AZs · public, private and isolated subnets in each`,
    { bold: true, color: COLORS.vpc, size: 12 },
  );
  r.azs.forEach((az, i) => {
    svg.rect(col0 + i * colW + 2, vpcY + 26, colW - 4, vpcH - 32, COLORS.az, { dashed: true });
    svg.text(col0 + i * colW + colW / 2, vpcY + 41, az, { anchor: 'middle', color: COLORS.az, size: 11 });
  });

  const [albX, albW] = span(r.azs, r.loadBalancer.azs, col0, colW);
  svg.box(
    albX,
    rowY(0),
    albW,
    ROW_H,
    COLORS.alb,
    `Application Load Balancer (${r.loadBalancer.scheme}, HTTPS)`,
    [`public subnets of ${r.loadBalancer.azs.length} AZs · target check /healthz · WAF`],
  );

  const [asgX, asgW] = span(r.azs, r.fleet.azs, col0, colW);
  const perAz = Math.floor(r.fleet.minSize / Math.max(1, r.fleet.azs.length));
  svg.box(
    asgX,
    rowY(1),
    asgW,
    ROW_H,
    COLORS.fleet,
    `Auto Scaling group: ${r.fleet.minSize}–${r.fleet.maxSize} instances, one group over ${r.fleet.azs.length} AZs`,
    [`private subnets · at least ${perAz} per AZ · the sample service on each`],
  );

  let database: RegionAnchors['database'];
  if (r.database) {
    const d = r.database;
    const role =
      d.globalRole === 'writer'
        ? `writer of global cluster ${d.globalClusterIdentifier}`
        : d.globalRole === 'secondary'
          ? `secondary of global cluster ${d.globalClusterIdentifier}`
          : 'regional cluster';
    const [dbX, dbW] = span(r.azs, r.azs, col0, colW);
    svg.box(dbX, rowY(2), dbW, rowHeights[2], COLORS.database, `${engineName(d.engine)} · ${d.identifier}`, [
      `${role}${d.proxy ? ' · RDS Proxy' : ''}${d.instances.length === 0 ? ' · headless: the runbook adds an instance' : ''}`,
    ]);
    r.azs.forEach((az, i) => {
      const here = d.instances.filter((inst) => inst.az === az);
      if (here.length === 0) return;
      const label = here.map((inst) => `${inst.instanceClass} · tier ${inst.promotionTier}`).join(', ');
      svg.rect(col0 + i * colW + 10, rowY(2) + 44, colW - 20, 24, COLORS.database, {
        fill: '#ffffff',
        rx: 4,
      });
      svg.text(col0 + i * colW + colW / 2, rowY(2) + 60, label, {
        anchor: 'middle',
        size: 11,
        color: COLORS.database,
      });
    });
    database = { left: dbX, right: dbX + dbW, y: rowY(2) + rowHeights[2] / 2 };
  }
  if (r.cache) {
    const c = r.cache;
    const [cX, cW] = span(r.azs, r.azs, col0, colW);
    svg.box(cX, rowY(3), cW, ROW_H, COLORS.cache, `ElastiCache ${c.engine} (cluster mode) · ${c.nodeType}`, [
      `${c.shards} shards × ${1 + c.replicasPerShard} nodes (primary + ${c.replicasPerShard} replica each), Multi-AZ${c.tls ? ', TLS' : ''}`,
    ]);
  }

  const opsY = vpcY + vpcH + 12;
  const ops = [
    r.runbook ? 'runbook Lambda' : undefined,
    r.canary ? 'canary → the peer' : undefined,
    `${r.alarms} alarms`,
  ].filter((s): s is string => s !== undefined);
  const opW = (w - 28 - (ops.length - 1) * 8) / ops.length;
  ops.forEach((label, i) => svg.box(x + 14 + i * (opW + 8), opsY, opW, 28, COLORS.ops, label));
  const bottom = opsY + 28 + 14;
  return { albTop: { x: albX + albW / 2, y }, database, bottom };
}

export function renderSvg(model: DiagramModel): string {
  const svg = new Svg();
  const [primary] = model.regions;

  // Route 53: the failover pair and its health checks.
  const dnsW = WIDTH - 2 * MARGIN - (model.monitoring ? 500 : 0);
  svg.box(
    MARGIN,
    MARGIN,
    dnsW,
    TOP_H,
    COLORS.dns,
    `Route 53 · ${primary.recordName} · failover routing, alias records to each region's ALB`,
  );
  model.regions.forEach((r, i) => {
    const hc = r.healthCheck;
    svg.text(MARGIN + 12, MARGIN + 48 + i * 46, `${r.failover} → ${r.stackName} (${r.region})`, {
      bold: true,
      size: 12,
    });
    svg.text(
      MARGIN + 24,
      MARGIN + 64 + i * 46,
      `health check HTTPS ${hc.fqdn}${hc.path} · every ${hc.intervalSeconds} s · unhealthy after ${hc.failureThreshold} failures`,
      { size: 11 },
    );
  });

  if (model.monitoring) {
    const m = model.monitoring;
    const mx = MARGIN + dnsW + MARGIN;
    const mw = WIDTH - MARGIN - mx;
    svg.box(mx, MARGIN, mw, TOP_H, COLORS.monitoring, `${m.stackName} · ${m.region}`, [
      'Route 53 health-check metrics exist only in us-east-1:',
      ...m.healthCheckAlarms.map((a) => `alarm ${a.alarmName} ← ${a.watchesStack}`),
      `${m.dashboards} dashboard · encrypted SNS topic`,
    ]);
    svg.arrow(mx, MARGIN + TOP_H - 30, MARGIN + dnsW + 2, MARGIN + TOP_H - 30, COLORS.monitoring, {
      dashed: true,
    });
  }

  const anchors = model.regions.map((r, i) => drawRegion(svg, r, MARGIN + i * (REGION_W + MARGIN), REGION_Y));
  const height = Math.max(...anchors.map((a) => a.bottom)) + MARGIN;
  // The region frames, now that their height is known.
  model.regions.forEach((_, i) =>
    svg.rect(
      MARGIN + i * (REGION_W + MARGIN),
      REGION_Y,
      REGION_W,
      anchors[i].bottom - REGION_Y,
      COLORS.region,
      { rx: 10 },
    ),
  );

  anchors.forEach((a, i) => {
    const fromX = MARGIN + (i === 0 ? dnsW * 0.25 : dnsW * 0.75);
    svg.arrow(fromX, MARGIN + TOP_H, a.albTop.x, a.albTop.y - 2, COLORS.dns);
    svg.text(
      (fromX + a.albTop.x) / 2 + 8,
      (MARGIN + TOP_H + REGION_Y) / 2 + 4,
      `${model.regions[i].failover} (alias, health-checked)`,
      {
        bold: true,
        color: COLORS.dns,
        size: 11,
      },
    );
  });

  const [pdb, sdb] = [anchors[0].database, anchors[1].database];
  if (pdb && sdb && primary.database?.globalClusterIdentifier) {
    // Storage-level replication of the Global Database, writer to secondary.
    svg.arrow(pdb.right + 2, pdb.y, sdb.left - 2, sdb.y, COLORS.database);
  }
  return svg.toString(
    height,
    `Architecture of ${model.regions.map((r) => r.stackName).join(', ')}${model.monitoring ? ` and ${model.monitoring.stackName}` : ''}`,
  );
}
