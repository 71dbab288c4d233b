import type { AppConfig } from './schema';
import type { ConfigProblem } from './validate';

/**
 * Rules of `failover.regionSwitchPlan` that span fields (the shape and ranges are in schema.ts). Kept here so the
 * option's rules sit in one place; validate.ts calls both functions.
 */

const PATH = 'failover.regionSwitchPlan';

export function regionSwitchPlanProblems(c: AppConfig): ConfigProblem[] {
  const plan = c.failover.regionSwitchPlan;
  const problems: ConfigProblem[] = [];
  if (plan.triggerOnAlarm && !plan.enabled) {
    problems.push({
      path: `${PATH}.triggerOnAlarm`,
      value: true,
      message: `has no effect while ${PATH}.enabled is false; set ${PATH}.enabled to true, or triggerOnAlarm to false`,
    });
  }
  const approverAccount = plan.approverRoleArn?.split(':')[4];
  if (approverAccount !== undefined && approverAccount !== c.primary.account) {
    problems.push({
      path: `${PATH}.approverRoleArn`,
      value: plan.approverRoleArn,
      message: `must be a role of primary.account (${c.primary.account}), the account of the plan; or omit it and the plan stack makes an approver role`,
    });
  }
  if (plan.approverRoleArn !== undefined && !plan.approvalRequired) {
    problems.push({
      path: `${PATH}.approverRoleArn`,
      value: plan.approverRoleArn,
      message: `is only used by the approval step; set ${PATH}.approvalRequired to true, or remove approverRoleArn`,
    });
  }
  return problems;
}

export function regionSwitchPlanWarnings(c: AppConfig): string[] {
  const plan = c.failover.regionSwitchPlan;
  if (plan.enabled && plan.triggerOnAlarm && !plan.approvalRequired) {
    return [
      `${PATH}: triggerOnAlarm without approvalRequired promotes the DR region with no human decision, by an ungraceful failover that may lose the writes not yet replicated; the fence keeps one writer, but consider approvalRequired: true`,
    ];
  }
  return [];
}
