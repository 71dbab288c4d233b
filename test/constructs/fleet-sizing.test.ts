import { DEFAULT_CONFIG } from '../../lib/config';
import { targetRequestsPerInstance } from '../../lib/constructs/fleet';

describe('fleet sizing for the loss of an AZ (fleet.sizeForAzLoss)', () => {
  test('GIVEN sizeForAzLoss off THEN target tracking aims at the configured value', () => {
    expect(targetRequestsPerInstance({ targetRequestsPerInstance: 1000, sizeForAzLoss: false }, 3)).toBe(
      1000,
    );
  });

  test.each([2, 3, 4, 6])(
    'GIVEN sizeForAzLoss on and %i AZs THEN after losing any one AZ the others run at no more than the configured target',
    (azs) => {
      for (const target of [1, 7, 100, 1000, 1234]) {
        const aimed = targetRequestsPerInstance(
          { targetRequestsPerInstance: target, sizeForAzLoss: true },
          azs,
        );
        // The load that N AZs carried at `aimed` each, spread over the N - 1 left.
        const afterLoss = (aimed * azs) / (azs - 1);
        expect({ target, afterLoss: afterLoss <= target || aimed === 1 }).toEqual({
          target,
          afterLoss: true,
        });
        expect(aimed).toBeGreaterThanOrEqual(1);
      }
    },
  );

  test('GIVEN the default 3 AZs and 1000 requests/min THEN it aims at 666: 1.5 times the instances', () => {
    expect(targetRequestsPerInstance({ ...DEFAULT_CONFIG.fleet, sizeForAzLoss: true }, 3)).toBe(666);
    expect(DEFAULT_CONFIG.fleet.sizeForAzLoss).toBe(false);
  });
});
