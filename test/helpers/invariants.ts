import { resourcesOfType } from './app';

type Tpl = { Resources: Record<string, { Type: string; Properties?: any }> };

/** Follows a { Ref } to the referenced logical id. */
export function refId(value: unknown): string {
  if (value && typeof value === 'object' && 'Ref' in value) return (value as { Ref: string }).Ref;
  throw new Error(`expected a Ref, got ${JSON.stringify(value)}`);
}

/** Subnet logical id → { az, type } (type from the aws-cdk:subnet-type tag). */
export function subnets(t: Tpl): Map<string, { az: string; type: string }> {
  return new Map(
    resourcesOfType(t, 'AWS::EC2::Subnet').map(([id, p]) => [
      id,
      {
        az: p.AvailabilityZone as string,
        type: (p.Tags as { Key: string; Value: string }[]).find((tag) => tag.Key === 'aws-cdk:subnet-type')!
          .Value,
      },
    ]),
  );
}

/** AZs covered by a list of subnet references. */
export function azsOf(t: Tpl, subnetRefs: unknown[]): string[] {
  const all = subnets(t);
  return [...new Set(subnetRefs.map((r) => all.get(refId(r))!.az))].sort();
}

/** For each private route table: the AZ of its subnet and the AZ of the NAT its default route uses. */
export function privateRouteAzs(t: Tpl): { subnetAz: string; natAz: string }[] {
  const all = subnets(t);
  const nats = new Map(
    resourcesOfType(t, 'AWS::EC2::NatGateway').map(([id, p]) => [id, all.get(refId(p.SubnetId))!.az]),
  );
  const tableToSubnet = new Map(
    resourcesOfType(t, 'AWS::EC2::SubnetRouteTableAssociation').map(([, p]) => [
      refId(p.RouteTableId),
      refId(p.SubnetId),
    ]),
  );
  return resourcesOfType(t, 'AWS::EC2::Route')
    .filter(([, p]) => p.NatGatewayId)
    .map(([, p]) => ({
      subnetAz: all.get(tableToSubnet.get(refId(p.RouteTableId))!)!.az,
      natAz: nats.get(refId(p.NatGatewayId))!,
    }));
}

/** The single resource of a type (fails if there is not exactly one). */
export function only(t: Tpl, type: string): [string, any] {
  const found = resourcesOfType(t, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}
