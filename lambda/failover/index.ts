import { FailoverGlobalClusterCommand, RDSClient, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { requireEnv, requireIntEnv } from '../shared/env';
import { InvalidEventError, isAwsError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { describeGlobalCluster } from '../shared/rds';
import { capacityApi, type AutoScalingModule } from './capacity';
import { parsePlanStepEvent, runPlanStep, type PlanStepReport } from './plan-step';
import { route53HealthChecks, type Route53Module } from './route53';
import {
  runRunbook,
  type FailoverReport,
  type FailoverRequest,
  type RunbookApis,
  type RunbookSettings,
} from './runbook';

/**
 * Failover runbook, deployed in BOTH regions: a failover or fail-back runs from the region that is to become the
 * writer, so it never needs the failed region's control plane. The decisions are in runbook.ts.
 *   planned   -> SwitchoverGlobalCluster (no data loss; both regions must be up); the confirming run lifts the
 *                target's fence after a fail-back
 *   unplanned -> fence the old writer's Route 53 health check (Disabled + Inverted), then FailoverGlobalCluster
 *                with AllowDataLoss
 * It reports what it found and what it did, refuses when the state does not match, and is idempotent.
 * Promotion stays operator-triggered: acting on a DNS signal alone risks split brain.
 *
 * Event: { "mode": "planned" | "unplanned", "dryRun"?: boolean, "target"?: "dr" | "primary" }, or the metadata an ARC
 *        Region switch plan sends to a custom-action step ({ PlanArn, StepName, ... }: see plan-step.ts).
 * Env: GLOBAL_CLUSTER_ID, PRIMARY_REGION, PRIMARY_CLUSTER_ID, PRIMARY_HEALTH_CHECK_FQDN, DR_REGION, DR_CLUSTER_ID,
 *      DR_HEALTH_CHECK_FQDN, FENCE_DRAIN_SECONDS; pilot light (drStrategy pilot-light): DR_PILOT_LIGHT=true in both
 *      copies, and in the DR copy PILOT_LIGHT_ASG_NAME, PILOT_LIGHT_FLEET_MIN_SIZE, PILOT_LIGHT_DB_INSTANCES,
 *      PILOT_LIGHT_DB_INSTANCE_CLASS (the scale-up it makes before promoting DR).
 */

export type {
  FailoverMode,
  FailoverReport,
  FailoverRequest,
  FoundState,
  MemberState,
  Outcome,
} from './runbook';

const rds = new RDSClient({});
const log = createLogger('failover-runbook');
let route53: RunbookApis['healthChecks'] | undefined;

let sleep: RunbookApis['sleep'];
let autoScaling: AutoScalingModule | undefined;

/** Tests replace the Route 53 module (the package is the Lambda runtime's, not this repository's) and the clock. */
export function setRoute53Module(sdk: Route53Module | undefined, wait?: RunbookApis['sleep']): void {
  route53 = sdk ? route53HealthChecks(sdk) : undefined;
  sleep = wait;
}

/** Tests replace the Auto Scaling module (the Lambda runtime's package, like Route 53's). */
export function setAutoScalingModule(sdk: AutoScalingModule | undefined): void {
  autoScaling = sdk;
}

function healthChecks(): RunbookApis['healthChecks'] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- provided by the Lambda runtime's AWS SDK v3
  route53 ??= route53HealthChecks(require('@aws-sdk/client-route53') as Route53Module);
  return route53;
}

const ALLOWED_KEYS = new Set(['mode', 'dryRun', 'target']);

export function parseRequest(event: unknown): FailoverRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidEventError(
      `expected {"mode":"planned"|"unplanned","dryRun"?:boolean,"target"?:"dr"|"primary"}, got ${JSON.stringify(event)}`,
    );
  }
  const e = event as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !ALLOWED_KEYS.has(k));
  if (unknown.length > 0)
    throw new InvalidEventError(`unknown field(s) ${unknown.join(', ')}; allowed: mode, dryRun, target`);
  if (e.mode !== 'planned' && e.mode !== 'unplanned') {
    throw new InvalidEventError(
      `mode must be "planned" (switchover) or "unplanned" (failover with data loss), got ${JSON.stringify(e.mode)}`,
    );
  }
  if (e.dryRun !== undefined && typeof e.dryRun !== 'boolean')
    throw new InvalidEventError('dryRun must be true or false');
  if (e.target !== undefined && e.target !== 'dr' && e.target !== 'primary') {
    throw new InvalidEventError(`target must be "dr" or "primary", got ${JSON.stringify(e.target)}`);
  }
  return {
    mode: e.mode,
    dryRun: e.dryRun === true,
    target: (e.target as 'dr' | 'primary' | undefined) ?? 'dr',
  };
}

function scaleUpFromEnv(): RunbookSettings['scaleUp'] {
  if (process.env.PILOT_LIGHT_ASG_NAME === undefined) return undefined;
  return {
    autoScalingGroupName: requireEnv('PILOT_LIGHT_ASG_NAME'),
    fleetMinSize: requireIntEnv('PILOT_LIGHT_FLEET_MIN_SIZE', 1),
    databaseInstances: requireIntEnv('PILOT_LIGHT_DB_INSTANCES', 0),
    databaseInstanceClass: requireEnv('PILOT_LIGHT_DB_INSTANCE_CLASS'),
  };
}

function settingsFromEnv(): RunbookSettings {
  const scaleUp = scaleUpFromEnv();
  return {
    globalClusterId: requireEnv('GLOBAL_CLUSTER_ID'),
    primary: {
      region: requireEnv('PRIMARY_REGION'),
      clusterId: requireEnv('PRIMARY_CLUSTER_ID'),
      healthCheckFqdn: requireEnv('PRIMARY_HEALTH_CHECK_FQDN'),
    },
    dr: {
      region: requireEnv('DR_REGION'),
      clusterId: requireEnv('DR_CLUSTER_ID'),
      healthCheckFqdn: requireEnv('DR_HEALTH_CHECK_FQDN'),
      pilotLight: process.env.DR_PILOT_LIGHT === 'true',
    },
    runningIn: requireEnv('AWS_REGION'),
    fenceDrainMs: requireIntEnv('FENCE_DRAIN_SECONDS') * 1000,
    ...(scaleUp ? { scaleUp } : {}),
  };
}

function apis(settings: RunbookSettings): RunbookApis {
  return {
    globalCluster: {
      describe: (id) => describeGlobalCluster(rds, id),
      switchover: async (id, arn) => {
        await rds.send(
          new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: id, TargetDbClusterIdentifier: arn }),
        );
      },
      failover: async (id, arn) => {
        await rds.send(
          new FailoverGlobalClusterCommand({
            GlobalClusterIdentifier: id,
            TargetDbClusterIdentifier: arn,
            AllowDataLoss: true,
          }),
        );
      },
    },
    healthChecks: healthChecks(),
    ...(settings.scaleUp
      ? {
          capacity: capacityApi(
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- provided by the Lambda runtime's AWS SDK v3
            (autoScaling ??= require('@aws-sdk/client-auto-scaling') as AutoScalingModule),
            rds,
          ),
        }
      : {}),
    isStateRejection: (e) => isAwsError(e, 'InvalidGlobalClusterState', 'InvalidDBClusterState'),
    sleep,
  };
}

/** An operator's request (the CLI's event); anything else is parsed at run time. */
export interface RunbookEvent {
  readonly mode: FailoverRequest['mode'];
  readonly dryRun?: boolean;
  readonly target?: FailoverRequest['target'];
}

export function handler(event: RunbookEvent, context?: { awsRequestId?: string }): Promise<FailoverReport>;
export function handler(
  event: unknown,
  context?: { awsRequestId?: string },
): Promise<FailoverReport | PlanStepReport>;
export async function handler(
  event: unknown,
  context?: { awsRequestId?: string },
): Promise<FailoverReport | PlanStepReport> {
  log.append({ requestId: context?.awsRequestId });
  const step = parsePlanStepEvent(event);
  if (step) {
    // A refused step throws, so Region switch fails it (and retries it) rather than moving on.
    try {
      const settings = settingsFromEnv();
      const done = await runPlanStep(step, settings, apis(settings));
      log.info(done.message, { ...done, planArn: step.planArn, executionId: step.executionId });
      return done;
    } catch (e) {
      log.warn(e instanceof Error ? e.message : String(e), { step: step.stepName, planArn: step.planArn });
      throw e;
    }
  }
  const request = parseRequest(event);
  const settings = settingsFromEnv();
  const report = await runRunbook(request, settings, apis(settings));
  log[report.outcome === 'refused' ? 'warn' : 'info'](report.message, { ...report });
  return report;
}
