import { parseRdsArn } from '../shared/rds';
import {
  errorText,
  isFenced,
  regionHealthCheck,
  runRunbook,
  type FailoverReport,
  type FenceReport,
  type RegionSettings,
  type RunbookApis,
  type RunbookSettings,
  type Side,
} from './runbook';

/**
 * The two custom-action steps of the optional ARC Region switch plan (lib/constructs/region-switch-plan.ts), run by
 * the runbook Lambda of the activating region. The plan's own Aurora block switches over (graceful) or fails over
 * (ungraceful); these steps keep the runbook's fence around it, so the plan never opens a window for two writers:
 *
 *   fence-old-writer-<region>      BEFORE the Aurora block: force the other region's health check unhealthy
 *                                  (Disabled + Inverted) and wait the drain. Needs only Route 53, never the other
 *                                  region. Region switch does not tell the function the execution mode, so it fences
 *                                  in both: a graceful switchover merely starts with the old writer out of DNS.
 *   lift-new-writer-fence-<region> AFTER the Aurora block: once this region's cluster is the writer and nothing is in
 *                                  flight, lift this region's own fence (left by an earlier failover away from it),
 *                                  exactly as the runbook's confirming run does.
 *
 * A step that cannot do its part throws: Region switch marks the step failed and retries it every
 * RetryIntervalMinutes until its timeout, and the Aurora block never starts before the fence holds.
 */

export const PLAN_STEP_PREFIX = {
  fence: 'fence-old-writer',
  liftFence: 'lift-new-writer-fence',
} as const;
export type PlanStepKind = keyof typeof PLAN_STEP_PREFIX;

/** Step name in the plan: the kind and the region it activates (Region switch passes it as StepName). */
export function planStepName(kind: PlanStepKind, activatingRegion: string): string {
  return `${PLAN_STEP_PREFIX[kind]}-${activatingRegion}`;
}

export interface PlanStep {
  readonly kind: PlanStepKind;
  /** The region the step's workflow activates (from the step name). */
  readonly activatingRegion: string;
  readonly stepName: string;
  readonly planArn: string;
  readonly executionId?: string;
}

/** A step the function was asked to run but cannot (yet): thrown, so Region switch fails and retries the step. */
export class PlanStepRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanStepRefused';
  }
}

/**
 * Region switch invokes a custom-action Lambda with its execution metadata (InvokedBy, PlanArn, ExecutionId,
 * StepName). Returns undefined for any other event (the operator's runbook request); metadata keys Region switch may
 * add later are ignored.
 */
export function parsePlanStepEvent(event: unknown): PlanStep | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  const e = event as Record<string, unknown>;
  if (typeof e.PlanArn !== 'string' || typeof e.StepName !== 'string') return undefined;
  for (const kind of Object.keys(PLAN_STEP_PREFIX) as PlanStepKind[]) {
    const prefix = `${PLAN_STEP_PREFIX[kind]}-`;
    if (e.StepName.startsWith(prefix) && e.StepName.length > prefix.length) {
      return {
        kind,
        activatingRegion: e.StepName.slice(prefix.length),
        stepName: e.StepName,
        planArn: e.PlanArn,
        executionId: typeof e.ExecutionId === 'string' ? e.ExecutionId : undefined,
      };
    }
  }
  throw new PlanStepRefused(
    `step "${e.StepName}" of plan ${e.PlanArn} is not a step of this function; allowed: ${Object.values(
      PLAN_STEP_PREFIX,
    )
      .map((p) => `${p}-<region>`)
      .join(', ')}`,
  );
}

export interface PlanStepReport {
  readonly step: string;
  readonly outcome: 'fenced' | 'already-fenced' | 'unfenced' | 'nothing-to-do';
  readonly activatingRegion: string;
  readonly fences?: readonly FenceReport[];
  readonly runbook?: FailoverReport;
  readonly message: string;
}

export async function runPlanStep(
  step: PlanStep,
  s: RunbookSettings,
  apis: RunbookApis,
): Promise<PlanStepReport> {
  if (step.activatingRegion !== s.runningIn) {
    throw new PlanStepRefused(
      `step ${step.stepName} activates ${step.activatingRegion} but this copy of the runbook runs in ${s.runningIn}; the plan must run it in the activating region (RegionToRun activatingRegion); nothing was changed`,
    );
  }
  const side: Side | undefined =
    s.dr.region === s.runningIn ? 'dr' : s.primary.region === s.runningIn ? 'primary' : undefined;
  if (!side) {
    throw new PlanStepRefused(
      `this runbook runs in ${s.runningIn}, which is neither the primary (${s.primary.region}) nor the DR region (${s.dr.region}); nothing was changed`,
    );
  }
  const target: RegionSettings = side === 'dr' ? s.dr : s.primary;
  const other: RegionSettings = side === 'dr' ? s.primary : s.dr;
  return step.kind === 'fence'
    ? fenceOldWriter(step, target, other, s, apis)
    : liftOwnFence(step, side, s, apis);
}

async function fenceOldWriter(
  step: PlanStep,
  target: RegionSettings,
  other: RegionSettings,
  s: RunbookSettings,
  apis: RunbookApis,
): Promise<PlanStepReport> {
  const check = await regionHealthCheck(apis.healthChecks, other);
  if (typeof check === 'string') {
    throw new PlanStepRefused(
      `${check}; without the fence the old writer could still take writes, so the plan stops here`,
    );
  }
  const base = { step: step.stepName, activatingRegion: target.region };
  if (isFenced(check)) {
    return {
      ...base,
      outcome: 'already-fenced',
      fences: [{ region: other.region, healthCheckId: check.id, before: 'fenced', after: 'fenced' }],
      message: `${other.region}'s health check ${check.id} is already fenced (Disabled + Inverted); ${target.region} may be promoted`,
    };
  }
  try {
    await apis.healthChecks.setFenced(check, true);
  } catch (e) {
    throw new PlanStepRefused(
      `could not fence ${other.region}'s health check ${check.id}: ${errorText(e)}; the plan stops here`,
    );
  }
  // No user may still reach the old writer by a cached answer when the new one takes writes.
  if (s.fenceDrainMs > 0)
    await (apis.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))))(s.fenceDrainMs);
  return {
    ...base,
    outcome: 'fenced',
    fences: [{ region: other.region, healthCheckId: check.id, before: 'open', after: 'fenced' }],
    message: `Fenced ${other.region}'s health check ${check.id} (Disabled + Inverted: unhealthy whatever the region answers) and waited ${Math.round(s.fenceDrainMs / 1000)} s for Route 53 and resolvers to drop the old answer; ${target.region} may be promoted`,
  };
}

async function liftOwnFence(
  step: PlanStep,
  side: Side,
  s: RunbookSettings,
  apis: RunbookApis,
): Promise<PlanStepReport> {
  const target = side === 'dr' ? s.dr : s.primary;
  const g = await apis.globalCluster.describe(s.globalClusterId);
  const member = g?.GlobalClusterMembers?.find((m) => {
    const arn = m.DBClusterArn ? parseRdsArn(m.DBClusterArn) : undefined;
    return arn?.name === target.clusterId && arn.region === target.region;
  });
  if (!member?.IsWriter) {
    const writer = g?.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn ?? 'none';
    throw new PlanStepRefused(
      `${target.clusterId} (${target.region}) is not the writer of ${s.globalClusterId} yet (writer: ${writer}, status ${g?.Status ?? 'unknown'}); its fence stays until it is`,
    );
  }
  // The runbook's confirming run: the target is the writer, so it only lifts the target's fence (or finds none).
  const report = await runRunbook({ mode: 'planned', dryRun: false, target: side }, s, apis);
  if (report.outcome === 'refused' || report.outcome === 'started') throw new PlanStepRefused(report.message);
  return {
    step: step.stepName,
    activatingRegion: target.region,
    outcome: report.outcome === 'unfenced' ? 'unfenced' : 'nothing-to-do',
    ...(report.fences ? { fences: report.fences } : {}),
    runbook: report,
    message: report.message,
  };
}
