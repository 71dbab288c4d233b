import { lambdaAssetHash, lambdaEntry, SHARED_BUNDLING } from '../../lib/constructs/lambda-defaults';

describe('lambdaAssetHash', () => {
  test('GIVEN the same entry and options WHEN hashed twice THEN the hash is stable (bundles are reused)', () => {
    expect(lambdaAssetHash(lambdaEntry('failover'))).toBe(lambdaAssetHash(lambdaEntry('failover')));
  });

  test('GIVEN two functions THEN their bundles never share a hash', () => {
    expect(lambdaAssetHash(lambdaEntry('failover'))).not.toBe(
      lambdaAssetHash(lambdaEntry('snapshot/create')),
    );
  });

  test('GIVEN different bundling options THEN the hash changes (the output would differ)', () => {
    const entry = lambdaEntry('snapshot/copy');
    expect(lambdaAssetHash(entry, { ...SHARED_BUNDLING, minify: false })).not.toBe(lambdaAssetHash(entry));
  });
});
