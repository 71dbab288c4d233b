import type { ResilienceRule } from '../rule';
import { forEachResource } from '../rule';
import type { StackModel } from '../stack-model';
import { DB_CLUSTER, isAurora, isGlobalSecondary } from './db-common';

interface ScheduledCopy {
  readonly schedule: string;
  readonly fn: string;
  readonly destination?: string;
}

/** Lambda functions run on a schedule (EventBridge rule or EventBridge Scheduler) and the region they copy to. */
export function scheduledCopies(stack: StackModel, envVars: readonly string[]): ScheduledCopy[] {
  const targets: { schedule: string; arn: unknown }[] = [];
  for (const [id, rule] of stack.ofType('AWS::Events::Rule')) {
    const p = rule.Properties ?? {};
    if (p.ScheduleExpression === undefined || stack.str(p.State) === 'DISABLED') continue;
    for (const t of stack.list(p.Targets) ?? [])
      targets.push({ schedule: id, arn: (t as Record<string, unknown>)?.Arn });
  }
  for (const [id, schedule] of stack.ofType('AWS::Scheduler::Schedule')) {
    const p = schedule.Properties ?? {};
    if (stack.str(p.State) === 'DISABLED') continue;
    targets.push({ schedule: id, arn: (p.Target as Record<string, unknown> | undefined)?.Arn });
  }
  const copies: ScheduledCopy[] = [];
  for (const { schedule, arn } of targets) {
    let fn = stack.refTarget(arn);
    // Follow an alias or version to its function.
    const type = fn ? stack.resources[fn]?.Type : undefined;
    if (fn && (type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version')) {
      fn = stack.refTarget(stack.prop(fn, 'FunctionName'));
    }
    if (!fn || stack.resources[fn]?.Type !== 'AWS::Lambda::Function') continue;
    const env = ((stack.prop(fn, 'Environment') as Record<string, unknown> | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    const name = envVars.find((v) => env[v] !== undefined);
    if (name) copies.push({ schedule, fn, destination: stack.str(env[name]) });
  }
  return copies;
}

export const Backup1CrossRegionCopy: ResilienceRule = {
  id: 'RES-BACKUP1',
  description:
    'A stack with an Aurora writer cluster runs a scheduled Lambda whose destination-region variable names another region (cross-region snapshot copy).',
  invariant: 'INV-BACKUP',
  level: 'error',
  evaluate: (app, options) =>
    forEachResource(app, DB_CLUSTER, (stack, id, props) => {
      if (!isAurora(stack, props) || isGlobalSecondary(stack, id, props)) return undefined;
      const copies = scheduledCopies(stack, options.snapshotRegionEnvVars);
      const crossRegion = copies.filter(
        (c) => c.destination !== undefined && (stack.region === undefined || c.destination !== stack.region),
      );
      if (crossRegion.length > 0) {
        const c = crossRegion[0];
        return { compliant: true, message: `${c.schedule} runs ${c.fn}, copying to ${c.destination}` };
      }
      const seen = copies.map((c) => `${c.fn} -> ${c.destination ?? 'unresolved'}`).join(', ');
      return {
        compliant: false,
        message:
          `no scheduled Lambda with ${options.snapshotRegionEnvVars.join('/')} naming a region other than ${stack.region ?? 'the stack region'}` +
          (seen ? ` (found ${seen})` : ''),
      };
    }),
};
