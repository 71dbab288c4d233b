import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG, regionContext, type AppConfig } from '../../lib/config';
import { SnapshotReplication } from '../../lib/constructs/snapshot-replication';
import { snapshotReplicationProps } from '../../lib/stacks/regional-props';
import { testContext } from '../helpers/context';

/*
 * One app, synthesized once: the primary stack and the DR stack each with a SnapshotReplication,
 * as both regional stacks will have. A config with an hourly schedule proves values come from config.
 */
const CONFIG: AppConfig = {
  ...DEFAULT_CONFIG,
  snapshots: { schedule: 'rate(6 hours)', retentionDays: 10, keepNewest: 4, freshnessMarginHours: 2 },
};
/** The same, on a cron schedule every 6 hours: the RPO alarm must follow the cron's interval. */
const CRON_CONFIG: AppConfig = {
  ...CONFIG,
  snapshots: { ...CONFIG.snapshots, schedule: 'cron(0 */6 * * ? *)' },
};
type Props = Record<string, any>;
let primary: { stack: Stack; construct: SnapshotReplication; template: Template };
let dr: { stack: Stack; construct: SnapshotReplication; template: Template };
let cron: Template;
let nagFindings: string[];

function build(app: App, role: 'primary' | 'secondary', config = CONFIG, id = `Snap-${role}`) {
  const ctx = regionContext(config, role);
  const stack = new Stack(app, id, {
    env: { account: ctx.region.account, region: ctx.region.region },
  });
  // Deliberately without enforceSSL: a known finding outside the construct proves the scan works.
  new sns.Topic(stack, 'Alarms');
  // The primary gets the cluster storage key (the narrow path); the DR stack the default.
  const clusterKey =
    role === 'primary' ? new kms.Key(stack, 'StorageKey', { enableKeyRotation: true }) : undefined;
  const construct = new SnapshotReplication(stack, 'Snapshots', {
    ...snapshotReplicationProps(config, role),
    clusterKey,
    lockedVault: { retentionDays: 35 },
  });
  return { stack, construct };
}

const resourcesOf = (t: Template, type: string): Props[] => Object.values(t.findResources(type));
const fnByHandler = (t: Template, envKey: string, value: string): Props =>
  resourcesOf(t, 'AWS::Lambda::Function').find(
    (f) => f.Properties.Environment?.Variables?.[envKey] === value,
  )!;
const policyOfRole = (t: Template, roleLogicalId: string): Props[] =>
  resourcesOf(t, 'AWS::IAM::Policy')
    .filter((p) => p.Properties.Roles.some((r: Props) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);

beforeAll(() => {
  const app = new App({ context: testContext(), builtinCloudFormationValidation: false });
  const p = build(app, 'primary');
  const d = build(app, 'secondary');
  const c = build(app, 'primary', CRON_CONFIG, 'Snap-cron');
  primary = { ...p, template: Template.fromStack(p.stack) };
  dr = { ...d, template: Template.fromStack(d.stack) };
  cron = Template.fromStack(c.stack);
  const nag = new AwsSolutionsChecks(app);
  const report = nag.validateScope(app) as unknown as Props;
  nagFindings = report.violations.flatMap((v: Props) =>
    v.violatingResources.map((r: Props) => `${v.ruleName} ${r.constructPath}`),
  );
});

describe('SnapshotReplication', () => {
  test('THEN cdk-nag AwsSolutions reports zero unacknowledged findings for the construct in both stacks', () => {
    expect(nagFindings.filter((f) => f.includes('/Snapshots/'))).toEqual([]);
    // The scan itself works: the fixture's topic without enforceSSL (not ours) is reported.
    expect(nagFindings).toContain('AwsSolutions-SNS3 Snap-primary/Alarms/Resource');
  });

  test.each(['primary', 'dr'] as const)(
    'THEN the %s stack has a rotating snapshot-copy key under the fixed alias',
    (which) => {
      const t = which === 'primary' ? primary.template : dr.template;
      const keys = resourcesOf(t, 'AWS::KMS::Key').filter((k) =>
        /snapshot copies/.test(k.Properties.Description ?? ''),
      );
      expect(keys).toHaveLength(1);
      expect(keys[0].Properties.EnableKeyRotation).toBe(true);
      t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/ha-ref/snapshot-copies' });
    },
  );

  test("THEN the key policy lets only the OTHER region's copy role use it, via RDS in this region", () => {
    const key = resourcesOf(primary.template, 'AWS::KMS::Key').find((k) =>
      /snapshot copies/.test(k.Properties.Description),
    )!;
    const peer = key.Properties.KeyPolicy.Statement.filter((s: Props) => s.Condition?.ArnEquals);
    expect(peer.map((s: Props) => s.Condition.ArnEquals['aws:PrincipalArn'])).toEqual([
      'arn:aws:iam::111111111111:role/ha-ref-snapshot-copy-us-west-2',
      'arn:aws:iam::111111111111:role/ha-ref-snapshot-copy-us-west-2',
    ]);
    for (const s of peer)
      expect(s.Condition.StringEquals['kms:ViaService']).toBe('rds.us-east-1.amazonaws.com');
  });

  test('THEN create and prune run on the configured schedule, the sweep hourly, the RPO check every 15 minutes', () => {
    const schedules = resourcesOf(primary.template, 'AWS::Events::Rule')
      .map((r) => r.Properties.ScheduleExpression)
      .filter(Boolean)
      .sort();
    expect(schedules).toEqual(['rate(1 hour)', 'rate(15 minutes)', 'rate(6 hours)', 'rate(6 hours)'].sort());
  });

  test('THEN the copy is triggered by the RDS "manual cluster snapshot created" event', () => {
    primary.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Cluster Snapshot Event'],
        detail: { EventID: ['RDS-EVENT-0075'] },
      },
    });
  });

  test('THEN every rule target retries and has the DLQ', () => {
    const targets = resourcesOf(primary.template, 'AWS::Events::Rule').flatMap((r) => r.Properties.Targets);
    expect(targets).toHaveLength(5);
    for (const t of targets) {
      expect(t.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 });
      expect(t.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/DeadLetterQueue/);
    }
  });

  test('THEN all four functions are Node.js 22 on arm64, traced, with async retries into the DLQ', () => {
    const fns = resourcesOf(primary.template, 'AWS::Lambda::Function');
    expect(fns).toHaveLength(4);
    for (const f of fns) {
      expect(f.Properties).toEqual(
        expect.objectContaining({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        }),
      );
    }
    const invokeConfigs = resourcesOf(primary.template, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfigs).toHaveLength(4);
    for (const c of invokeConfigs) {
      expect(c.Properties.MaximumRetryAttempts).toBe(2);
      expect(c.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]).toMatch(
        /DeadLetterQueue/,
      );
    }
  });

  test('THEN the environment carries the derived names and the config values', () => {
    const t = primary.template;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.exact({
          APP_NAME: 'ha-ref',
          CLUSTER_ID: 'ha-ref-us-east-1',
          GLOBAL_CLUSTER_ID: 'ha-ref-global',
        }),
      },
    });
    expect(fnByHandler(t, 'DESTINATION_REGION', 'us-west-2').Properties.Environment.Variables).toEqual({
      APP_NAME: 'ha-ref',
      CLUSTER_ID: 'ha-ref-us-east-1',
      DESTINATION_REGION: 'us-west-2',
      DESTINATION_KMS_KEY: 'alias/ha-ref/snapshot-copies',
      RETENTION_DAYS: '10',
    });
    expect(fnByHandler(t, 'KEEP_NEWEST', '4').Properties.Environment.Variables).toEqual({
      APP_NAME: 'ha-ref',
      CLUSTER_IDS: 'ha-ref-us-east-1,ha-ref-us-west-2',
      RETENTION_DAYS: '10',
      KEEP_NEWEST: '4',
    });
    expect(
      fnByHandler(t, 'PEER_REGION', 'us-west-2').Properties.Environment.Variables.THRESHOLD_SECONDS,
    ).toBe(String(6 * 3600 + 2 * 3600));
  });

  test('THEN the DR stack copies the other way (toward the primary) and snapshots its own cluster', () => {
    expect(
      fnByHandler(dr.template, 'DESTINATION_REGION', 'us-east-1').Properties.Environment.Variables.CLUSTER_ID,
    ).toBe('ha-ref-us-west-2');
    dr.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.exact({
          APP_NAME: 'ha-ref',
          CLUSTER_ID: 'ha-ref-us-west-2',
          GLOBAL_CLUSTER_ID: 'ha-ref-global',
        }),
      },
    });
  });

  test('THEN the RPO alarm fires above interval + margin, and when the metric is missing', () => {
    primary.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'SnapshotReplication',
      MetricName: 'SnapshotAgeSeconds',
      Dimensions: [{ Name: 'AppName', Value: 'ha-ref' }],
      Threshold: 8 * 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(primary.construct.freshnessThresholdSeconds).toBe(8 * 3600);
  });

  test('GIVEN a cron schedule THEN create and prune run on it', () => {
    const schedules = resourcesOf(cron, 'AWS::Events::Rule')
      .map((r) => r.Properties.ScheduleExpression)
      .filter(Boolean)
      .sort();
    expect(schedules).toEqual(
      ['rate(1 hour)', 'rate(15 minutes)', 'cron(0 */6 * * ? *)', 'cron(0 */6 * * ? *)'].sort(),
    );
  });

  test('GIVEN a cron schedule every 6 hours THEN the RPO alarm fires above 6 h + margin', () => {
    cron.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SnapshotAgeSeconds',
      Threshold: 6 * 3600 + 2 * 3600,
    });
    cron.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { THRESHOLD_SECONDS: String(6 * 3600 + 2 * 3600) } },
    });
  });

  test('THEN the failure alarm fires on any DLQ message', () => {
    primary.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(primary.construct.alarms).toHaveLength(2);
  });

  test('THEN the DLQ is encrypted and refuses non-TLS access', () => {
    primary.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    primary.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  describe('IAM least privilege', () => {
    const roleOf = (t: Template, envKey: string, value: string) =>
      fnByHandler(t, envKey, value).Properties.Role['Fn::GetAtt'][0];
    const actionsOf = (statements: Props[]) => statements.flatMap((s) => [s.Action].flat());

    test('THEN no function role has a managed policy (logs only on its own log group)', () => {
      const lambdaRoles = resourcesOf(primary.template, 'AWS::IAM::Role').filter(
        (r) =>
          r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service === 'lambda.amazonaws.com',
      );
      expect(lambdaRoles).toHaveLength(4);
      for (const r of lambdaRoles) expect(r.Properties.ManagedPolicyArns).toBeUndefined();
    });

    test('THEN the create role may snapshot only this cluster, tag only with our keys', () => {
      const s = policyOfRole(
        primary.template,
        roleOf(primary.template, 'GLOBAL_CLUSTER_ID', 'ha-ref-global'),
      );
      const create = s.find((x) => x.Action === 'rds:CreateDBClusterSnapshot')!;
      expect([...create.Resource].sort()).toEqual([
        'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:ha-ref-us-east-1-snap-*',
        'arn:aws:rds:us-east-1:111111111111:cluster:ha-ref-us-east-1',
      ]);
      const tag = s.find((x) => x.Action === 'rds:AddTagsToResource')!;
      expect(tag.Condition['ForAllValues:StringEquals']['aws:TagKeys']).toHaveLength(4);
      expect(actionsOf(s)).not.toContain('rds:DeleteDBClusterSnapshot');
    });

    test('THEN the copy role has a fixed name and uses only the destination key by alias, via RDS', () => {
      const roleId = roleOf(primary.template, 'DESTINATION_REGION', 'us-west-2');
      expect(primary.template.toJSON().Resources[roleId].Properties.RoleName).toBe(
        'ha-ref-snapshot-copy-us-east-1',
      );
      const s = policyOfRole(primary.template, roleId);
      const dest = s.find((x) => [x.Resource].flat().includes('arn:aws:kms:us-west-2:111111111111:key/*'))!;
      expect(dest.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/ha-ref/snapshot-copies' },
        StringEquals: { 'kms:ViaService': 'rds.us-west-2.amazonaws.com' },
      });
      const copy = s.find((x) => x.Action === 'rds:CopyDBClusterSnapshot')!;
      expect(copy.Resource).toEqual([
        'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:ha-ref-us-east-1-snap-*',
        'arn:aws:rds:us-west-2:111111111111:cluster-snapshot:ha-ref-us-east-1-snap-*',
      ]);
      expect(actionsOf(s)).not.toEqual(expect.arrayContaining(['rds:DeleteDBClusterSnapshot']));
      // Source key: exactly the cluster storage key when it is passed in...
      const source = s.find(
        (x) => x.Condition?.StringEquals?.['kms:ViaService'] === 'rds.us-east-1.amazonaws.com',
      )!;
      expect(source.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StorageKey/), 'Arn'] });
    });

    test('THEN without clusterKey the source-key grant is limited to RDS in this region', () => {
      const s = policyOfRole(dr.template, roleOf(dr.template, 'DESTINATION_REGION', 'us-east-1'));
      const source = s.find((x) => [x.Resource].flat().includes('arn:aws:kms:us-west-2:111111111111:key/*'))!;
      expect(source.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'rds.us-west-2.amazonaws.com' } });
    });

    test("THEN the prune role may delete only our clusters' snapshots here, and only with our tag", () => {
      const s = policyOfRole(primary.template, roleOf(primary.template, 'KEEP_NEWEST', '4'));
      const del = s.find((x) => x.Action === 'rds:DeleteDBClusterSnapshot')!;
      expect(del.Resource).toEqual([
        'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:ha-ref-us-east-1-snap-*',
        'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:ha-ref-us-west-2-snap-*',
      ]);
      expect(del.Condition).toEqual({
        StringEquals: { 'rds:cluster-snapshot-tag/snapshot-replication:app': 'ha-ref' },
      });
      expect(actionsOf(s)).not.toContain('rds:CopyDBClusterSnapshot');
    });

    test('THEN the freshness role writes metrics only into its namespace', () => {
      const s = policyOfRole(primary.template, roleOf(primary.template, 'PEER_REGION', 'us-west-2'));
      const put = s.find((x) => x.Action === 'cloudwatch:PutMetricData')!;
      expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'SnapshotReplication' } });
    });
  });

  describe('locked vault option', () => {
    test.each(['primary', 'dr'] as const)(
      'THEN the %s stack has a Vault Lock vault under its deterministic name',
      (which) => {
        const t = which === 'primary' ? primary.template : dr.template;
        const region = which === 'primary' ? 'us-east-1' : 'us-west-2';
        t.hasResourceProperties('AWS::Backup::BackupVault', {
          BackupVaultName: `ha-ref-locked-${region}`,
          LockConfiguration: { MinRetentionDays: 35, ChangeableForDays: 3 },
        });
        t.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Retain' });
      },
    );

    test("THEN only the writer region backs up its cluster and copies into the other region's locked vault", () => {
      dr.template.resourceCountIs('AWS::Backup::BackupPlan', 0);
      const plan = resourcesOf(primary.template, 'AWS::Backup::BackupPlan')[0];
      const rule = plan.Properties.BackupPlan.BackupPlanRule[0];
      expect(rule.Lifecycle).toEqual({ DeleteAfterDays: 35 });
      expect(rule.CopyActions).toEqual([
        {
          DestinationBackupVaultArn:
            'arn:aws:backup:us-west-2:111111111111:backup-vault:ha-ref-locked-us-west-2',
          Lifecycle: { DeleteAfterDays: 35 },
        },
      ]);
      primary.template.hasResourceProperties('AWS::Backup::BackupSelection', {
        BackupSelection: Match.objectLike({
          Resources: ['arn:aws:rds:us-east-1:111111111111:cluster:ha-ref-us-east-1'],
        }),
      });
    });
  });

  describe('validation at construction', () => {
    const attempt =
      (config: AppConfig, role: 'primary' | 'secondary' = 'primary', region = 'us-east-1') =>
      () => {
        const stack = new Stack(new App(), 'Bad', { env: { account: '111111111111', region } });
        new SnapshotReplication(stack, 'S', snapshotReplicationProps(config, role));
      };

    test('GIVEN retention shorter than the schedule interval THEN it fails naming both fields', () => {
      expect(
        attempt({
          ...CONFIG,
          snapshots: { ...CONFIG.snapshots, schedule: 'rate(3 days)', retentionDays: 2 },
        }),
      ).toThrow(
        /snapshots.retentionDays = 2 is shorter than the interval of snapshots.schedule = "rate\(3 days\)".*at least 3 day/,
      );
    });

    test('GIVEN a Vault Lock grace below the AWS minimum THEN it fails naming the field', () => {
      const stack = new Stack(new App(), 'BadVault', {
        env: { account: '111111111111', region: 'us-east-1' },
      });
      expect(
        () =>
          new SnapshotReplication(stack, 'S', {
            ...snapshotReplicationProps(CONFIG, 'primary'),
            lockedVault: { retentionDays: 7, changeableForDays: 1 },
          }),
      ).toThrow(/lockedVault.changeableForDays = 1; allowed: an integer 3-36500/);
    });

    test('GIVEN props for another region than the stack THEN it fails naming both', () => {
      expect(attempt(CONFIG, 'secondary', 'us-east-1')).toThrow(
        /region = "us-west-2" but the stack is in "us-east-1"/,
      );
    });

    test('GIVEN an app name and region that make snapshot ids exceed 63 characters THEN it fails naming appName', () => {
      // Real regions fit (24-char appName + ap-southeast-4 = 58); the guard is for longer region names.
      const long = { ...CONFIG, appName: 'abcdefghijklmnopqrstuvwx' };
      const cfg = { ...long, dr: { ...long.dr, region: 'xx-extraordinarylong-1' } };
      expect(attempt(cfg)).toThrow(
        /exceed RDS's 63 characters; shorten appName = "abcdefghijklmnopqrstuvwx"/,
      );
    });
  });
});
