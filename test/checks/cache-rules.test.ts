import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { ReplicationGroupOverrides } from './fixtures';
import { evaluate, failingRules, OfflineStack, replicationGroup, testApp } from './fixtures';

describe('INV-CACHE rules (RES-CACHE1..3)', () => {
  let assembly: CloudAssembly;
  const s: Record<string, OfflineStack> = {};
  const variants: Record<string, ReplicationGroupOverrides> = {
    Good: {},
    GoodNonClustered: { numNodeGroups: undefined, replicasPerNodeGroup: undefined, numCacheClusters: 2 },
    NoFailover: { automaticFailoverEnabled: false },
    SingleAz: { multiAzEnabled: false },
    NoReplicas: { replicasPerNodeGroup: 0 },
    SingleNode: { numNodeGroups: undefined, replicasPerNodeGroup: undefined, numCacheClusters: 1 },
    NoTls: { transitEncryptionEnabled: false },
    NotEncryptedAtRest: { atRestEncryptionEnabled: false },
  };

  beforeAll(() => {
    // GIVEN a compliant replication group and variants that each break one rule
    const app = testApp();
    for (const [name, overrides] of Object.entries(variants)) {
      s[name] = new OfflineStack(app, name);
      replicationGroup(s[name], 'Cache', overrides);
    }
    // WHEN the app is synthesized once
    assembly = app.synth();
  });

  test.each(['Good', 'GoodNonClustered'])('%s replication group passes every rule', (name) => {
    const result = evaluate(assembly, s[name]);
    expect(result.findings).toEqual([]);
    expect(result.results.map((r) => r.ruleId).sort()).toEqual(['RES-CACHE1', 'RES-CACHE2', 'RES-CACHE3']);
  });

  test.each([
    ['NoFailover', 'RES-CACHE1', 'AutomaticFailoverEnabled is not true'],
    ['SingleAz', 'RES-CACHE1', 'MultiAZEnabled is not true'],
    ['NoReplicas', 'RES-CACHE2', '0 replica(s) in a shard, at least 1 required'],
    ['SingleNode', 'RES-CACHE2', '0 replica(s) in a shard, at least 1 required'],
    ['NoTls', 'RES-CACHE3', 'TransitEncryptionEnabled is not true'],
    ['NotEncryptedAtRest', 'RES-CACHE3', 'AtRestEncryptionEnabled is not true'],
  ])('%s fires %s only', (name, ruleId, message) => {
    const result = evaluate(assembly, s[name]);
    expect(failingRules(result)).toEqual([ruleId]);
    expect(result.findings[0].message).toBe(message);
  });
});
