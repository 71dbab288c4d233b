import { type AppModel, StackModel, type StackInput } from '../checks';
import { DB_CLUSTER, instancesOf, isAurora, isGlobalSecondary } from '../checks/rules/db-common';
import { failoverRecords } from '../checks/rules/dns-common';
import { constantTerm, sum, templateTerm } from './terms';
import { autoScalingGroups, profileMetadata, route53HealthCheck } from './template-values';
import type { ProfileComparison, ResilienceReport, Sum, Term } from './types';

/** One profile's synthesized stacks and the report built from them. */
export interface ProfileRun {
  readonly drStrategy: string;
  readonly stacks: readonly StackInput[];
  readonly report: ResilienceReport;
}

/**
 * What the DR region must do before it can take traffic, read from its template:
 * add Aurora instances to a headless Global Database secondary, and raise the
 * fleet from its resting MinSize to the size the profile records (both run in
 * parallel, started by the runbook), then Route 53 must see the SECONDARY's
 * health check pass again. Empty when DR is ready at rest (warm standby, minimal).
 */
export function drScaleUp(app: AppModel, stacks: readonly StackInput[]): Term[] {
  const secondary = failoverRecords(app).find((r) => r.role === 'SECONDARY');
  if (!secondary) return [];
  const stack = secondary.stack;
  const input = stacks.find((s) => s.stackName === stack.stackName);
  const target = input ? profileMetadata(input)?.scaleUp : undefined;
  const parallel: Term[] = [];

  const headless = stack
    .ofType(DB_CLUSTER)
    .filter(
      ([id, c]) => isAurora(stack, c.Properties ?? {}) && isGlobalSecondary(stack, id, c.Properties ?? {}),
    )
    .find(([id]) => instancesOf(stack, id).length === 0);
  if (headless) {
    parallel.push(
      constantTerm('auroraInstanceCreate', `runbook adds Aurora instances to the headless ${headless[0]}`),
    );
  }
  const group = autoScalingGroups(stack).find((g) => g.targetGroups.length > 0);
  if (group?.minSize && target && group.minSize.value < target.fleetMinSize) {
    const grace = group.healthCheckGracePeriod;
    const tg = group.targetGroups[0];
    const healthy = stack.num(stack.prop(tg, 'HealthyThresholdCount'));
    const interval = stack.num(stack.prop(tg, 'HealthCheckIntervalSeconds'));
    const launch = sum(
      constantTerm('ec2Launch'),
      ...(grace ? [templateTerm(`health-check grace ${grace.value} s`, grace.value, grace.ref)] : []),
      ...(healthy && interval
        ? [
            templateTerm(
              `target healthy: ${healthy} × ${interval} s`,
              healthy * interval,
              `${stack.stackName}/${tg}.HealthyThresholdCount`,
              `${stack.stackName}/${tg}.HealthCheckIntervalSeconds`,
            ),
          ]
        : []),
    );
    parallel.push(
      templateTerm(
        `runbook scales ${group.logicalId} from MinSize ${group.minSize.value} to ${target.fleetMinSize} (${launch.terms.map((t) => t.label).join(' + ')})`,
        launch.seconds,
        group.minSize.ref,
        ...launch.terms.flatMap((t) => (t.source.kind === 'template' ? t.source.refs : [])),
      ),
    );
  }
  if (parallel.length === 0) return [];
  const slowest = [...parallel].sort((a, b) => b.seconds - a.seconds)[0];
  const terms: Term[] = [
    {
      ...slowest,
      label: `DR scale-up, slowest of ${parallel.length} parallel step(s): ${slowest.label}${
        parallel.length > 1
          ? ` (also: ${parallel
              .filter((t) => t !== slowest)
              .map((t) => `${t.label} = ${t.seconds} s`)
              .join('; ')})`
          : ''
      }`,
    },
  ];
  const hcId = stack.refTarget(secondary.healthCheckId);
  const hc = hcId ? route53HealthCheck(stack, hcId) : undefined;
  if (hc?.requestInterval && hc.failureThreshold) {
    terms.push(
      templateTerm(
        `Route 53 sees the SECONDARY healthy again: ${hc.requestInterval.value} s × ${hc.failureThreshold.value}`,
        hc.requestInterval.value * hc.failureThreshold.value,
        hc.requestInterval.ref,
        hc.failureThreshold.ref,
      ),
    );
  }
  return terms;
}

/**
 * One row per profile: monthly cost, modeled region RTO for reads and writes
 * (DNS failover, plus the DR scale-up in pilot light, plus the Global Database
 * failover for writes), RPO on region loss and capacity after losing one AZ of
 * the serving region, all from that profile's own templates.
 */
export function compareProfiles(runs: readonly ProfileRun[]): ProfileComparison[] {
  return runs.map(({ drStrategy, stacks, report }) => {
    const app: AppModel = { stacks: stacks.map((s) => new StackModel(s)) };
    const region = report.recovery.region[0];
    const scaleUp = drScaleUp(app, stacks);
    const dns = region?.dns.terms ?? [];
    const reads: Sum = sum(...dns, ...scaleUp);
    const writes: Sum = sum(
      ...reads.terms,
      constantTerm('globalDbFailover', 'Global Database failover (runbook)'),
    );
    const serving = region?.fromRegion;
    const capacity = report.recovery.capacity.find((c) => c.region === serving);
    const relaxed = report.regions.flatMap((r) =>
      r.invariants.flatMap((i) =>
        i.checks.filter((c) => c.relaxedByProfile).map((c) => `${i.invariant} ${c.ruleId} (${r.region})`),
      ),
    );
    return {
      drStrategy,
      usdPerMonth: report.cost.usdPerMonth,
      usdByRegion: report.cost.regions.map((r) => ({
        region: r.region,
        stackName: r.stackName,
        usd: r.usdPerMonth,
      })),
      regionRto: { reads, writes, modeled: region !== undefined && region.unresolved.length === 0 },
      rpoSeconds: report.recovery.rpo.regionLoss?.sum.seconds,
      capacityAfterAzLoss: capacity
        ? {
            region: capacity.region,
            minSize: capacity.minSize,
            left: capacity.afterLosingOneAz,
            fractionLeft: capacity.fractionLeft,
          }
        : undefined,
      relaxed,
      invariantsPass: report.invariantsPass,
    };
  });
}
