import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { evaluateTemplates } from '../../lib/checks';
import {
  auroraCluster,
  evaluate,
  failingRules,
  OfflineStack,
  snapshotSchedule,
  stackInput,
  testApp,
} from './fixtures';

describe('INV-BACKUP rule (RES-BACKUP1)', () => {
  let assembly: CloudAssembly;
  const s: Record<string, OfflineStack> = {};

  beforeAll(() => {
    // GIVEN writer clusters with: one daily snapshot-and-copy function, the same on EventBridge Scheduler,
    // a scheduled snapshot function plus an event-driven copy function, and variants that break the rule
    const app = testApp();
    const writer = (name: string): OfflineStack => {
      s[name] = new OfflineStack(app, name, 'us-east-1');
      auroraCluster(s[name], 'Writer');
      return s[name];
    };
    snapshotSchedule(writer('Good'), 'us-west-2');

    const viaScheduler = writer('ViaScheduler');
    const fn = snapshotSchedule(viaScheduler, 'us-west-2');
    viaScheduler.node.tryRemoveChild('SnapshotSchedule');
    const role = new iam.Role(viaScheduler, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    });
    new scheduler.CfnSchedule(viaScheduler, 'Daily', {
      scheduleExpression: 'rate(1 day)',
      flexibleTimeWindow: { mode: 'OFF' },
      target: { arn: fn.functionArn, roleArn: role.roleArn },
    });

    const split = writer('Split');
    snapshotSchedule(split, 'unused', {
      id: 'Create',
      envVar: 'APP_NAME',
      actions: ['rds:CreateDBClusterSnapshot'],
    });
    snapshotSchedule(split, 'us-west-2', {
      id: 'Copy',
      actions: ['rds:Copy*'],
      onEvent: { source: ['aws.rds'], detailType: ['RDS DB Cluster Snapshot Event'] },
    });

    writer('NoSchedule');
    snapshotSchedule(writer('SameRegion'), 'us-east-1');
    snapshotSchedule(writer('CustomVariable'), 'us-west-2', { envVar: 'COPY_TO' });
    // names another region but may not copy (e.g. a freshness checker with PEER_REGION)
    snapshotSchedule(writer('NotAllowedToCopy'), 'us-west-2', {
      envVar: 'PEER_REGION',
      actions: ['rds:CreateDBClusterSnapshot', 'rds:DescribeDBClusterSnapshots'],
    });
    // WHEN the app is synthesized once
    assembly = app.synth();
  });

  test.each([
    [
      'Good',
      /^SnapshotSchedule\w+ runs SnapshotFn\w+; SnapshotSchedule\w+ runs SnapshotFn\w+, copying to us-west-2$/,
    ],
    ['ViaScheduler', /^Daily runs SnapshotFn\w+; Daily runs SnapshotFn\w+, copying to us-west-2$/],
    ['Split', /^CreateSchedule\w+ runs CreateFn\w+; CopySchedule\w+ runs CopyFn\w+, copying to us-west-2$/],
  ])('%s: a scheduled snapshot with a copy to another region passes', (name, expected) => {
    const result = evaluate(assembly, s[name]);
    expect(result.findings).toEqual([]);
    expect(result.results.find((r) => r.ruleId === 'RES-BACKUP1')?.message).toMatch(expected);
  });

  test('RES-BACKUP1 fires for a writer cluster without a snapshot schedule', () => {
    const result = evaluate(assembly, s.NoSchedule);
    expect(failingRules(result)).toEqual(['RES-BACKUP1']);
    expect(result.findings[0].message).toMatch(/^no scheduled Lambda allowed rds:CreateDBClusterSnapshot; /);
  });

  test('RES-BACKUP1 fires when the copy targets the stack’s own region', () => {
    const result = evaluate(assembly, s.SameRegion);
    expect(failingRules(result)).toEqual(['RES-BACKUP1']);
    expect(result.findings[0].message).toMatch(/-> us-east-1\)$/);
  });

  test('RES-BACKUP1 fires when the function naming another region may not copy snapshots', () => {
    const result = evaluate(assembly, s.NotAllowedToCopy);
    expect(failingRules(result)).toEqual(['RES-BACKUP1']);
    expect(result.findings[0].message).toMatch(
      /^no EventBridge-invoked Lambda allowed rds:CopyDBClusterSnapshot/,
    );
  });

  test('the destination variable names are configurable', () => {
    const input = [stackInput(assembly, s.CustomVariable)];
    expect(failingRules(evaluateTemplates(input))).toEqual(['RES-BACKUP1']);
    expect(evaluateTemplates(input, { snapshotRegionEnvVars: ['COPY_TO'] }).findings).toEqual([]);
  });
});
