import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { applySecureDefaults, RESTRICT_KMS_GRANTS_SID } from '../../lib/aspects';

const ENV = { account: '111111111111', region: 'eu-west-1' };

describe('applySecureDefaults (Control Tower KMS and log-group defaults)', () => {
  let withLogs: Template;
  let withoutLogs: Template;

  beforeAll(() => {
    // GIVEN a stack with an L2 key, a bare CfnKey and log groups in every state, and one without logs
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'WithLogs', { env: ENV });
    new kms.Key(stack, 'L2Key');
    new kms.CfnKey(stack, 'BareKey', {
      keyPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Describe*', Resource: '*' }],
      },
    });
    const ownKey = new kms.Key(stack, 'OwnKey');
    new logs.CfnLogGroup(stack, 'NoRetentionNoKey');
    new logs.LogGroup(stack, 'ShortRetention', { retention: logs.RetentionDays.ONE_MONTH });
    new logs.LogGroup(stack, 'LongRetentionOwnKey', {
      retention: logs.RetentionDays.TWO_YEARS,
      encryptionKey: ownKey,
    });
    new kms.Key(new Stack(app, 'WithoutLogs', { env: ENV }), 'Key');
    // WHEN the defaults are applied and the app is synthesized
    applySecureDefaults(app);
    const assembly = app.synth();
    withLogs = Template.fromJSON(assembly.getStackByName('WithLogs').template);
    withoutLogs = Template.fromJSON(assembly.getStackByName('WithoutLogs').template);
  });

  const denyStatement = {
    Sid: RESTRICT_KMS_GRANTS_SID,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  };

  test('THEN every key policy (L2, bare CfnKey, the logs key, other stacks) denies CreateGrant except for AWS services', () => {
    for (const template of [withLogs, withoutLogs]) {
      const keys = Object.entries(template.findResources('AWS::KMS::Key'));
      expect(keys.length).toBeGreaterThan(0);
      for (const [id, key] of keys) {
        const statements = key.Properties.KeyPolicy.Statement as Record<string, unknown>[];
        expect({ id, deny: statements.filter((s) => s.Sid === RESTRICT_KMS_GRANTS_SID) }).toEqual({
          id,
          deny: [denyStatement],
        });
      }
    }
    // the bare key keeps its own statement
    expect(JSON.stringify(withLogs.findResources('AWS::KMS::Key'))).toContain('kms:Describe*');
  });

  test('THEN a stack with log groups gets one logs key usable by CloudWatch Logs of its region only', () => {
    const logsKeys = Object.entries(withLogs.findResources('AWS::KMS::Key')).filter(([id]) =>
      id.startsWith('LogsKey'),
    );
    expect(logsKeys).toHaveLength(1);
    const statements = logsKeys[0][1].Properties.KeyPolicy.Statement as any[];
    const forLogs = statements.find((s) => s.Principal?.Service === 'logs.eu-west-1.amazonaws.com');
    expect(forLogs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBeDefined();
    expect(logsKeys[0][1].Properties.EnableKeyRotation).toBe(true);
    expect(Object.keys(withoutLogs.findResources('AWS::KMS::Key'))).toHaveLength(1);
  });

  test('THEN every log group is KMS-encrypted and kept at least a year; explicit keys and longer retention stay', () => {
    const groups = withLogs.findResources('AWS::Logs::LogGroup');
    const logsKeyId = Object.keys(withLogs.findResources('AWS::KMS::Key')).find((id) =>
      id.startsWith('LogsKey'),
    );
    const props = (prefix: string) =>
      Object.entries(groups).find(([id]) => id.startsWith(prefix))![1].Properties as Record<string, any>;
    expect(props('NoRetentionNoKey')).toEqual({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [logsKeyId, 'Arn'] },
    });
    expect(props('ShortRetention').RetentionInDays).toBe(365);
    expect(props('ShortRetention').KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKeyId, 'Arn'] });
    expect(props('LongRetentionOwnKey').RetentionInDays).toBe(731);
    expect(props('LongRetentionOwnKey').KmsKeyId['Fn::GetAtt'][0]).toMatch(/^OwnKey/);
  });
});
