import type { AppModel } from '../checks';
import { LOAD_BALANCER } from '../checks/rules/alb-common';
import { AUTO_SCALING_GROUP } from '../checks/rules/asg-common';
import { DB_CLUSTER, instancesOf, isAurora, isGlobalSecondary } from '../checks/rules/db-common';
import { failoverRecords } from '../checks/rules/dns-common';
import type { StackModel } from '../checks/stack-model';
import { isObject } from '../checks/stack-model';
import { type CostAssumptions, DEFAULT_COST_ASSUMPTIONS } from '../config/profiles';
import { findPrice, HOURS_PER_MONTH, PRICED_REGIONS, type PriceId } from './prices';
import { scheduleIntervalSeconds } from '../config/schedule';
import type { CostLine, CostModel, RegionCost } from './types';

/** Bytes of one Aurora write I/O (writes are counted in units of up to 4 KiB). */
const WRITE_IO_BYTES = 4096;
const GB = 1024 ** 3;
const DAYS_PER_MONTH = 365 / 12;

/** Usage the templates cannot say, where each value came from. */
export interface CostInputs {
  readonly assumptions: CostAssumptions;
  /** `template` when read from the stacks' HaRef::Profile metadata, else the project defaults. */
  readonly source: 'template' | 'default';
}

export const COST_LABEL = 'On-demand list-price estimate, not a bill';

/**
 * Monthly cost of every stack, from what its template creates (counts, types,
 * sizes, schedules, retention) times the price table, plus the usage
 * assumptions for what a template cannot say (traffic, writes, storage, NAT
 * data, logs). Traffic-priced lines (ALB capacity units, internet egress) go to
 * the stack with the PRIMARY failover record: the region that serves.
 */
export function costModel(
  app: AppModel,
  inputs: CostInputs = { assumptions: DEFAULT_COST_ASSUMPTIONS, source: 'default' },
): CostModel {
  const a = inputs.assumptions;
  const serving = failoverRecords(app).find((r) => r.role === 'PRIMARY')?.stack.stackName;
  const secretReplicas = replicaSecretsByRegion(app);
  const replicasBilled = new Set<string>();
  const hasGlobalSecondary = app.stacks.some((s) => globalSecondaries(s).length > 0);
  const unpriced: string[] = [];

  const regions: RegionCost[] = app.stacks.map((stack) => {
    const lines: CostLine[] = [];
    const add = (
      component: string,
      detail: string,
      quantity: number,
      id: PriceId,
      refs: readonly string[],
      assumption?: keyof CostAssumptions,
    ): void => {
      if (quantity <= 0) return;
      const p = findPrice(id);
      if (!p) unpriced.push(`${stack.stackName}: ${detail} (${id} is not in the price table)`);
      lines.push({
        component,
        detail,
        quantity,
        unit: p?.unit ?? 'hour',
        priceId: id,
        usdPerMonth: p ? quantity * p.usd : 0,
        refs,
        assumption,
      });
    };
    const ref = (id: string, prop?: string) => `${stack.stackName}/${id}${prop ? `.${prop}` : ''}`;

    // Compute: instances by type and count (MinSize, or DesiredCapacity when literal), their root volumes.
    for (const [id, g] of stack.ofType(AUTO_SCALING_GROUP)) {
      const p = g.Properties ?? {};
      const count = stack.num(p.DesiredCapacity) ?? stack.num(p.MinSize) ?? 0;
      const type = fleetInstanceType(stack, p);
      add(
        'Instances',
        `${count} × ${type ?? 'unknown type'} (${id} MinSize)`,
        count * HOURS_PER_MONTH,
        `ec2:${type ?? 'unknown'}`,
        [ref(id, 'MinSize')],
      );
      const gib = rootVolumeGib(stack, p);
      if (gib !== undefined)
        add('Instances', `${count} × ${gib} GiB gp3 root volumes`, count * gib, 'ebsGp3', [ref(id)]);
    }

    // Aurora: instances by class; storage baseline per cluster; Global Database replicated writes.
    const byClass = new Map<string, string[]>();
    for (const [id, i] of stack.ofType('AWS::RDS::DBInstance')) {
      const cls = stack.str(i.Properties?.DBInstanceClass) ?? 'unknown';
      byClass.set(cls, [...(byClass.get(cls) ?? []), id]);
    }
    for (const [cls, ids] of byClass) {
      add(
        'Aurora instances',
        `${ids.length} × ${cls}`,
        ids.length * HOURS_PER_MONTH,
        `rds:${cls}`,
        ids.map((i) => ref(i, 'DBInstanceClass')),
      );
    }
    for (const [id, c] of stack.ofType(DB_CLUSTER)) {
      if (!isAurora(stack, c.Properties ?? {})) continue;
      add(
        'Aurora storage',
        `${a.dbStorageGb} GB cluster volume (${id})`,
        a.dbStorageGb,
        'auroraStorage',
        [ref(id)],
        'dbStorageGb',
      );
    }
    for (const id of globalSecondaries(stack)) {
      const ios = (a.dbWriteGbPerMonth * GB) / WRITE_IO_BYTES / 1e6;
      add(
        'Global Database replication',
        `${a.dbWriteGbPerMonth} GB written/month ≈ ${round(ios)} M write I/Os of 4 KiB replicated to ${id}`,
        ios,
        'globalDbReplicatedWriteIo',
        [ref(id, 'GlobalClusterIdentifier')],
        'dbWriteGbPerMonth',
      );
    }
    if (hasGlobalSecondary && stack.ofType('AWS::RDS::GlobalCluster').length > 0) {
      add(
        'Global Database replication',
        `${a.dbWriteGbPerMonth} GB/month sent to the secondary region`,
        a.dbWriteGbPerMonth,
        'interRegionTransfer',
        stack.ofType('AWS::RDS::GlobalCluster').map(([g]) => ref(g)),
        'dbWriteGbPerMonth',
      );
    }
    for (const [id, proxy] of stack.ofType('AWS::RDS::DBProxy')) {
      const vcpus = proxyVcpus(stack, id);
      add(
        'RDS Proxy',
        `${vcpus} vCPUs of the proxied cluster's instances (${stack.str(proxy.Properties?.DBProxyName) ?? id})`,
        vcpus * HOURS_PER_MONTH,
        'rdsProxyVcpu',
        [ref(id)],
      );
    }

    // Cache nodes by type and engine.
    for (const [id, g] of stack.ofType('AWS::ElastiCache::ReplicationGroup')) {
      const p = g.Properties ?? {};
      const nodes = cacheNodes(stack, p);
      const type = stack.str(p.CacheNodeType) ?? 'unknown';
      const engine = (stack.str(p.Engine) ?? 'redis').toLowerCase();
      add(
        'Cache nodes',
        `${nodes} × ${type} (${engine})`,
        nodes * HOURS_PER_MONTH,
        `cache:${type}:${engine}`,
        [ref(id, 'CacheNodeType'), ref(id, 'NodeGroupConfiguration')],
      );
    }

    // Network: NAT gateways and their data, public IPv4, interface endpoints per AZ.
    const nats = stack.ofType('AWS::EC2::NatGateway');
    add(
      'NAT gateways',
      `${nats.length} NAT gateways`,
      nats.length * HOURS_PER_MONTH,
      'natGatewayHour',
      nats.map(([n]) => ref(n)),
    );
    if (nats.length > 0)
      add(
        'NAT gateways',
        `${a.natGbPerMonth} GB/month processed`,
        a.natGbPerMonth,
        'natGatewayData',
        [],
        'natGbPerMonth',
      );
    const eips = stack.ofType('AWS::EC2::EIP');
    add(
      'Public IPv4',
      `${eips.length} Elastic IPs`,
      eips.length * HOURS_PER_MONTH,
      'publicIpv4',
      eips.map(([e]) => ref(e)),
    );
    const endpointAzs = stack
      .ofType('AWS::EC2::VPCEndpoint')
      .filter(([, e]) => stack.str(e.Properties?.VpcEndpointType) === 'Interface')
      .map(([id, e]) => ({ id, azs: (stack.list(e.Properties?.SubnetIds) ?? []).length }));
    const endpointHours = endpointAzs.reduce((n, e) => n + e.azs, 0) * HOURS_PER_MONTH;
    add(
      'Interface endpoints',
      `${endpointAzs.length} endpoints × their AZs (${endpointAzs.reduce((n, e) => n + e.azs, 0)} endpoint-AZs)`,
      endpointHours,
      'interfaceEndpointHour',
      endpointAzs.map((e) => ref(e.id, 'SubnetIds')),
    );

    // Load balancers: hours, one public IPv4 per AZ when internet-facing; traffic where the PRIMARY serves.
    for (const [id, lb] of stack.ofType(LOAD_BALANCER)) {
      const p = lb.Properties ?? {};
      if ((stack.str(p.Type) ?? 'application') !== 'application') continue;
      add('Load balancer', `ALB ${id}`, HOURS_PER_MONTH, 'albHour', [ref(id)]);
      const azs = (stack.list(p.Subnets) ?? stack.list(p.SubnetMappings) ?? []).length;
      if ((stack.str(p.Scheme) ?? 'internet-facing') === 'internet-facing') {
        add('Public IPv4', `${azs} ALB addresses (one per AZ)`, azs * HOURS_PER_MONTH, 'publicIpv4', [
          ref(id, 'Subnets'),
        ]);
      }
      if (stack.stackName === serving) {
        add(
          'Load balancer',
          `${a.trafficGbPerMonth} GB/month processed (1 LCU-hour per GB)`,
          a.trafficGbPerMonth,
          'albLcu',
          [],
          'trafficGbPerMonth',
        );
        add(
          'Data transfer out',
          `${a.trafficGbPerMonth} GB/month to the internet`,
          a.trafficGbPerMonth,
          'internetEgress',
          [],
          'trafficGbPerMonth',
        );
      }
    }

    // Keys, secrets (replicas are billed in their region), WAF.
    const keys = stack.ofType('AWS::KMS::Key');
    add(
      'KMS keys',
      `${keys.length} customer managed keys`,
      keys.length,
      'kmsKey',
      keys.map(([k]) => ref(k)),
    );
    const secrets = stack.ofType('AWS::SecretsManager::Secret');
    // Replicas are billed once per region, on its first stack (not again on a stack of its own there, e.g. the plan's).
    const replicas =
      stack.region && !replicasBilled.has(stack.region) ? (secretReplicas.get(stack.region) ?? []) : [];
    if (stack.region) replicasBilled.add(stack.region);
    add(
      'Secrets',
      `${secrets.length} secrets + ${replicas.length} replicas of other regions' secrets`,
      secrets.length + replicas.length,
      'secret',
      [...secrets.map(([s]) => ref(s)), ...replicas],
    );
    for (const [id, acl] of stack.ofType('AWS::WAFv2::WebACL')) {
      const rules = (stack.list(acl.Properties?.Rules) ?? []).length;
      add('WAF', `web ACL ${id}`, 1, 'wafWebAcl', [ref(id)]);
      add('WAF', `${rules} rules`, rules, 'wafRule', [ref(id, 'Rules')]);
    }

    // The optional ARC Region switch plan (failover.regionSwitchPlan): a flat fee per plan.
    for (const [id] of stack.ofType('AWS::ARCRegionSwitch::Plan')) {
      add('ARC Region switch', `plan ${id}`, 1, 'arcRegionSwitchPlan', [ref(id)]);
    }

    // Operations: canary runs, logs, alarms, dashboards, Route 53 health checks.
    for (const [id, c] of stack.ofType('AWS::Synthetics::Canary')) {
      const schedule = c.Properties?.Schedule;
      const expr = isObject(schedule) ? stack.str(schedule.Expression) : undefined;
      const interval = expr ? scheduleIntervalSeconds(expr) : undefined;
      if (interval) {
        const runs = (HOURS_PER_MONTH * 3600) / interval;
        add('Canary runs', `${round(runs)} runs/month (${expr})`, runs, 'canaryRun', [
          ref(id, 'Schedule.Expression'),
        ]);
      }
    }
    const logGroups = stack.ofType('AWS::Logs::LogGroup');
    if (logGroups.length > 0) {
      const retention = Math.max(
        ...logGroups.map(([, g]) => stack.num(g.Properties?.RetentionInDays) ?? 365),
      );
      const months = Math.min(retention, 365) / DAYS_PER_MONTH;
      add(
        'Log storage',
        `${a.logGbPerMonth} GB/month ingested into ${logGroups.length} log groups`,
        a.logGbPerMonth,
        'logIngestion',
        logGroups.map(([g]) => ref(g)),
        'logGbPerMonth',
      );
      add(
        'Log storage',
        `steady state: ${round(months)} months kept (longest RetentionInDays ${retention}, never-expire counted as a year)`,
        a.logGbPerMonth * months,
        'logStorage',
        logGroups.map(([g]) => ref(g, 'RetentionInDays')),
        'logGbPerMonth',
      );
    }
    const alarms = stack.ofType('AWS::CloudWatch::Alarm');
    add(
      'Alarms and dashboards',
      `${alarms.length} alarms (one metric each)`,
      alarms.length,
      'alarmMetric',
      [],
    );
    const dashboards = stack.ofType('AWS::CloudWatch::Dashboard');
    add(
      'Alarms and dashboards',
      `${dashboards.length} dashboards`,
      dashboards.length,
      'dashboard',
      dashboards.map(([d]) => ref(d)),
    );
    for (const [id, hc] of stack.ofType('AWS::Route53::HealthCheck')) {
      const cfg = isObject(hc.Properties?.HealthCheckConfig) ? hc.Properties.HealthCheckConfig : {};
      const options = [
        /^HTTPS/.test(stack.str(cfg.Type) ?? '') ? 'HTTPS' : undefined,
        stack.num(cfg.RequestInterval) === 10 ? 'fast interval' : undefined,
        stack.bool(cfg.MeasureLatency) === true ? 'latency' : undefined,
      ].filter((o): o is string => o !== undefined);
      add('Route 53 health checks', `health check ${id}`, 1, 'route53HealthCheck', [ref(id)]);
      add(
        'Route 53 health checks',
        `optional features: ${options.join(', ')}`,
        options.length,
        'route53HealthCheckOption',
        [ref(id, 'HealthCheckConfig')],
      );
    }

    return {
      region: stack.region ?? 'region-agnostic',
      stackName: stack.stackName,
      lines,
      usdPerMonth: lines.reduce((n, l) => n + l.usdPerMonth, 0),
    };
  });

  const regionNotes = [...new Set(regions.map((r) => r.region))]
    .filter((r) => !(PRICED_REGIONS as readonly string[]).includes(r))
    .map(
      (r) =>
        `${r}: priced at the ${PRICED_REGIONS.join('/')} rates of the table (not checked for this region)`,
    );
  return {
    label: COST_LABEL,
    regions,
    usdPerMonth: regions.reduce((n, r) => n + r.usdPerMonth, 0),
    assumptions: { ...a },
    assumptionsSource: inputs.source,
    unpriced,
    notes: [
      ...regionNotes,
      'Not modeled (usage-priced, near zero at rest): Lambda, SNS, SQS, S3, EventBridge, FIS runs, SSM standard parameters, KMS and Secrets Manager API calls, DNS queries (the hosted zone is imported, not created), Aurora I/O beyond the replicated writes, backup and snapshot storage beyond the free allowance, cross-AZ data transfer.',
      'Free tiers (CloudWatch alarms, dashboards, canary runs, log GBs) are not deducted.',
    ],
  };
}

/** Secrets other stacks replicate into each region (Secret.ReplicaRegions), by region. */
function replicaSecretsByRegion(app: AppModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const stack of app.stacks) {
    for (const [id, s] of stack.ofType('AWS::SecretsManager::Secret')) {
      for (const r of stack.list(s.Properties?.ReplicaRegions) ?? []) {
        const region = isObject(r) ? stack.str(r.Region) : undefined;
        if (region) out.set(region, [...(out.get(region) ?? []), `${stack.stackName}/${id}.ReplicaRegions`]);
      }
    }
  }
  return out;
}

function globalSecondaries(stack: StackModel): string[] {
  return stack
    .ofType(DB_CLUSTER)
    .filter(
      ([id, c]) => isAurora(stack, c.Properties ?? {}) && isGlobalSecondary(stack, id, c.Properties ?? {}),
    )
    .map(([id]) => id);
}

/** The type the group launches first: a prioritized mixed-instances policy's first override, else the launch template's. */
function fleetInstanceType(stack: StackModel, p: Record<string, unknown>): string | undefined {
  const mixed = isObject(p.MixedInstancesPolicy) ? p.MixedInstancesPolicy : {};
  const lt = isObject(mixed.LaunchTemplate) ? mixed.LaunchTemplate : {};
  const first = (stack.list(lt.Overrides) ?? []).find(isObject);
  const fromOverride = first ? stack.str(first.InstanceType) : undefined;
  if (fromOverride) return fromOverride;
  const data = launchTemplateData(stack, p);
  return data ? stack.str(data.InstanceType) : undefined;
}

function launchTemplateData(
  stack: StackModel,
  p: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const mixed = isObject(p.MixedInstancesPolicy) ? p.MixedInstancesPolicy : {};
  const lt = isObject(mixed.LaunchTemplate) ? mixed.LaunchTemplate : {};
  const spec = isObject(lt.LaunchTemplateSpecification) ? lt.LaunchTemplateSpecification : p.LaunchTemplate;
  const target = isObject(spec) ? stack.refTarget(spec.LaunchTemplateId) : undefined;
  const data = target ? stack.prop(target, 'LaunchTemplateData') : undefined;
  return isObject(data) ? data : undefined;
}

function rootVolumeGib(stack: StackModel, p: Record<string, unknown>): number | undefined {
  const mappings = launchTemplateData(stack, p)?.BlockDeviceMappings;
  const sizes = (stack.list(mappings) ?? [])
    .map((m) => (isObject(m) && isObject(m.Ebs) ? stack.num(m.Ebs.VolumeSize) : undefined))
    .filter((n): n is number => n !== undefined);
  return sizes.length > 0 ? sizes.reduce((x, y) => x + y, 0) : undefined;
}

/** Nodes of a replication group: shards × (1 primary + replicas). */
function cacheNodes(stack: StackModel, p: Record<string, unknown>): number {
  const groups = (stack.list(p.NodeGroupConfiguration) ?? []).filter(isObject);
  if (groups.length > 0) {
    const fallback = stack.num(p.ReplicasPerNodeGroup) ?? 0;
    return groups.reduce((n, g) => n + 1 + (stack.num(g.ReplicaCount) ?? fallback), 0);
  }
  return (stack.num(p.NumNodeGroups) ?? 1) * (1 + (stack.num(p.ReplicasPerNodeGroup) ?? 0));
}

/** vCPUs of an instance class from its size (large = 2, xlarge = 4, Nxlarge = 4N; smaller = 2). */
export function vcpusOfClass(cls: string): number {
  const size = cls.split('.').pop() ?? '';
  const m = /^(\d*)xlarge$/.exec(size);
  if (m) return 4 * (m[1] ? Number(m[1]) : 1);
  return 2;
}

/** RDS Proxy bills the vCPUs of every instance of the clusters it targets, at least 2. */
function proxyVcpus(stack: StackModel, proxyId: string): number {
  const clusters = stack
    .ofType('AWS::RDS::DBProxyTargetGroup')
    .filter(([, t]) => stack.refTarget(t.Properties?.DBProxyName) === proxyId)
    .flatMap(([, t]) => stack.refTargets(stack.list(t.Properties?.DBClusterIdentifiers) ?? []));
  const vcpus = clusters
    .flatMap((c) => instancesOf(stack, c))
    .reduce((n, i) => n + vcpusOfClass(stack.str(stack.prop(i, 'DBInstanceClass')) ?? ''), 0);
  return Math.max(2, vcpus);
}

function round(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(2).replace(/\.?0+$/, '');
}
