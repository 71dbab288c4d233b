import { referencedIds, templateScope, type CfnTemplate } from '../../lib/checks/guard-scope';

describe('referencedIds', () => {
  test('GIVEN Ref, both Fn::GetAtt forms and Fn::Sub (string and with variables) THEN each name referenced, and no escaped literal', () => {
    const ids = referencedIds({
      A: { Ref: 'Vpc' },
      B: { 'Fn::GetAtt': ['Role', 'Arn'] },
      C: { 'Fn::GetAtt': 'Key.Arn' },
      D: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}/${Topic.TopicName}/${!Literal}' },
      E: { 'Fn::Sub': ['${Var}-${Queue}', { Var: { Ref: 'Table' } }] },
      F: ['plain', { Nested: [{ Ref: 'Deep' }] }],
    });
    // AWS::Partition is a pseudo parameter (kept: harmless, absent from Resources); Var is a Sub variable.
    expect([...ids].sort()).toEqual(
      ['AWS::Partition', 'Bucket', 'Deep', 'Key', 'Queue', 'Role', 'Table', 'Topic', 'Var', 'Vpc'].sort(),
    );
  });
});

describe('templateScope', () => {
  const template: CfnTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Env: { Type: 'String' } },
    Resources: {
      Db: {
        Type: 'AWS::RDS::DBInstance',
        Properties: { MonitoringRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } },
      },
      Role: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: [{ Ref: 'Policy' }] } },
      Policy: { Type: 'AWS::IAM::ManagedPolicy', Properties: {} },
      Waiter: { Type: 'AWS::SQS::Queue', Properties: {} },
      Unrelated: { Type: 'AWS::S3::Bucket', Properties: { Tags: [{ Key: 'db', Value: { Ref: 'Db' } }] } },
      After: { Type: 'AWS::SNS::Topic', DependsOn: 'Db', Properties: {} },
    },
  };

  test('GIVEN a type THEN its resources and, transitively, what their properties reference; other sections kept', () => {
    const scope = templateScope(template, new Set(['AWS::RDS::DBInstance']));
    expect(Object.keys(scope?.Resources ?? {}).sort()).toEqual(['Db', 'Policy', 'Role']);
    expect(scope?.Parameters).toEqual(template.Parameters);
    expect(scope?.AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  test('GIVEN a resource that references the typed one, or depends on it THEN it is left out', () => {
    const scope = templateScope(template, new Set(['AWS::RDS::DBInstance']));
    expect(scope?.Resources).not.toHaveProperty('Unrelated');
    expect(scope?.Resources).not.toHaveProperty('After');
  });

  test('GIVEN no resource of the types THEN undefined (the rule file would skip the template)', () => {
    expect(templateScope(template, new Set(['AWS::EKS::Cluster']))).toBeUndefined();
  });
});
