import type { CfnResourceJson, StackInput } from '../checks';
import { failoverRunbookFunctionName } from '../../lambda/shared/names';

/**
 * What the architecture diagram shows, read from the synthesized templates alone: a regional
 * stack is one with a Route 53 failover record; the monitoring stack is one whose alarms watch
 * health checks of other stacks. Nothing comes from the config, so the picture is of what synth
 * produced.
 */
export interface HealthCheckView {
  readonly fqdn: string;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly failureThreshold: number;
}

export interface DatabaseView {
  readonly identifier: string;
  /** writer: creates the global cluster from its own cluster; secondary: joins it by identifier. */
  readonly globalRole: 'writer' | 'secondary' | 'none';
  readonly globalClusterIdentifier?: string;
  readonly engine: string;
  readonly instances: readonly {
    readonly az: string;
    readonly instanceClass: string;
    readonly promotionTier: number;
  }[];
  readonly proxy: boolean;
}

export interface CacheView {
  readonly engine: string;
  readonly nodeType: string;
  readonly shards: number;
  readonly replicasPerShard: number;
  readonly tls: boolean;
}

export interface RegionView {
  readonly stackName: string;
  readonly region: string;
  readonly failover: 'PRIMARY' | 'SECONDARY';
  readonly recordName: string;
  readonly healthCheck: HealthCheckView;
  readonly vpcCidr: string;
  readonly azs: readonly string[];
  readonly loadBalancer: { readonly scheme: string; readonly azs: readonly string[] };
  readonly fleet: { readonly minSize: number; readonly maxSize: number; readonly azs: readonly string[] };
  readonly database?: DatabaseView;
  readonly cache?: CacheView;
  readonly runbook: boolean;
  readonly canary: boolean;
  readonly alarms: number;
}

export interface MonitoringView {
  readonly stackName: string;
  readonly region: string;
  readonly healthCheckAlarms: readonly { readonly alarmName: string; readonly watchesStack: string }[];
  readonly dashboards: number;
}

export interface DiagramModel {
  readonly regions: readonly RegionView[];
  readonly monitoring?: MonitoringView;
}

export class DiagramModelError extends Error {}

type Resources = Readonly<Record<string, CfnResourceJson>>;

const props = (r: CfnResourceJson): Record<string, unknown> => r.Properties ?? {};
/** A template value shown as text: literals as they are, anything else (an intrinsic) as "?". */
const lit = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '?';
const ofType = (resources: Resources, type: string): [string, CfnResourceJson][] =>
  Object.entries(resources)
    .filter(([, r]) => r.Type === type)
    .sort(([a], [b]) => a.localeCompare(b));
const refOf = (v: unknown): string | undefined =>
  typeof v === 'object' && v !== null && typeof (v as { Ref?: unknown }).Ref === 'string'
    ? (v as { Ref: string }).Ref
    : undefined;
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new DiagramModelError(`${what} is not a literal string in the template`);
  return v;
};
const num = (v: unknown): number => Number(v);

function subnetAzs(resources: Resources, refs: readonly unknown[]): string[] {
  return [
    ...new Set(
      refs.map((ref) => props(resources[refOf(ref) ?? ''] ?? { Type: '' }).AvailabilityZone as string),
    ),
  ]
    .filter(Boolean)
    .sort();
}

function regionView(stack: StackInput, resources: Resources): RegionView | undefined {
  const failoverRecord = ofType(resources, 'AWS::Route53::RecordSet').find(
    ([, r]) => props(r).Failover !== undefined,
  );
  if (!failoverRecord) return undefined;
  const where = `${stack.stackName}`;
  const record = props(failoverRecord[1]);
  const hc = props(resources[refOf(record.HealthCheckId) ?? ''] ?? { Type: '' }).HealthCheckConfig as
    Record<string, unknown> | undefined;
  if (!hc) throw new DiagramModelError(`${where}: the failover record has no health check in the stack`);
  const [vpc] = ofType(resources, 'AWS::EC2::VPC');
  const [lb] = ofType(resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  const [asg] = ofType(resources, 'AWS::AutoScaling::AutoScalingGroup');
  if (!vpc || !lb || !asg)
    throw new DiagramModelError(
      `${where}: a regional stack needs a VPC, a load balancer and an Auto Scaling group`,
    );
  const azs = [
    ...new Set(
      ofType(resources, 'AWS::EC2::Subnet').map(([, s]) =>
        str(props(s).AvailabilityZone, `${where} subnet AZ`),
      ),
    ),
  ].sort();

  const [clusterEntry] = ofType(resources, 'AWS::RDS::DBCluster');
  let database: DatabaseView | undefined;
  if (clusterEntry) {
    const [clusterId, cluster] = clusterEntry;
    const global = ofType(resources, 'AWS::RDS::GlobalCluster').find(
      ([, g]) => refOf(props(g).SourceDBClusterIdentifier) === clusterId,
    );
    const joins = props(cluster).GlobalClusterIdentifier as string | undefined;
    database = {
      identifier: str(props(cluster).DBClusterIdentifier, `${where} cluster identifier`),
      globalRole: global ? 'writer' : joins ? 'secondary' : 'none',
      globalClusterIdentifier: global ? (props(global[1]).GlobalClusterIdentifier as string) : joins,
      engine: `${lit(props(cluster).Engine)} ${lit(props(cluster).EngineVersion ?? '')}`.trim(),
      instances: ofType(resources, 'AWS::RDS::DBInstance')
        .filter(([, i]) => refOf(props(i).DBClusterIdentifier) === clusterId)
        .map(([, i]) => ({
          az: lit(props(i).AvailabilityZone ?? '?'),
          instanceClass: lit(props(i).DBInstanceClass),
          promotionTier: num(props(i).PromotionTier ?? 1),
        })),
      proxy: ofType(resources, 'AWS::RDS::DBProxy').length > 0,
    };
  }
  const [cacheEntry] = ofType(resources, 'AWS::ElastiCache::ReplicationGroup');
  const cache = cacheEntry && {
    engine: lit(props(cacheEntry[1]).Engine),
    nodeType: lit(props(cacheEntry[1]).CacheNodeType),
    shards: num(props(cacheEntry[1]).NumNodeGroups ?? 1),
    replicasPerShard: num(props(cacheEntry[1]).ReplicasPerNodeGroup ?? 0),
    tls: props(cacheEntry[1]).TransitEncryptionEnabled === true,
  };
  const runbookSuffix = failoverRunbookFunctionName('');
  return {
    stackName: stack.stackName,
    region: stack.region ?? '?',
    failover: record.Failover as 'PRIMARY' | 'SECONDARY',
    recordName: str(record.Name, `${where} record name`).replace(/\.$/, ''),
    healthCheck: {
      fqdn: lit(hc.FullyQualifiedDomainName),
      path: lit(hc.ResourcePath ?? '/'),
      intervalSeconds: num(hc.RequestInterval ?? 30),
      failureThreshold: num(hc.FailureThreshold ?? 3),
    },
    vpcCidr: lit(props(vpc[1]).CidrBlock),
    azs,
    loadBalancer: {
      scheme: lit(props(lb[1]).Scheme),
      azs: subnetAzs(resources, (props(lb[1]).Subnets as unknown[]) ?? []),
    },
    fleet: {
      minSize: num(props(asg[1]).MinSize),
      maxSize: num(props(asg[1]).MaxSize),
      azs: subnetAzs(resources, (props(asg[1]).VPCZoneIdentifier as unknown[]) ?? []),
    },
    database,
    cache,
    runbook: ofType(resources, 'AWS::Lambda::Function').some(([, f]) =>
      lit(props(f).FunctionName ?? '').endsWith(runbookSuffix),
    ),
    canary: ofType(resources, 'AWS::Synthetics::Canary').length > 0,
    alarms: ofType(resources, 'AWS::CloudWatch::Alarm').length,
  };
}

function monitoringView(stack: StackInput, resources: Resources): MonitoringView | undefined {
  const healthCheckAlarms = ofType(resources, 'AWS::CloudWatch::Alarm').flatMap(([, a]) => {
    const dims = (props(a).Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
    const hc = dims.find((d) => d.Name === 'HealthCheckId');
    // The health check's id comes from its regional stack (Fn::GetStackOutput, the weak cross-region reference).
    const output = (hc?.Value as { 'Fn::GetStackOutput'?: { StackName?: unknown } } | undefined)?.[
      'Fn::GetStackOutput'
    ];
    const source = typeof output?.StackName === 'string' ? output.StackName : undefined;
    return hc && source ? [{ alarmName: lit(props(a).AlarmName), watchesStack: source }] : [];
  });
  if (healthCheckAlarms.length === 0) return undefined;
  return {
    stackName: stack.stackName,
    region: stack.region ?? '?',
    healthCheckAlarms,
    dashboards: ofType(resources, 'AWS::CloudWatch::Dashboard').length,
  };
}

export function diagramModel(stacks: readonly StackInput[]): DiagramModel {
  const regions: RegionView[] = [];
  let monitoring: MonitoringView | undefined;
  for (const stack of [...stacks].sort((a, b) => a.stackName.localeCompare(b.stackName))) {
    const resources = stack.template.Resources ?? {};
    const region = regionView(stack, resources);
    if (region) regions.push(region);
    else monitoring ??= monitoringView(stack, resources);
  }
  const order = { PRIMARY: 0, SECONDARY: 1 } as const;
  regions.sort((a, b) => order[a.failover] - order[b.failover]);
  if (regions.map((r) => r.failover).join() !== 'PRIMARY,SECONDARY') {
    throw new DiagramModelError(
      `the assembly needs one PRIMARY and one SECONDARY failover stack; found: ${regions.map((r) => `${r.stackName} ${r.failover}`).join(', ') || 'none'}`,
    );
  }
  return { regions, monitoring };
}
