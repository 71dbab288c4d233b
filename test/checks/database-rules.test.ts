import * as rds from 'aws-cdk-lib/aws-rds';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { ClusterOptions } from './fixtures';
import { auroraCluster, evaluate, failingRules, OfflineStack, snapshotSchedule, testApp } from './fixtures';

const GLOBAL_ID = 'app-global';

describe('INV-DB rules (RES-DB1..5, RES-GDB1)', () => {
  let assembly: CloudAssembly;
  const s: Record<string, OfflineStack> = {};

  beforeAll(() => {
    // GIVEN a primary with a global cluster, its DR secondary, and one variant per rule
    const app = testApp();
    const writerStack = (name: string, options: ClusterOptions = {}, withGlobal = false): OfflineStack => {
      const stack = new OfflineStack(app, name, 'us-east-1');
      const writer = auroraCluster(stack, 'Writer', options);
      if (withGlobal) {
        new rds.CfnGlobalCluster(stack, 'Global', {
          globalClusterIdentifier: GLOBAL_ID,
          sourceDbClusterIdentifier: writer.ref,
        });
      }
      snapshotSchedule(stack, 'us-west-2');
      return (s[name] = stack);
    };
    const secondaryStack = (name: string, instances: number, region = 'us-west-2'): OfflineStack => {
      const stack = new OfflineStack(app, name, region);
      auroraCluster(stack, 'Secondary', { secondaryOf: GLOBAL_ID, instances });
      return (s[name] = stack);
    };
    writerStack('Primary', {}, true);
    secondaryStack('Dr', 2);
    writerStack('WriterOneInstance', { instances: 1 });
    secondaryStack('DrNoInstance', 0);
    secondaryStack('DrOneInstance', 1);
    writerStack('NoDeletionProtection', { deletionProtection: false });
    writerStack('Unencrypted', { storageEncrypted: false });
    writerStack('ShortRetention', { backupRetention: 3 });
    writerStack('LonelyGlobal', {}, true);
    secondaryStack('SameRegionSecondary', 2, 'us-east-1');
    // WHEN the app is synthesized once
    assembly = app.synth();
  });

  test('a primary with 2 instances and a 2-instance DR secondary pass every rule', () => {
    const result = evaluate(assembly, s.Primary, s.Dr);
    expect(result.findings).toEqual([]);
    const gdb = result.results.find((r) => r.ruleId === 'RES-GDB1');
    expect(gdb?.status).toBe('pass');
    expect(gdb?.message).toMatch(/Dr\/Secondary\w* \(us-west-2\)/);
  });

  test('RES-DB1 fires for a writer cluster with a single instance', () => {
    const result = evaluate(assembly, s.WriterOneInstance);
    expect(failingRules(result)).toEqual(['RES-DB1']);
    expect(result.findings[0].message).toBe('writer cluster has 1 instance(s), at least 2 required');
  });

  test('RES-DB1 fires for a global secondary without instances', () => {
    const result = evaluate(assembly, s.Primary, s.DrNoInstance);
    expect(failingRules(result)).toEqual(['RES-DB1']);
    expect(result.findings[0].message).toBe('global secondary has 0 instance(s), at least 1 required');
  });

  test('RES-DB2 warns (not errors) for a global secondary with one instance', () => {
    const result = evaluate(assembly, s.Primary, s.DrOneInstance);
    expect(failingRules(result)).toEqual(['RES-DB2']);
    expect(result.findings[0].level).toBe('warning');
  });

  test('RES-DB3 fires without deletion protection', () => {
    expect(failingRules(evaluate(assembly, s.NoDeletionProtection))).toEqual(['RES-DB3']);
  });

  test('RES-DB4 fires for unencrypted storage', () => {
    expect(failingRules(evaluate(assembly, s.Unencrypted))).toEqual(['RES-DB4']);
  });

  test('RES-DB5 fires for a 3-day backup retention', () => {
    const result = evaluate(assembly, s.ShortRetention);
    expect(failingRules(result)).toEqual(['RES-DB5']);
    expect(result.findings[0].message).toBe('BackupRetentionPeriod 3 < 7 days');
  });

  test('RES-GDB1 fires for a global cluster with no secondary in the app', () => {
    const result = evaluate(assembly, s.LonelyGlobal);
    expect(failingRules(result)).toEqual(['RES-GDB1']);
    expect(result.findings[0].resourceType).toBe('AWS::RDS::GlobalCluster');
  });

  test('RES-GDB1 fires when the only other member is in the same region', () => {
    expect(failingRules(evaluate(assembly, s.LonelyGlobal, s.SameRegionSecondary))).toEqual(['RES-GDB1']);
  });
});
