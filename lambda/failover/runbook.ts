import type { GlobalCluster } from '@aws-sdk/client-rds';
import { parseRdsArn } from '../shared/rds';

/**
 * The runbook's decisions, behind two small ports so the same code runs in the Lambda (RDS and Route 53 clients)
 * and in `npm run drill:region` (stand-ins over a local PostgreSQL pair and a Route 53 stand-in).
 *
 *   planned   -> SwitchoverGlobalCluster: no data loss, needs both regions and a cluster in sync. A fenced target
 *                (a fail-back) stays fenced until the switchover is complete: the confirming run lifts the fence.
 * Pilot light: a target kept small at rest (fleet near zero, a headless Aurora secondary) is scaled up FIRST: its
 * fleet raised to production size and Aurora instances added; nothing is fenced or promoted until both are in
 * service (a headless secondary has no instance to promote, and a small fleet cannot carry the load).
 *   unplanned -> fence FIRST, then FailoverGlobalCluster with AllowDataLoss. Nothing about the failed region is
 *                required: not the global cluster's status, not the old writer, not its synchronization. The fence
 *                (the old writer's health check forced unhealthy) holds even if that region comes back before
 *                Aurora demotes it, so a partitioned old primary can never take user writes again.
 * Every refusal says what it found; a refusal changes nothing.
 */

export type FailoverMode = 'planned' | 'unplanned';
export type Outcome = 'started' | 'dry-run' | 'in-progress' | 'unfenced' | 'nothing-to-do' | 'refused';
export type Side = 'dr' | 'primary';

export interface FailoverRequest {
  readonly mode: FailoverMode;
  readonly dryRun: boolean;
  /** Which configured region's cluster becomes the writer. */
  readonly target: Side;
}

/** What the runbook needs to know about the pair (the Lambda reads it from its environment). */
export interface RunbookSettings {
  readonly globalClusterId: string;
  readonly primary: RegionSettings;
  readonly dr: RegionSettings;
  /** Region this copy of the runbook runs in (its RDS endpoint). */
  readonly runningIn: string;
  /**
   * Wait between setting the fence and promoting: Route 53 must see the fenced check and every resolver must drop
   * the old answer (alias TTL), or a user with a cached answer could still write to the old writer while the new
   * one takes writes. 0 only in tests.
   */
  readonly fenceDrainMs: number;
  /**
   * Pilot light: the capacity THIS region restores before it is promoted (only in the copy that runs in the
   * pilot-light region, which owns the fleet). @default none: the region is at production shape
   */
  readonly scaleUp?: ScaleUpSettings;
}

/** Pilot light: what a region kept small at rest must have before it takes traffic and writes. */
export interface ScaleUpSettings {
  /** The region's fleet; its MinSize and DesiredCapacity are raised to fleetMinSize. */
  readonly autoScalingGroupName: string;
  readonly fleetMinSize: number;
  /** Aurora instances the region's cluster must have, available, before it is promoted (0: it keeps its own). */
  readonly databaseInstances: number;
  /** DB instance class of the instances the runbook adds, e.g. db.r7g.large. */
  readonly databaseInstanceClass: string;
}

export interface RegionSettings {
  readonly region: string;
  readonly clusterId: string;
  /** FQDN the region's failover-record health check probes (how the fence finds it). */
  readonly healthCheckFqdn: string;
  /**
   * The region is kept small at rest (pilot light): only the copy running there can restore its capacity, so a
   * promotion to it runs there. @default false
   */
  readonly pilotLight?: boolean;
}

/** The Global Database calls the runbook makes. */
export interface GlobalClusterApi {
  /** undefined when the global cluster does not exist. */
  describe(id: string): Promise<GlobalCluster | undefined>;
  switchover(id: string, targetClusterArn: string): Promise<void>;
  failover(id: string, targetClusterArn: string): Promise<void>;
}

/** A Route 53 health check as the fence sees it. */
export interface HealthCheckView {
  readonly id: string;
  readonly fqdn: string;
  readonly inverted: boolean;
  readonly disabled: boolean;
  /** HealthCheckVersion: an update with a stale version is rejected, so two operators cannot race. */
  readonly version: number;
}

/** The Route 53 health-check calls of the fence (the global control plane). */
export interface HealthCheckApi {
  /** Every health check that probes this FQDN. */
  findByFqdn(fqdn: string): Promise<HealthCheckView[]>;
  /** fenced = Disabled and Inverted: a disabled check counts as healthy, inverted as unhealthy, whatever answers. */
  setFenced(check: HealthCheckView, fenced: boolean): Promise<void>;
}

/** A fleet as the scale-up sees it. */
export interface FleetView {
  readonly minSize: number;
  readonly desiredCapacity: number;
  /**
   * Instances InService and Healthy in the group's own view (it uses the load balancer's health check, so an
   * instance that never passes it is replaced after the grace period rather than counted for long).
   */
  readonly inService: number;
}

/** An Aurora instance of a cluster, as DescribeDBInstances reports it. */
export interface DatabaseInstanceView {
  readonly id: string;
  readonly status: string;
}

/** The Auto Scaling and RDS calls of the pilot-light scale-up (the target region's own control plane). */
export interface CapacityApi {
  /** undefined when the group does not exist. */
  describeFleet(autoScalingGroupName: string): Promise<FleetView | undefined>;
  /** Sets MinSize and DesiredCapacity to size. */
  raiseFleet(autoScalingGroupName: string, size: number): Promise<void>;
  databaseInstances(clusterId: string): Promise<readonly DatabaseInstanceView[]>;
  /** Creates an instance in the cluster; an instance of that identifier that already exists is not an error. */
  addDatabaseInstance(clusterId: string, instanceId: string, instanceClass: string): Promise<void>;
}

export interface RunbookApis {
  readonly globalCluster: GlobalClusterApi;
  readonly healthChecks: HealthCheckApi;
  /** Needed when settings.scaleUp is set. @default none */
  readonly capacity?: CapacityApi;
  /** Thrown errors that mean "RDS rejected the state" (a refusal), not a bug. */
  readonly isStateRejection: (e: unknown) => boolean;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface MemberState {
  readonly clusterArn: string;
  readonly isWriter: boolean;
  readonly synchronizationStatus?: string;
}

export interface FoundState {
  readonly globalClusterId: string;
  readonly status?: string;
  readonly members: readonly MemberState[];
  readonly writer?: string;
  readonly failoverState?: { status?: string; from?: string; to?: string; dataLossAllowed?: boolean };
}

export interface FenceReport {
  readonly region: string;
  readonly healthCheckId: string;
  readonly before: 'fenced' | 'open';
  readonly after: 'fenced' | 'open';
}

export interface FailoverReport {
  readonly outcome: Outcome;
  readonly request: FailoverRequest;
  readonly targetCluster: string;
  /** The API call made (or that a dry run would make). */
  readonly action?: 'SwitchoverGlobalCluster' | 'FailoverGlobalCluster';
  readonly found?: FoundState;
  /** Health checks the run looked at or changed (the fence). */
  readonly fences?: readonly FenceReport[];
  /** Pilot light: the scale-up steps this run made (or a dry run would make). */
  readonly scaleUp?: readonly string[];
  readonly message: string;
}

export const isFenced = (c: HealthCheckView): boolean => c.inverted && c.disabled;

/**
 * How long the runbook waits between fencing and promoting: one health-check request interval for Route 53's
 * checkers to report the fenced status, then the record's TTL for every resolver to drop the old answer.
 */
export function fenceDrainSeconds(requestIntervalSeconds: number, recordTtlSeconds: number): number {
  return requestIntervalSeconds + recordTtlSeconds;
}

function foundState(globalId: string, g: GlobalCluster): FoundState {
  const fs = g.FailoverState;
  return {
    globalClusterId: globalId,
    status: g.Status,
    members: (g.GlobalClusterMembers ?? []).map((m) => ({
      clusterArn: m.DBClusterArn ?? '?',
      isWriter: m.IsWriter === true,
      synchronizationStatus: m.SynchronizationStatus,
    })),
    writer: g.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn,
    failoverState: fs?.Status
      ? {
          status: fs.Status,
          from: fs.FromDbClusterArn,
          to: fs.ToDbClusterArn,
          dataLossAllowed: fs.IsDataLossAllowed,
        }
      : undefined,
  };
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The one health check of a region (the fence's handle), or a refusal text naming what was found. */
export async function regionHealthCheck(
  api: HealthCheckApi,
  r: RegionSettings,
): Promise<HealthCheckView | string> {
  let checks: HealthCheckView[];
  try {
    checks = await api.findByFqdn(r.healthCheckFqdn);
  } catch (e) {
    return `could not read the Route 53 health checks of ${r.healthCheckFqdn} (Route 53's control plane is needed to fence): ${errorText(e)}`;
  }
  if (checks.length !== 1) {
    return `found ${checks.length} Route 53 health checks probing ${r.healthCheckFqdn} (${checks.map((c) => c.id).join(', ') || 'none'}); the fence needs exactly one`;
  }
  return checks[0];
}

/**
 * Identifiers of the Aurora instances the scale-up adds: deterministic, so a second run finds the first run's
 * instances instead of adding more, and apart from the names the stack gives its own instances.
 */
export function scaleUpInstanceIds(clusterId: string, count: number): string[] {
  return Array.from({ length: count }, (_, k) => `${clusterId}-failover-${k + 1}`);
}

export async function runRunbook(
  request: FailoverRequest,
  s: RunbookSettings,
  apis: RunbookApis,
): Promise<FailoverReport> {
  const target = request.target === 'dr' ? s.dr : s.primary;
  const other = request.target === 'dr' ? s.primary : s.dr;
  const targetCluster = `${target.clusterId} (${target.region})`;
  const fences: FenceReport[] = [];
  const scaleSteps: string[] = [];
  /** Set once the global cluster was read; every later report carries it. */
  const seen: { found?: FoundState } = {};
  const report = (outcome: Outcome, message: string, action?: FailoverReport['action']): FailoverReport => ({
    outcome,
    request,
    targetCluster,
    ...(action ? { action } : {}),
    ...(seen.found ? { found: seen.found } : {}),
    ...(fences.length > 0 ? { fences: [...fences] } : {}),
    ...(scaleSteps.length > 0 ? { scaleUp: [...scaleSteps] } : {}),
    message,
  });
  const refuse = (message: string): FailoverReport => report('refused', `Refused: ${message}`);

  if (request.mode === 'unplanned' && s.runningIn !== target.region) {
    return refuse(
      `this copy of the runbook runs in ${s.runningIn}, but an unplanned failover to ${targetCluster} must run in ${target.region}, so that the failed region's control plane is not on the path; invoke the runbook there (npm run failover does); nothing was changed`,
    );
  }

  if (target.pilotLight && s.runningIn !== target.region) {
    return refuse(
      `${target.region} is kept small at rest (pilot light) and only the runbook copy there can scale it up before it is promoted; this copy runs in ${s.runningIn}: invoke the one in ${target.region} (npm run failover does); nothing was changed`,
    );
  }
  if (target.pilotLight && (!s.scaleUp || !apis.capacity)) {
    throw new Error(
      `runbook settings: ${target.region} is pilot light but this copy has no scale-up settings or capacity API (PILOT_LIGHT_* environment)`,
    );
  }

  const g = await apis.globalCluster.describe(s.globalClusterId);
  if (!g)
    return refuse(
      `global cluster ${s.globalClusterId} is unknown to RDS (checked from ${s.runningIn}); nothing was changed`,
    );
  const found = foundState(s.globalClusterId, g);
  seen.found = found;

  const member = (g.GlobalClusterMembers ?? []).find((m) => {
    const arn = m.DBClusterArn ? parseRdsArn(m.DBClusterArn) : undefined;
    return arn?.type === 'cluster' && arn.name === target.clusterId && arn.region === target.region;
  });
  if (!member?.DBClusterArn) {
    return refuse(
      `cluster ${targetCluster} is not a member of global cluster ${s.globalClusterId} (members: ${found.members.map((m) => m.clusterArn).join(', ') || 'none'}); nothing was changed`,
    );
  }
  const targetArn = member.DBClusterArn;
  const inFlight = found.failoverState;
  const describeInFlight = (f: NonNullable<FoundState['failoverState']>) =>
    `a ${f.dataLossAllowed ? 'failover' : 'switchover'} is already in progress (state ${f.status}, from ${f.from ?? '?'} to ${f.to ?? '?'})`;

  const healthCheckOf = (r: RegionSettings) => regionHealthCheck(apis.healthChecks, r);
  const setFence = async (r: RegionSettings, check: HealthCheckView, fenced: boolean): Promise<void> => {
    const before = isFenced(check) ? 'fenced' : 'open';
    const after = fenced ? 'fenced' : 'open';
    if (before !== after && !request.dryRun) await apis.healthChecks.setFenced(check, fenced);
    fences.push({
      region: r.region,
      healthCheckId: check.id,
      before,
      after: request.dryRun ? before : after,
    });
  };

  /** After the target became the writer cleanly: lift the target's own fence (a fail-back). */
  const liftTargetFence = async (): Promise<FailoverReport | undefined> => {
    const check = await healthCheckOf(target);
    if (typeof check === 'string') return refuse(`${targetCluster} is the writer, but ${check}`);
    if (!isFenced(check)) return undefined;
    await setFence(target, check, false);
    return report(
      request.dryRun ? 'dry-run' : 'unfenced',
      `${request.dryRun ? 'Dry run: would lift' : 'Lifted'} the fence on ${target.region}'s health check ${check.id}: ${targetCluster} is the writer of ${s.globalClusterId} and no switchover or failover is in progress, so its record may take traffic again`,
    );
  };

  /**
   * Pilot light: raises the target's fleet and adds its Aurora instances, then reports progress until both are in
   * service. undefined = capacity restored (or not pilot light): go on to fence and promote.
   */
  const restoreCapacity = async (): Promise<FailoverReport | undefined> => {
    const up = s.scaleUp;
    const cap = apis.capacity;
    if (!target.pilotLight || !up || !cap) return undefined;
    const fleet = await cap.describeFleet(up.autoScalingGroupName);
    if (!fleet)
      return refuse(
        `pilot light: Auto Scaling group ${up.autoScalingGroupName} does not exist in ${target.region}; nothing was promoted`,
      );
    if (fleet.minSize < up.fleetMinSize || fleet.desiredCapacity < up.fleetMinSize) {
      if (!request.dryRun) await cap.raiseFleet(up.autoScalingGroupName, up.fleetMinSize);
      scaleSteps.push(
        `raise ${up.autoScalingGroupName} MinSize/DesiredCapacity from ${fleet.minSize}/${fleet.desiredCapacity} to ${up.fleetMinSize}`,
      );
    }
    const instances = await cap.databaseInstances(target.clusterId);
    const have = new Set(instances.map((i) => i.id));
    const missing = Math.max(0, up.databaseInstances - instances.length);
    const toAdd = scaleUpInstanceIds(target.clusterId, up.databaseInstances)
      .filter((id) => !have.has(id))
      .slice(0, missing);
    for (const id of toAdd) {
      if (!request.dryRun) await cap.addDatabaseInstance(target.clusterId, id, up.databaseInstanceClass);
      scaleSteps.push(`add Aurora instance ${id} (${up.databaseInstanceClass}) to ${target.clusterId}`);
    }
    const available = instances.filter((i) => i.status === 'available').length;
    const ready =
      toAdd.length === 0 && available >= up.databaseInstances && fleet.inService >= up.fleetMinSize;
    if (ready) return undefined;
    const progress = `fleet ${fleet.inService} of ${up.fleetMinSize} in service, Aurora ${available} of ${up.databaseInstances} instances available`;
    if (request.dryRun)
      return report(
        'dry-run',
        `Dry run: ${target.region} is pilot light and not yet at capacity (${progress}); would first ${scaleSteps.join('; ') || 'wait'}, and fence and promote only once both are in service`,
      );
    const did = scaleSteps.length > 0 ? `${scaleSteps.join('; ')}; ` : '';
    return report(
      'in-progress',
      `Scaling up ${target.region} (pilot light) before it is promoted: ${did}${progress}. Nothing was fenced or promoted yet; run the same command again until it reports the promotion.`,
    );
  };

  if (request.mode === 'planned') {
    if (inFlight)
      return refuse(`${describeInFlight(inFlight)}; wait for it to finish, then run again to confirm`);
    if (member.IsWriter) {
      if (g.Status !== 'available')
        return refuse(
          `${targetCluster} is the writer but global cluster ${s.globalClusterId} is "${g.Status}", not "available"; run again when it is`,
        );
      return (
        (await liftTargetFence()) ??
        report(
          'nothing-to-do',
          `Nothing to do: ${targetCluster} is already the writer of ${s.globalClusterId} (already promoted) and its health check is not fenced`,
        )
      );
    }
    if (g.Status !== 'available')
      return refuse(
        `global cluster ${s.globalClusterId} is "${g.Status}", not "available"; a switchover needs it available`,
      );
    if (!found.writer)
      return refuse('no member is the writer; a planned switchover needs a healthy writer (use unplanned)');
    if (member.SynchronizationStatus && member.SynchronizationStatus !== 'connected') {
      return refuse(
        `${targetCluster} is "${member.SynchronizationStatus}", not "connected"; a switchover needs it in sync`,
      );
    }
    const scaling = await restoreCapacity();
    if (scaling) return scaling;
    const targetCheck = await healthCheckOf(target);
    const fenceNote =
      typeof targetCheck !== 'string' && isFenced(targetCheck)
        ? ` ${target.region}'s health check ${targetCheck.id} stays fenced until the switchover is complete: run the same command again then to lift it.`
        : '';
    const effect = `switch over ${s.globalClusterId} from ${found.writer} to ${targetCluster} without data loss`;
    if (request.dryRun)
      return report('dry-run', `Dry run: would ${effect}.${fenceNote}`, 'SwitchoverGlobalCluster');
    try {
      await apis.globalCluster.switchover(s.globalClusterId, targetArn);
    } catch (e) {
      if (apis.isStateRejection(e)) return refuse(`RDS rejected SwitchoverGlobalCluster: ${errorText(e)}`);
      throw e;
    }
    return report(
      'started',
      `Started: SwitchoverGlobalCluster to ${effect}. Run the same command again until it reports the target as the writer, then set writerRegion=${target.region} in the config and deploy.${fenceNote}`,
      'SwitchoverGlobalCluster',
    );
  }

  // --- unplanned: fence first, whatever the failed region's state ---------------------------------------------
  if (inFlight && !(inFlight.dataLossAllowed && inFlight.to === targetArn) && !member.IsWriter) {
    return refuse(
      `${describeInFlight(inFlight)}; an unplanned failover to ${targetCluster} is not started on top of it; nothing was changed`,
    );
  }
  if (!member.IsWriter && !inFlight) {
    const scaling = await restoreCapacity();
    if (scaling) return scaling;
  }
  const otherCheck = await healthCheckOf(other);
  if (typeof otherCheck === 'string')
    return refuse(
      `${otherCheck}; without the fence the old writer could still take writes, so nothing was promoted`,
    );
  try {
    await setFence(other, otherCheck, true);
  } catch (e) {
    return refuse(
      `could not fence ${other.region}'s health check ${otherCheck.id}: ${errorText(e)}; nothing was promoted`,
    );
  }
  const fenced = `${other.region}'s health check ${otherCheck.id} is ${request.dryRun ? (isFenced(otherCheck) ? 'fenced' : 'to be fenced') : 'fenced'} (Disabled + Inverted: unhealthy whatever the region answers)`;

  if (member.IsWriter) {
    if (inFlight || g.Status !== 'available')
      return report(
        'in-progress',
        `In progress: ${targetCluster} is the writer; global cluster ${s.globalClusterId} is "${g.Status}". ${fenced}. Run again to confirm.`,
      );
    const lifted = await liftTargetFence();
    if (lifted) return { ...lifted, message: `${lifted.message}. ${fenced}.` };
    return report(
      'nothing-to-do',
      `Nothing to do: ${targetCluster} is already the writer of ${s.globalClusterId} (already promoted). ${fenced}.`,
    );
  }
  if (inFlight)
    return report(
      'in-progress',
      `In progress: ${describeInFlight(inFlight)}. ${fenced}. Run again until ${targetCluster} is the writer.`,
    );

  const effect = `fail over ${s.globalClusterId} to ${targetCluster}, allowing data loss (writes not yet replicated from ${found.writer ?? 'the old writer'} are lost)`;
  const drain = `wait ${Math.round(s.fenceDrainMs / 1000)} s for Route 53 and resolvers to drop the old answer`;
  if (request.dryRun)
    return report(
      'dry-run',
      `Dry run: ${fenced}; then would ${drain}, then ${effect}`,
      'FailoverGlobalCluster',
    );
  // Set just now: no user may still reach the old writer by a cached answer when the new one takes writes.
  if (fences.some((f) => f.before === 'open') && s.fenceDrainMs > 0)
    await (apis.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))))(s.fenceDrainMs);
  try {
    await apis.globalCluster.failover(s.globalClusterId, targetArn);
  } catch (e) {
    if (apis.isStateRejection(e))
      return refuse(
        `RDS rejected FailoverGlobalCluster: ${errorText(e)} (global cluster "${g.Status}"). ${fenced} and stays so`,
      );
    throw e;
  }
  return report(
    'started',
    `Started: ${fenced}; waited for the fence to drain; FailoverGlobalCluster to ${effect}. Run the same command again until it reports the target as the writer, then set writerRegion=${target.region} in the config and deploy the reachable stacks (README: "Failing over with a region down").`,
    'FailoverGlobalCluster',
  );
}
