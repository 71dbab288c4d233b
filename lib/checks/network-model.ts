import type { StackModel } from './stack-model';
import type { SubnetTier } from './types';

export interface SubnetInfo {
  readonly logicalId: string;
  readonly vpc?: string;
  /** AZ name, AZ id, or an `az-index-N` stand-in; undefined when unresolvable. */
  readonly az?: string;
  readonly tier: SubnetTier;
  /** Where the default route (0.0.0.0/0) goes, if the subnet has one. */
  readonly defaultRoute?: { readonly kind: 'igw' | 'nat' | 'other'; readonly target?: string };
}

export interface NatInfo {
  readonly logicalId: string;
  readonly subnet?: string;
  readonly az?: string;
  readonly vpc?: string;
}

export interface NetworkModel {
  readonly subnets: ReadonlyMap<string, SubnetInfo>;
  readonly nats: ReadonlyMap<string, NatInfo>;
  /** VPC logical id -> the AZs its subnets are in. */
  readonly vpcAzs: ReadonlyMap<string, ReadonlySet<string>>;
  /** Subnet logical id -> its SubnetRouteTableAssociation and route table. */
  readonly associations: ReadonlyMap<string, { readonly association: string; readonly routeTable: string }>;
  /** Route table logical id -> its routes through a gateway (IGW, NAT, egress-only IGW, transit gateway). */
  readonly egressRoutes: ReadonlyMap<string, readonly string[]>;
}

/** Route properties that send traffic out of the VPC. */
const EGRESS_TARGETS = ['NatGatewayId', 'GatewayId', 'EgressOnlyInternetGatewayId', 'TransitGatewayId'];

const cache = new WeakMap<StackModel, NetworkModel>();

/** Derives subnets, their tier (from the default route) and NAT gateways from one template. */
export function networkOf(stack: StackModel): NetworkModel {
  const cached = cache.get(stack);
  if (cached) return cached;

  // Route table -> default route target, and its egress routes.
  const defaultRoutes = new Map<string, SubnetInfo['defaultRoute']>();
  const egressRoutes = new Map<string, string[]>();
  for (const [routeId, route] of stack.ofType('AWS::EC2::Route')) {
    const p = route.Properties ?? {};
    const table = stack.refTarget(p.RouteTableId);
    if (!table) continue;
    if (EGRESS_TARGETS.some((t) => p[t] !== undefined)) {
      egressRoutes.set(table, [...(egressRoutes.get(table) ?? []), routeId]);
    }
    if (stack.str(p.DestinationCidrBlock) !== '0.0.0.0/0') continue;
    const gateway = stack.refTarget(p.GatewayId);
    const nat = stack.refTarget(p.NatGatewayId);
    if (gateway && stack.resources[gateway]?.Type === 'AWS::EC2::InternetGateway') {
      defaultRoutes.set(table, { kind: 'igw', target: gateway });
    } else if (nat) {
      defaultRoutes.set(table, { kind: 'nat', target: nat });
    } else {
      defaultRoutes.set(table, { kind: 'other' });
    }
  }
  const associations = new Map<string, { association: string; routeTable: string }>();
  for (const [assocId, assoc] of stack.ofType('AWS::EC2::SubnetRouteTableAssociation')) {
    const subnet = stack.refTarget(assoc.Properties?.SubnetId);
    const table = stack.refTarget(assoc.Properties?.RouteTableId);
    if (subnet && table) associations.set(subnet, { association: assocId, routeTable: table });
  }

  const subnets = new Map<string, SubnetInfo>();
  const vpcAzs = new Map<string, Set<string>>();
  for (const [id, subnet] of stack.ofType('AWS::EC2::Subnet')) {
    const p = subnet.Properties ?? {};
    const table = associations.get(id)?.routeTable;
    const defaultRoute = table ? defaultRoutes.get(table) : undefined;
    const tier: SubnetTier = defaultRoute?.kind === 'igw' ? 'public' : defaultRoute ? 'private' : 'isolated';
    const vpc = stack.refTarget(p.VpcId);
    const az = stack.str(p.AvailabilityZone) ?? stack.str(p.AvailabilityZoneId);
    subnets.set(id, { logicalId: id, vpc, az, tier, defaultRoute });
    if (vpc && az) {
      if (!vpcAzs.has(vpc)) vpcAzs.set(vpc, new Set());
      vpcAzs.get(vpc)?.add(az);
    }
  }
  for (const [id] of stack.ofType('AWS::EC2::VPC')) {
    if (!vpcAzs.has(id)) vpcAzs.set(id, new Set());
  }

  const nats = new Map<string, NatInfo>();
  for (const [id, nat] of stack.ofType('AWS::EC2::NatGateway')) {
    const subnet = stack.refTarget(nat.Properties?.SubnetId);
    const info = subnet ? subnets.get(subnet) : undefined;
    nats.set(id, { logicalId: id, subnet, az: info?.az, vpc: info?.vpc });
  }

  const model: NetworkModel = { subnets, nats, vpcAzs, associations, egressRoutes };
  cache.set(stack, model);
  return model;
}

/**
 * The AZs a list of subnet references spans. `unresolved` counts references
 * that are not subnets of this template or have no resolvable AZ.
 */
export function subnetPlacement(
  stack: StackModel,
  subnetRefs: unknown,
): { azs: Set<string>; vpcs: Set<string>; unresolved: number } {
  const net = networkOf(stack);
  const azs = new Set<string>();
  const vpcs = new Set<string>();
  let unresolved = 0;
  for (const ref of stack.list(subnetRefs) ?? []) {
    const subnet = net.subnets.get(stack.refTarget(ref) ?? '');
    if (subnet?.az) azs.add(subnet.az);
    else unresolved++;
    if (subnet?.vpc) vpcs.add(subnet.vpc);
  }
  return { azs, vpcs, unresolved };
}

/** The AZs of the VPCs in `vpcs` that `azs` leaves out. */
export function missingAzs(stack: StackModel, vpcs: Iterable<string>, azs: ReadonlySet<string>): string[] {
  const net = networkOf(stack);
  const missing = new Set<string>();
  for (const vpc of vpcs) {
    for (const az of net.vpcAzs.get(vpc) ?? []) if (!azs.has(az)) missing.add(az);
  }
  return [...missing].sort();
}

export function formatAzs(azs: Iterable<string>): string {
  const list = [...azs].sort();
  return list.length === 0 ? 'none' : list.join(', ');
}
