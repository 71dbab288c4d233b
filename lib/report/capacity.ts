import type { StackModel } from '../checks/stack-model';
import { autoScalingGroups } from './template-values';
import type { CapacityModel } from './types';

/**
 * Static stability: instances left while the group relaunches after losing
 * one AZ, MinSize × (AZs − 1) / AZs, from the group's MinSize and the AZs of
 * its VPCZoneIdentifier subnets. Groups with a non-literal MinSize or no
 * resolvable AZ are skipped.
 */
export function capacityAfterAzLoss(stack: StackModel): CapacityModel[] {
  return autoScalingGroups(stack).flatMap((g) => {
    const min = g.minSize?.value;
    const azs = g.azs.length;
    if (min === undefined || azs === 0) return [];
    const after = (min * (azs - 1)) / azs;
    return [
      {
        region: stack.region ?? 'region-agnostic',
        stackName: stack.stackName,
        autoScalingGroup: g.logicalId,
        minSize: min,
        azs: g.azs,
        perAz: min / azs,
        afterLosingOneAz: after,
        fractionLeft: min === 0 ? 0 : after / min,
      },
    ];
  });
}
