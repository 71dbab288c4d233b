import { formatAzs, networkOf } from '../network-model';
import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';

export const Net1SubnetTiers: ResilienceRule = {
  id: 'RES-NET1',
  description:
    'Each VPC spans >= minAzs AZs and has a public, private-with-egress and isolated subnet in every one of them.',
  invariant: 'INV-NET',
  level: 'error',
  evaluate: (app, options) =>
    forEachResource(app, 'AWS::EC2::VPC', (stack, vpcId) => {
      const net = networkOf(stack);
      const azs = net.vpcAzs.get(vpcId) ?? new Set<string>();
      const problems: string[] = [];
      if (azs.size < options.minAzs) {
        problems.push(
          `VPC subnets span ${azs.size} AZ(s) (${formatAzs(azs)}), at least ${options.minAzs} required`,
        );
      }
      for (const tier of options.requiredSubnetTiers) {
        const tierAzs = new Set(
          [...net.subnets.values()]
            .filter((s) => s.vpc === vpcId && s.tier === tier && s.az)
            .map((s) => s.az),
        );
        const missing = [...azs].filter((az) => !tierAzs.has(az));
        if (missing.length > 0) problems.push(`no ${tier} subnet in ${formatAzs(missing)}`);
      }
      return verdict(problems, `${azs.size} AZs (${formatAzs(azs)}), every tier in each`);
    }),
};
