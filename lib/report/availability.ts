import type { AppModel } from '../checks';
import { LOAD_BALANCER } from '../checks/rules/alb-common';
import { failoverRecords } from '../checks/rules/dns-common';
import type { StackModel } from '../checks/stack-model';
import { constant, type ConstantId } from './constants';
import { auroraClusters, autoScalingGroups, multiAzCaches } from './template-values';
import type { AvailabilityModel, ServiceSla } from './types';

/** Minutes in the 30-day month the downtime figure uses. */
const MINUTES_PER_MONTH = 30 * 24 * 60;

function sla(service: string, id: ConstantId, evidence: string): ServiceSla {
  return { service, constantId: id, percent: constant(id).value, evidence };
}

/** The regional services a workload stack depends on in series, from what its template contains. */
function regionalServices(stacks: readonly StackModel[]): ServiceSla[] {
  const services: ServiceSla[] = [];
  const first = (f: (s: StackModel) => string[]): string | undefined =>
    stacks.flatMap((s) => f(s).map((id) => `${s.stackName}/${id}`))[0];
  const alb = first((s) => s.ofType(LOAD_BALANCER).map(([id]) => id));
  if (alb) services.push(sla('Application Load Balancer', 'slaAlb', alb));
  const fleet = first((s) =>
    autoScalingGroups(s)
      .filter((g) => g.azs.length >= 2)
      .map((g) => g.logicalId),
  );
  if (fleet) services.push(sla('EC2 fleet across ≥ 2 AZs (region-level)', 'slaEc2Region', fleet));
  const db = first(auroraClusters);
  if (db) services.push(sla('Aurora PostgreSQL Multi-AZ cluster', 'slaAuroraMultiAz', db));
  const cache = first(multiAzCaches);
  if (cache) services.push(sla('ElastiCache Multi-AZ replication group', 'slaElastiCacheMultiAz', cache));
  return services;
}

/**
 * Composite availability from the published SLAs: within a region the
 * services are in series (product of their availabilities); the regions are
 * in parallel (the app is down only when every region is); Route 53, global,
 * is in series with the pair. An SLA-based estimate, not a prediction.
 */
export function availabilityEstimate(app: AppModel): AvailabilityModel | undefined {
  const byRegion = new Map<string, StackModel[]>();
  for (const s of app.stacks) {
    if (s.ofType(LOAD_BALANCER).length === 0) continue;
    const region = s.region ?? s.stackName;
    byRegion.set(region, [...(byRegion.get(region) ?? []), s]);
  }
  if (byRegion.size === 0) return undefined;

  const regions = [...byRegion.entries()].map(([region, stacks]) => {
    const inSeries = regionalServices(stacks);
    const fraction = inSeries.reduce((acc, s) => acc * (s.percent / 100), 1);
    return { region, inSeries, percent: fraction * 100 };
  });
  const allDown = regions.reduce((acc, r) => acc * (1 - r.percent / 100), 1);
  const parallelPercent = (1 - allDown) * 100;

  const record = failoverRecords(app)[0];
  const global = record
    ? [
        sla(
          'Route 53 (failover records, health checks)',
          'slaRoute53',
          `${record.stack.stackName}/${record.logicalId}`,
        ),
      ]
    : [];
  const overall = global.reduce((acc, s) => acc * (s.percent / 100), parallelPercent / 100);
  return {
    label: 'SLA-based estimate',
    regions,
    parallelPercent,
    global,
    overallPercent: overall * 100,
    downtimeMinutesPerMonth: (1 - overall) * MINUTES_PER_MONTH,
    assumptions: [
      'SLAs are service-credit commitments, not measured availability',
      'regions fail independently and failover is instantaneous (the modeled RTO above is ignored)',
      'the cache is counted in series although the service degrades to the database without it (conservative)',
      'the DR region takes writes only after the operator-triggered Global Database failover',
      `downtime per month uses a ${MINUTES_PER_MONTH / (24 * 60)}-day month`,
    ],
  };
}
