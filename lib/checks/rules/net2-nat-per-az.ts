import { formatAzs, networkOf } from '../network-model';
import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';

export const Net2NatPerAz: ResilienceRule = {
  id: 'RES-NET2',
  description:
    'A VPC with private subnets has a NAT gateway in every AZ and each private subnet routes through the NAT of its own AZ.',
  invariant: 'INV-NET',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, 'AWS::EC2::VPC', (stack, vpcId) => {
      const net = networkOf(stack);
      const privateSubnets = [...net.subnets.values()].filter((s) => s.vpc === vpcId && s.tier === 'private');
      if (privateSubnets.length === 0) return undefined;
      const azs = net.vpcAzs.get(vpcId) ?? new Set<string>();
      const natAzs = new Set([...net.nats.values()].filter((n) => n.vpc === vpcId && n.az).map((n) => n.az));
      const problems: string[] = [];
      const withoutNat = [...azs].filter((az) => !natAzs.has(az));
      if (withoutNat.length > 0) problems.push(`no NAT gateway in ${formatAzs(withoutNat)}`);
      for (const subnet of privateSubnets) {
        const route = subnet.defaultRoute;
        const nat = route?.kind === 'nat' && route.target ? net.nats.get(route.target) : undefined;
        if (!nat) {
          problems.push(`${subnet.logicalId} default route does not go to a NAT gateway of this template`);
        } else if (!nat.az || nat.az !== subnet.az) {
          problems.push(
            `${subnet.logicalId} (${subnet.az ?? 'unknown AZ'}) routes through ${nat.logicalId} in ${nat.az ?? 'an unknown AZ'}`,
          );
        }
      }
      return verdict(problems, `NAT in each of ${formatAzs(azs)}, same-AZ routing`);
    }),
};
