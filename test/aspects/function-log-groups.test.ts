import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CustomResourceProvider, CustomResourceProviderRuntime, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sam from 'aws-cdk-lib/aws-sam';
import { applySecureDefaults } from '../../lib/aspects';

describe('FunctionLogGroups (every function logs to an explicit, encrypted, retained log group)', () => {
  let template: Template;
  const resources = () =>
    template.toJSON().Resources as Record<string, { Type: string; Properties?: any; DependsOn?: string[] }>;
  const ofType = (type: string) => Object.entries(resources()).filter(([, r]) => r.Type === type);
  const logsKeyId = () => ofType('AWS::KMS::Key').find(([id]) => id.startsWith('LogsKey'))![0];

  beforeAll(() => {
    // GIVEN a function with its own log group, one without, aws-cdk-lib's own provider handler
    // (a bare CfnResource) and a rotation application with a fixed function name
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Functions', { env: { account: '111111111111', region: 'eu-west-1' } });
    const code = lambda.Code.fromInline('exports.handler = async () => {};');
    const own = new logs.LogGroup(stack, 'OwnLogs', { retention: logs.RetentionDays.TWO_YEARS });
    new lambda.Function(stack, 'WithLogGroup', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code,
      logGroup: own,
    });
    new lambda.Function(stack, 'Implicit', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code,
    });
    const handlerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-'));
    fs.writeFileSync(path.join(handlerDir, 'index.js'), 'exports.handler = async () => ({});');
    CustomResourceProvider.getOrCreateProvider(stack, 'Custom::Probe', {
      codeDirectory: handlerDir,
      runtime: CustomResourceProviderRuntime.NODEJS_22_X,
    });
    new sam.CfnApplication(stack, 'Rotation', {
      location: {
        applicationId: 'arn:aws:serverlessrepo:us-east-1:297356227824:applications/X',
        semanticVersion: '1.0.0',
      },
      parameters: { functionName: 'rotation-fn', endpoint: 'https://secretsmanager.eu-west-1.amazonaws.com' },
    });
    // WHEN the secure defaults are applied and the app is synthesized
    applySecureDefaults(app);
    template = Template.fromJSON(app.synth().getStackByName('Functions').template);
  });

  test('THEN every function names a log group of this stack, on the logs key, kept a year or more', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
    for (const [id, fn] of functions) {
      const ref = fn.Properties.LoggingConfig?.LogGroup?.Ref as string | undefined;
      const group = ref ? resources()[ref] : undefined;
      expect({ id, type: group?.Type }).toEqual({ id, type: 'AWS::Logs::LogGroup' });
      expect(group!.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKeyId(), 'Arn'] });
      expect(group!.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
    }
  });

  test('THEN a function that already names its log group keeps it, and gets no second one', () => {
    const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('WithLogGroup'))!;
    expect(fn.Properties.LoggingConfig.LogGroup.Ref).toMatch(/^OwnLogs/);
    expect(
      ofType('AWS::Logs::LogGroup')
        .map(([id]) => id)
        .filter((id) => id.startsWith('WithLogGroup')),
    ).toEqual([]);
    expect(resources()[fn.Properties.LoggingConfig.LogGroup.Ref].Properties.RetentionInDays).toBe(731);
  });

  test("THEN a rotation application's function finds /aws/lambda/<functionName> created before it", () => {
    const [groupId, group] = ofType('AWS::Logs::LogGroup').find(
      ([, g]) => g.Properties.LogGroupName === '/aws/lambda/rotation-fn',
    )!;
    expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKeyId(), 'Arn'] });
    expect(group.Properties.RetentionInDays).toBe(365);
    const [, application] = ofType('AWS::Serverless::Application')[0];
    expect(application.DependsOn).toContain(groupId);
  });
});
