import type { AppModel } from '../rule';
import type { StackModel } from '../stack-model';

export interface FailoverRecord {
  readonly stack: StackModel;
  /** The RecordSet, or the RecordSetGroup holding the record. */
  readonly logicalId: string;
  readonly role: string;
  /** Lower-case name without the trailing dot. */
  readonly name?: string;
  readonly type?: string;
  readonly zone?: string;
  readonly healthCheckId: unknown;
}

/** Every record with a Failover role, from RecordSet and RecordSetGroup resources of every stack. */
export function failoverRecords(app: AppModel): FailoverRecord[] {
  const out: FailoverRecord[] = [];
  for (const stack of app.stacks) {
    const add = (logicalId: string, props: Record<string, unknown>, zone: unknown): void => {
      if (props.Failover === undefined) return;
      out.push({
        stack,
        logicalId,
        role: (stack.str(props.Failover) ?? '?').toUpperCase(),
        name: stack.str(props.Name)?.toLowerCase().replace(/\.$/, ''),
        type: stack.str(props.Type)?.toUpperCase(),
        zone: stack
          .str(zone ?? props.HostedZoneId ?? props.HostedZoneName)
          ?.toLowerCase()
          .replace(/\.$/, ''),
        healthCheckId: props.HealthCheckId,
      });
    };
    for (const [id, r] of stack.ofType('AWS::Route53::RecordSet')) add(id, r.Properties ?? {}, undefined);
    for (const [id, g] of stack.ofType('AWS::Route53::RecordSetGroup')) {
      const zone = g.Properties?.HostedZoneId ?? g.Properties?.HostedZoneName;
      for (const r of stack.list(g.Properties?.RecordSets) ?? [])
        add(id, (r ?? {}) as Record<string, unknown>, zone);
    }
  }
  return out;
}
