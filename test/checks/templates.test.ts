import * as fs from 'fs';
import * as path from 'path';
import type { CfnResourceJson, CfnTemplate } from '../../lib/checks';
import { evaluateTemplates, RESILIENCE_RULES, RULE_INFO, StackModel } from '../../lib/checks';

/** A subnet whose AZ is `Fn::Select [index, Fn::GetAZs '']`, as env-agnostic CDK stacks write it. */
function subnet(index: number): CfnResourceJson {
  return {
    Type: 'AWS::EC2::Subnet',
    Properties: { VpcId: { Ref: 'Vpc' }, AvailabilityZone: { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] } },
  };
}

describe('evaluateTemplates over hand-written templates', () => {
  test('Fn::Select over Fn::GetAZs counts each index as its own AZ', () => {
    // GIVEN an isolated-only VPC with two subnets in AZ index 0 and one in index 1
    const template: CfnTemplate = {
      Resources: { Vpc: { Type: 'AWS::EC2::VPC' }, A: subnet(0), B: subnet(0), C: subnet(1) },
    };
    // WHEN evaluated with only the isolated tier required
    const result = evaluateTemplates([{ stackName: 'Agnostic', template }], {
      requiredSubnetTiers: ['isolated'],
      rules: RESILIENCE_RULES.filter((r) => r.id === 'RES-NET1'),
    });
    // THEN the VPC spans two AZs and passes; with minAzs 3 it fails
    expect(result.results[0]).toMatchObject({ status: 'pass', message: expect.stringMatching(/^2 AZs/) });
    const strict = evaluateTemplates([{ stackName: 'Agnostic', template }], {
      minAzs: 3,
      requiredSubnetTiers: ['isolated'],
      rules: RESILIENCE_RULES.filter((r) => r.id === 'RES-NET1'),
    });
    expect(strict.findings[0].message).toMatch(
      /span 2 AZ\(s\) \(az-index-0, az-index-1\), at least 3 required/,
    );
  });

  test('Ref, Fn::Join, Fn::Sub, parameters and pseudo parameters resolve', () => {
    const stack = new StackModel({
      stackName: 'S',
      region: 'eu-west-1',
      template: {
        Parameters: { Env: { Default: 'prod' } },
        Resources: {
          Global: { Type: 'AWS::RDS::GlobalCluster', Properties: { GlobalClusterIdentifier: 'g-1' } },
        },
      },
    });
    expect(stack.str({ Ref: 'Global' })).toBe('g-1');
    expect(stack.str({ 'Fn::Join': ['.', [{ Ref: 'Env' }, { Ref: 'AWS::Region' }]] })).toBe('prod.eu-west-1');
    expect(stack.str({ 'Fn::Sub': 'app-${Env}-${AWS::Region}' })).toBe('app-prod-eu-west-1');
    expect(stack.str({ 'Fn::Select': [1, ['a', 'b']] })).toBe('b');
    expect(stack.str({ 'Fn::ImportValue': 'x' })).toBeUndefined();
    expect(stack.bool('true')).toBe(true);
    expect(stack.num('6')).toBe(6);
  });

  test('dependencies follow Ref, GetAtt, Sub (not its own variables), DependsOn, transitively; references in Metadata do not count', () => {
    const stack = new StackModel({
      stackName: 'S',
      template: {
        Resources: {
          A: {
            Type: 'T',
            Properties: { X: { 'Fn::Sub': ['${B.Arn}-${Local}-${!C}', { Local: { Ref: 'D' } }] } },
          },
          B: { Type: 'T', DependsOn: 'E' },
          C: { Type: 'T' },
          D: { Type: 'T', Properties: { Y: { 'Fn::Join': ['', [{ 'Fn::GetAtt': 'F.Id' }]] } } },
          E: { Type: 'T' },
          F: { Type: 'T' },
          G: { Type: 'T', Metadata: { Z: { Ref: 'A' } } },
        },
      },
    });
    expect([...stack.dependencyClosure('A')].sort()).toEqual(['B', 'D', 'E', 'F']);
    expect([...stack.dependencyClosure('G')]).toEqual([]);
    expect(stack.text({ 'Fn::Join': ['/', ['a', { 'Fn::GetAtt': ['F', 'Id'] }]] }, '*')).toBe('a/*');
  });

  test('a global cluster referenced by Ref in its stack finds its literal-id secondary in another region', () => {
    const primary: CfnTemplate = {
      Resources: {
        Global: {
          Type: 'AWS::RDS::GlobalCluster',
          Properties: { GlobalClusterIdentifier: 'g-1', Engine: 'aurora-postgresql' },
        },
        Writer: {
          Type: 'AWS::RDS::DBCluster',
          Properties: {
            Engine: 'aurora-postgresql',
            GlobalClusterIdentifier: { Ref: 'Global' },
            MasterUsername: 'a',
          },
        },
      },
    };
    const secondary: CfnTemplate = {
      Resources: {
        Secondary: {
          Type: 'AWS::RDS::DBCluster',
          Properties: { Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'G-1' },
        },
      },
    };
    const rules = RESILIENCE_RULES.filter((r) => r.id === 'RES-GDB1');
    const both = evaluateTemplates(
      [
        { stackName: 'P', region: 'us-east-1', template: primary },
        { stackName: 'D', region: 'us-west-2', template: secondary },
      ],
      { rules },
    );
    expect(both.results).toMatchObject([{ status: 'pass', message: 'secondary D/Secondary (us-west-2)' }]);
    // the primary's own member cluster does not count as a secondary
    expect(
      evaluateTemplates([{ stackName: 'P', region: 'us-east-1', template: primary }], { rules }).findings,
    ).toHaveLength(1);
  });

  test('cdk_nag.rules_to_suppress template metadata acknowledges, but only with a reason', () => {
    const group = (reason: string): CfnResourceJson => ({
      Type: 'AWS::ElastiCache::ReplicationGroup',
      Properties: { TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true, ReplicasPerNodeGroup: 1 },
      Metadata: { cdk_nag: { rules_to_suppress: [{ id: 'RES-CACHE1', reason }] } },
    });
    const result = evaluateTemplates([
      {
        stackName: 'S',
        template: { Resources: { WithReason: group('Single-AZ test cache.'), NoReason: group('') } },
      },
    ]);
    expect(result.acknowledged.map((r) => [r.ruleId, r.logicalId])).toEqual([['RES-CACHE1', 'WithReason']]);
    expect(result.findings.map((r) => [r.ruleId, r.logicalId])).toEqual([['RES-CACHE1', 'NoReason']]);
    expect(result.findings[0].message).toMatch(/refused: no reason given/);
  });
});

describe('the rule list', () => {
  test('every rule has a unique RES id, one-line description, an invariant and a level', () => {
    const ids = RULE_INFO.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULE_INFO) {
      expect(rule.id).toMatch(/^RES-[A-Z]+\d+$/);
      expect(rule.description).not.toMatch(/\n/);
      expect(rule.invariant).toMatch(/^INV-(NET|ALB|ASG|DB|CACHE|DNS|BACKUP|BOOT)$/);
      expect(['error', 'warning']).toContain(rule.level);
    }
  });

  test('every rule has a negative test in test/checks that makes it fire', () => {
    const sources = fs
      .readdirSync(__dirname)
      .filter((f) => f.endsWith('-rules.test.ts'))
      .map((f) => fs.readFileSync(path.join(__dirname, f), 'utf-8'))
      .join('\n');
    // a negative test names the rule as the expected failing id: toEqual(['RES-X']) or a test.each row
    const untested = RULE_INFO.filter(
      (r) => !new RegExp(`\\[['"]${r.id}['"]\\]|, ['"]${r.id}['"],`).test(sources),
    ).map((r) => r.id);
    expect(untested).toEqual([]);
  });

  test('docs/resilience-pack.md lists every rule with its level, invariant and description', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'resilience-pack.md'), 'utf-8');
    const missing = RULE_INFO.filter(
      (r) => !doc.includes(`| \`${r.id}\` | ${r.level} | ${r.invariant} | ${r.description} |`),
    ).map((r) => r.id);
    expect(missing).toEqual([]);
  });
});
