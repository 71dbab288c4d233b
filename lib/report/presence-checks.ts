import type { StackInput } from '../checks';
import { LOAD_BALANCER } from '../checks/rules/alb-common';
import { AUTO_SCALING_GROUP } from '../checks/rules/asg-common';
import { StackModel, isObject } from '../checks/stack-model';
import { auroraClusters, multiAzCaches, writerClusters } from './template-values';
import type { InvariantCheck, ReportInvariant } from './types';

/**
 * INV-OBS and INV-CHAOS have no rule in the pack (they are about operations,
 * not redundancy), so the report detects what it can from the templates:
 * presence of the alarms, topic, dashboard, FIS templates and zonal autoshift.
 * Presence only: whether thresholds are right is the monitoring tests' job.
 */

const ALARM = 'AWS::CloudWatch::Alarm';
const FIS_TEMPLATE = 'AWS::FIS::ExperimentTemplate';

interface Alarm {
  readonly logicalId: string;
  readonly metrics: readonly string[];
  readonly notifies: boolean;
  readonly dimensions: readonly unknown[];
}

function alarmsOf(stack: StackModel): Alarm[] {
  return stack.ofType(ALARM).map(([id, a]) => {
    const p = a.Properties ?? {};
    const metrics = [
      stack.str(p.MetricName),
      ...(stack.list(p.Metrics) ?? []).map((m) => {
        const stat = isObject(m) && isObject(m.MetricStat) ? m.MetricStat : {};
        return isObject(stat.Metric) ? stack.str(stat.Metric.MetricName) : undefined;
      }),
    ].filter((m): m is string => m !== undefined);
    const dimensions = [
      ...(stack.list(p.Dimensions) ?? []),
      ...(stack.list(p.Metrics) ?? []).flatMap((m) => {
        const stat = isObject(m) && isObject(m.MetricStat) ? m.MetricStat : {};
        return isObject(stat.Metric) ? (stack.list(stat.Metric.Dimensions) ?? []) : [];
      }),
    ];
    const notifies = stack
      .refTargets(stack.list(p.AlarmActions) ?? [])
      .some((t) => stack.resources[t]?.Type === 'AWS::SNS::Topic');
    return { logicalId: id, metrics, notifies, dimensions };
  });
}

function check(
  stack: StackModel,
  ruleId: string,
  invariant: ReportInvariant,
  logicalId: string,
  compliant: boolean,
  message: string,
): InvariantCheck & { invariant: ReportInvariant } {
  return {
    invariant,
    ruleId,
    origin: 'report',
    level: 'error',
    stackName: stack.stackName,
    logicalId,
    resourceType: stack.resources[logicalId]?.Type ?? 'unknown',
    status: compliant ? 'pass' : 'fail',
    message,
  };
}

/** An alarm on any of `metrics` that notifies an SNS topic of its stack. */
function alarmCheck(
  stack: StackModel,
  alarms: readonly Alarm[],
  ruleId: string,
  subject: string,
  metrics: readonly string[],
  what: string,
): InvariantCheck & { invariant: ReportInvariant } {
  const found = alarms.find((a) => a.notifies && a.metrics.some((m) => metrics.includes(m)));
  return found
    ? check(
        stack,
        ruleId,
        'INV-OBS',
        found.logicalId,
        true,
        `${what} alarm ${found.logicalId} notifies the topic`,
      )
    : check(
        stack,
        ruleId,
        'INV-OBS',
        subject,
        false,
        `no alarm on ${metrics.join('/')} that notifies an SNS topic`,
      );
}

/** The health check a dimension value points at: a Ref in the same stack or another stack's output. */
function healthCheckOfDimension(
  value: unknown,
  alarmStack: StackModel,
  outputs: ReadonlyMap<string, Record<string, unknown>>,
  models: ReadonlyMap<string, StackModel>,
): { stack: string; logicalId: string } | undefined {
  const local = alarmStack.refTarget(value);
  if (local) return { stack: alarmStack.stackName, logicalId: local };
  if (!isObject(value) || !isObject(value['Fn::GetStackOutput'])) return undefined;
  const ref = value['Fn::GetStackOutput'];
  const stackName = typeof ref.StackName === 'string' ? ref.StackName : undefined;
  const outputName = typeof ref.OutputName === 'string' ? ref.OutputName : undefined;
  const output = stackName && outputName ? outputs.get(stackName)?.[outputName] : undefined;
  const model = stackName ? models.get(stackName) : undefined;
  const target = model && isObject(output) ? model.refTarget(output.Value) : undefined;
  return target && stackName ? { stack: stackName, logicalId: target } : undefined;
}

/** Report-side checks for INV-OBS and INV-CHAOS, one or more per applicable stack. */
export function presenceChecks(
  stacks: readonly StackInput[],
): (InvariantCheck & { invariant: ReportInvariant })[] {
  const models = new Map(stacks.map((s) => [s.stackName, new StackModel(s)]));
  const outputs = new Map(
    stacks.map((s) => [s.stackName, (s.template.Outputs ?? {}) as Record<string, Record<string, unknown>>]),
  );
  // Route 53 health-check metrics exist only in us-east-1: collect those alarms app-wide.
  const healthCheckAlarms: { stack: string; logicalId: string; alarm: string }[] = [];
  for (const model of models.values()) {
    if (model.region !== undefined && model.region !== 'us-east-1') continue;
    for (const alarm of alarmsOf(model)) {
      if (!alarm.notifies || !alarm.metrics.includes('HealthCheckStatus')) continue;
      for (const d of alarm.dimensions) {
        if (!isObject(d) || model.str(d.Name) !== 'HealthCheckId') continue;
        const target = healthCheckOfDimension(d.Value, model, outputs, models);
        if (target) healthCheckAlarms.push({ ...target, alarm: `${model.stackName}/${alarm.logicalId}` });
      }
    }
  }

  const out: (InvariantCheck & { invariant: ReportInvariant })[] = [];
  for (const stack of models.values()) {
    const alarms = alarmsOf(stack);
    const loadBalancers = stack.ofType(LOAD_BALANCER).map(([id]) => id);
    const groups = stack.ofType(AUTO_SCALING_GROUP).map(([id]) => id);

    // INV-OBS: a workload stack (one with a load balancer).
    if (loadBalancers.length > 0) {
      const alb = loadBalancers[0];
      out.push(
        alarmCheck(
          stack,
          alarms,
          'REPORT-OBS1',
          alb,
          ['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count'],
          'ALB 5xx',
        ),
      );
      out.push(alarmCheck(stack, alarms, 'REPORT-OBS2', alb, ['UnHealthyHostCount'], 'Unhealthy hosts'));
      const dashboards = stack.ofType('AWS::CloudWatch::Dashboard').map(([id]) => id);
      out.push(
        dashboards.length > 0
          ? check(stack, 'REPORT-OBS3', 'INV-OBS', dashboards[0], true, `dashboard ${dashboards[0]}`)
          : check(stack, 'REPORT-OBS3', 'INV-OBS', alb, false, 'no CloudWatch dashboard in the stack'),
      );
      for (const cluster of auroraClusters(stack)) {
        const isWriter = writerClusters(stack).some((w) => w.logicalId === cluster);
        const metrics = isWriter
          ? ['AuroraReplicaLag']
          : ['AuroraGlobalDBReplicationLag', 'AuroraGlobalDBRPOLag'];
        const found = alarms.find((a) => a.notifies && a.metrics.some((m) => metrics.includes(m)));
        out.push(
          check(
            stack,
            'REPORT-OBS4',
            'INV-OBS',
            found?.logicalId ?? cluster,
            found !== undefined,
            found
              ? `replication lag alarm ${found.logicalId}`
              : `no alarm on ${metrics.join('/')} for ${cluster}`,
          ),
        );
      }
      for (const cache of stack.ofType('AWS::ElastiCache::ReplicationGroup').map(([id]) => id)) {
        const found = alarms.find((a) => a.notifies && a.metrics.includes('ReplicationLag'));
        out.push(
          check(
            stack,
            'REPORT-OBS5',
            'INV-OBS',
            found?.logicalId ?? cache,
            found !== undefined,
            found
              ? `cache replication lag alarm ${found.logicalId}`
              : `no alarm on ReplicationLag for ${cache}`,
          ),
        );
      }
    }
    for (const [id] of stack.ofType('AWS::Route53::HealthCheck')) {
      const found = healthCheckAlarms.find((a) => a.stack === stack.stackName && a.logicalId === id);
      out.push(
        check(
          stack,
          'REPORT-OBS6',
          'INV-OBS',
          id,
          found !== undefined,
          found
            ? `HealthCheckStatus alarm ${found.alarm} (us-east-1)`
            : 'no HealthCheckStatus alarm in a us-east-1 stack names this health check',
        ),
      );
    }

    // INV-CHAOS: a stack with a fleet.
    if (groups.length > 0) {
      const templates = stack.ofType(FIS_TEMPLATE);
      const actions = new Set<string>();
      for (const [id, t] of templates) {
        const p = t.Properties ?? {};
        for (const a of Object.values(isObject(p.Actions) ? p.Actions : {})) {
          const action = isObject(a) ? stack.str(a.ActionId) : undefined;
          if (action) actions.add(action);
        }
        const stops = (stack.list(p.StopConditions) ?? []).filter(
          (s) => isObject(s) && stack.str(s.Source) === 'aws:cloudwatch:alarm',
        );
        out.push(
          check(
            stack,
            'REPORT-CHAOS1',
            'INV-CHAOS',
            id,
            stops.length > 0,
            stops.length > 0 ? 'stopped by a CloudWatch alarm' : 'no aws:cloudwatch:alarm stop condition',
          ),
        );
      }
      const wanted = ['aws:ec2:terminate-instances', 'aws:network:disrupt-connectivity'];
      if (multiAzCaches(stack).length > 0) wanted.push('aws:elasticache:replicationgroup-interrupt-az-power');
      if (writerClusters(stack).length > 0) wanted.push('aws:rds:failover-db-cluster');
      const missing = wanted.filter((a) => !actions.has(a));
      out.push(
        check(
          stack,
          'REPORT-CHAOS2',
          'INV-CHAOS',
          groups[0],
          missing.length === 0,
          missing.length === 0
            ? `${templates.length} FIS templates cover ${wanted.join(', ')}`
            : `no FIS experiment template runs ${missing.join(', ')}`,
        ),
      );
      for (const alb of loadBalancers) {
        const autoshift = stack
          .ofType('AWS::ARCZonalShift::ZonalAutoshiftConfiguration')
          .find(([, c]) => stack.refTarget(c.Properties?.ResourceIdentifier) === alb);
        const enabled = autoshift && stack.str(autoshift[1].Properties?.ZonalAutoshiftStatus) === 'ENABLED';
        out.push(
          check(
            stack,
            'REPORT-CHAOS3',
            'INV-CHAOS',
            autoshift?.[0] ?? alb,
            enabled === true,
            enabled ? `zonal autoshift ENABLED for ${alb}` : `zonal autoshift is not enabled for ${alb}`,
          ),
        );
      }
    }
  }
  return out;
}
