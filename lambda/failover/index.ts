import { FailoverGlobalClusterCommand, RDSClient, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { requireEnv } from '../shared/env';
import { errorMessage, InvalidEventError, isAwsError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { describeGlobalCluster, parseRdsArn } from '../shared/rds';

/**
 * Failover runbook, deployed in the DR region so it works when the primary region's APIs do not.
 *   planned   -> SwitchoverGlobalCluster (no data loss; both regions must be up)
 *   unplanned -> FailoverGlobalCluster with AllowDataLoss (the primary region is down)
 * It reports what it found and what it did, refuses when the state does not match, and is
 * idempotent: once the target is the writer, a second call reports that there is nothing to do.
 * Promotion stays operator-triggered: acting on a DNS signal alone risks split brain.
 *
 * Event: { "mode": "planned" | "unplanned", "dryRun"?: boolean, "target"?: "dr" | "primary" }
 * Env: GLOBAL_CLUSTER_ID, PRIMARY_REGION, PRIMARY_CLUSTER_ID, DR_REGION, DR_CLUSTER_ID.
 */

const rds = new RDSClient({});
const log = createLogger('failover-runbook');

export type FailoverMode = 'planned' | 'unplanned';
export type Outcome = 'started' | 'dry-run' | 'nothing-to-do' | 'refused';

export interface FailoverRequest {
  readonly mode: FailoverMode;
  readonly dryRun: boolean;
  /** Which configured region's cluster becomes the writer. */
  readonly target: 'dr' | 'primary';
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

export interface FailoverReport {
  readonly outcome: Outcome;
  readonly request: FailoverRequest;
  readonly targetCluster: string;
  /** The API call made (or that a dry run would make). */
  readonly action?: 'SwitchoverGlobalCluster' | 'FailoverGlobalCluster';
  readonly found?: FoundState;
  readonly message: string;
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

export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<FailoverReport> {
  log.append({ requestId: context?.awsRequestId });
  const request = parseRequest(event);
  const report = await run(request);
  log[report.outcome === 'refused' ? 'warn' : 'info'](report.message, { ...report });
  return report;
}

async function run(request: FailoverRequest): Promise<FailoverReport> {
  const globalId = requireEnv('GLOBAL_CLUSTER_ID');
  const targetRegion = requireEnv(request.target === 'dr' ? 'DR_REGION' : 'PRIMARY_REGION');
  const targetId = requireEnv(request.target === 'dr' ? 'DR_CLUSTER_ID' : 'PRIMARY_CLUSTER_ID');
  const targetCluster = `${targetId} (${targetRegion})`;
  const refuse = (message: string, found?: FoundState): FailoverReport => ({
    outcome: 'refused',
    request,
    targetCluster,
    found,
    message: `Refused: ${message}`,
  });

  const global = await describeGlobalCluster(rds, globalId);
  if (!global)
    return refuse(`global cluster ${globalId} is unknown to RDS (checked from ${process.env.AWS_REGION})`);

  const fs = global.FailoverState;
  const found: FoundState = {
    globalClusterId: globalId,
    status: global.Status,
    members: (global.GlobalClusterMembers ?? []).map((m) => ({
      clusterArn: m.DBClusterArn ?? '?',
      isWriter: m.IsWriter === true,
      synchronizationStatus: m.SynchronizationStatus,
    })),
    writer: global.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn,
    failoverState: fs?.Status
      ? {
          status: fs.Status,
          from: fs.FromDbClusterArn,
          to: fs.ToDbClusterArn,
          dataLossAllowed: fs.IsDataLossAllowed,
        }
      : undefined,
  };

  const target = (global.GlobalClusterMembers ?? []).find((m) => {
    const arn = m.DBClusterArn ? parseRdsArn(m.DBClusterArn) : undefined;
    return arn?.type === 'cluster' && arn.name === targetId && arn.region === targetRegion;
  });
  if (!target?.DBClusterArn) {
    return refuse(
      `cluster ${targetCluster} is not a member of global cluster ${globalId} (members: ${found.members.map((m) => m.clusterArn).join(', ') || 'none'})`,
      found,
    );
  }
  if (found.failoverState) {
    const kind = found.failoverState.dataLossAllowed ? 'failover' : 'switchover';
    return refuse(
      `a ${kind} is already in progress (state ${found.failoverState.status}, from ${found.failoverState.from ?? '?'} to ${found.failoverState.to ?? '?'}); wait for it to finish, then run again to confirm`,
      found,
    );
  }
  if (target.IsWriter) {
    return {
      outcome: 'nothing-to-do',
      request,
      targetCluster,
      found,
      message: `Nothing to do: ${targetCluster} is already the writer of ${globalId} (already promoted)`,
    };
  }
  if (global.Status !== 'available') {
    return refuse(
      `global cluster ${globalId} is "${global.Status}", not "available"; another operation is under way`,
      found,
    );
  }
  if (request.mode === 'planned') {
    if (!found.writer)
      return refuse(
        `no member is the writer; a planned switchover needs a healthy writer (use unplanned)`,
        found,
      );
    if (target.SynchronizationStatus && target.SynchronizationStatus !== 'connected') {
      return refuse(
        `${targetCluster} is "${target.SynchronizationStatus}", not "connected"; a switchover needs it in sync`,
        found,
      );
    }
  }

  const action = request.mode === 'planned' ? 'SwitchoverGlobalCluster' : 'FailoverGlobalCluster';
  const effect =
    request.mode === 'planned'
      ? `switch over ${globalId} from ${found.writer ?? 'the current writer'} to ${targetCluster} without data loss`
      : `fail over ${globalId} to ${targetCluster}, allowing data loss (writes not yet replicated from ${found.writer ?? 'the old writer'} are lost)`;
  if (request.dryRun) {
    return { outcome: 'dry-run', request, targetCluster, action, found, message: `Dry run: would ${effect}` };
  }
  try {
    if (request.mode === 'planned') {
      await rds.send(
        new SwitchoverGlobalClusterCommand({
          GlobalClusterIdentifier: globalId,
          TargetDbClusterIdentifier: target.DBClusterArn,
        }),
      );
    } else {
      await rds.send(
        new FailoverGlobalClusterCommand({
          GlobalClusterIdentifier: globalId,
          TargetDbClusterIdentifier: target.DBClusterArn,
          AllowDataLoss: true,
        }),
      );
    }
  } catch (e) {
    if (isAwsError(e, 'InvalidGlobalClusterState', 'InvalidDBClusterState')) {
      return refuse(`RDS rejected ${action}: ${errorMessage(e)}`, found);
    }
    throw e;
  }
  return {
    outcome: 'started',
    request,
    targetCluster,
    action,
    found,
    message: `Started: ${action} to ${effect}. Watch the global cluster until ${targetCluster} is the writer, then set writerRegion=${targetRegion} in the config and redeploy.`,
  };
}
