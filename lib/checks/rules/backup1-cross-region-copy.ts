import { functionMayCall } from '../iam-model';
import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import type { StackModel } from '../stack-model';
import { DB_CLUSTER, isAurora, isGlobalSecondary } from './db-common';
import { functionOf } from './lambda-common';

/** A Lambda function invoked by an EventBridge rule or an EventBridge Scheduler schedule. */
interface Invocation {
  readonly trigger: string;
  readonly scheduled: boolean;
  readonly fn: string;
}

/** Every Lambda function of the stack that EventBridge invokes, on a schedule or on an event. */
export function invokedFunctions(stack: StackModel): Invocation[] {
  const targets: { trigger: string; scheduled: boolean; arn: unknown }[] = [];
  for (const [id, rule] of stack.ofType('AWS::Events::Rule')) {
    const p = rule.Properties ?? {};
    if (stack.str(p.State) === 'DISABLED') continue;
    for (const t of stack.list(p.Targets) ?? []) {
      targets.push({
        trigger: id,
        scheduled: p.ScheduleExpression !== undefined,
        arn: (t as Record<string, unknown>)?.Arn,
      });
    }
  }
  for (const [id, schedule] of stack.ofType('AWS::Scheduler::Schedule')) {
    const p = schedule.Properties ?? {};
    if (stack.str(p.State) === 'DISABLED') continue;
    targets.push({
      trigger: id,
      scheduled: true,
      arn: (p.Target as Record<string, unknown> | undefined)?.Arn,
    });
  }
  const out: Invocation[] = [];
  for (const { trigger, scheduled, arn } of targets) {
    const fn = functionOf(stack, arn);
    if (fn) out.push({ trigger, scheduled, fn });
  }
  return out;
}

/** The destination region a function's environment names, from the first configured variable it sets. */
function destinationRegion(stack: StackModel, fn: string, envVars: readonly string[]): string | undefined {
  const env = ((stack.prop(fn, 'Environment') as Record<string, unknown> | undefined)?.Variables ??
    {}) as Record<string, unknown>;
  const name = envVars.find((v) => env[v] !== undefined);
  return name ? stack.str(env[name]) : undefined;
}

export const Backup1CrossRegionCopy: ResilienceRule = {
  id: 'RES-BACKUP1',
  description:
    'A stack with an Aurora writer runs a scheduled Lambda allowed rds:CreateDBClusterSnapshot, and an EventBridge-invoked Lambda allowed rds:CopyDBClusterSnapshot whose destination-region variable names another region.',
  invariant: 'INV-BACKUP',
  level: 'error',
  evaluate: (app, options) =>
    forEachResource(app, DB_CLUSTER, (stack, id, props) => {
      if (!isAurora(stack, props) || isGlobalSecondary(stack, id, props)) return undefined;
      const invoked = invokedFunctions(stack);
      const snapshot = invoked.find(
        (i) => i.scheduled && functionMayCall(stack, i.fn, 'rds:CreateDBClusterSnapshot'),
      );
      const copies = invoked
        .filter((i) => functionMayCall(stack, i.fn, 'rds:CopyDBClusterSnapshot'))
        .map((i) => ({ ...i, destination: destinationRegion(stack, i.fn, options.snapshotRegionEnvVars) }));
      const copy = copies.find(
        (c) => c.destination !== undefined && (stack.region === undefined || c.destination !== stack.region),
      );
      const problems: string[] = [];
      if (!snapshot) problems.push('no scheduled Lambda allowed rds:CreateDBClusterSnapshot');
      if (!copy) {
        const seen = copies.map((c) => `${c.fn} -> ${c.destination ?? 'unresolved'}`).join(', ');
        problems.push(
          `no EventBridge-invoked Lambda allowed rds:CopyDBClusterSnapshot with ${options.snapshotRegionEnvVars.join('/')} ` +
            `naming a region other than ${stack.region ?? 'the stack region'}` +
            (seen ? ` (found ${seen})` : ''),
        );
      }
      return snapshot && copy
        ? {
            compliant: true,
            message: `${snapshot.trigger} runs ${snapshot.fn}; ${copy.trigger} runs ${copy.fn}, copying to ${copy.destination}`,
          }
        : { compliant: false, message: problems.join('; ') };
    }),
};
