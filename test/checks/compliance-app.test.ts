import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import {
  type AcknowledgedComplianceFinding,
  acknowledgementKey,
  COMPLIANCE_PACK_NAMES,
  COMPLIANCE_PACKS,
  type ComplianceFinding,
  evaluateCompliancePack,
} from '../../lib/checks/compliance';
import { expectScopedToItsResource } from '../helpers/acknowledgements';
import { PROJECT_ROOT, resourcesOfType, synthApp, type SynthesizedApp } from '../helpers/app';

describe("cdk-nag's compliance packs over this app (default config)", () => {
  let synth: SynthesizedApp;
  let open: ComplianceFinding[];
  let acknowledged: AcknowledgedComplianceFinding[];
  let doc: string;

  beforeAll(() => {
    // GIVEN the whole app synthesized once with the default config
    synth = synthApp();
    // WHEN NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1 and Serverless run over its tree
    const results = COMPLIANCE_PACKS.map((Pack) => evaluateCompliancePack(Pack, synth.app));
    open = results.flatMap((r) => r.findings);
    acknowledged = results.flatMap((r) => r.acknowledged);
    doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'compliance.md'), 'utf8');
  }, 120_000);

  test('THEN no pack has an unacknowledged finding', () => {
    expect(open.map((f) => `${f.ruleId} ${f.constructPath}${f.error ? ` (${f.error})` : ''}`)).toEqual([]);
  });

  test('THEN every pack really ran and reported something (acknowledged)', () => {
    expect([...new Set(acknowledged.map((a) => a.pack))].sort()).toEqual([...COMPLIANCE_PACK_NAMES].sort());
  });

  test('THEN every acknowledgement is on its resource (or its own L2) with a real reason', () => {
    for (const a of acknowledged) expectScopedToItsResource(a, 80);
  });

  test('THEN no compliance acknowledgement is stale: each matches a finding of at least one pack', () => {
    const used = new Set(acknowledged.map((a) => `${a.source} ${a.rule}`));
    const recorded: string[] = [];
    for (const node of synth.app.node.findAll()) {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
        for (const id of Object.keys(entry.data as object)) {
          const bare = id.replace(/^annotation::/i, '');
          const pack = COMPLIANCE_PACK_NAMES.find((p) => bare.startsWith(`${p}-`));
          if (pack) recorded.push(`${node.node.path} ${bare.slice(pack.length + 1).replace(/\[.*$/, '')}`);
        }
      }
    }
    expect(recorded.length).toBeGreaterThan(0);
    expect([...new Set(recorded)].filter((r) => !used.has(r))).toEqual([]);
  });

  test('THEN docs/compliance.md lists exactly the acknowledged rules and resources', () => {
    const acknowledgedKeys = [...new Set(acknowledged.map(acknowledgementKey))].sort();
    // Table rows: | LambdaDLQ | `Snapshots/copy/Function/Resource` | HIPAA.Security, ... | ha-ref-primary |
    const documented = [...doc.matchAll(/^\| (\w+) \| `([^`]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(documented).toEqual([...new Set(documented)]);
    expect(documented).toEqual(acknowledgedKeys);
  });

  describe('THEN the fixes are in the templates', () => {
    const stacks = () =>
      [synth.primary, synth.secondary].map((s) => ({ name: s.stackName, t: synth.json[s.stackName] }));
    const keyId = (t: SynthesizedApp['json'][string], prefix: string) =>
      resourcesOfType(t, 'AWS::KMS::Key')
        .map(([id]) => id)
        .filter((id) => id.startsWith(prefix));

    test('every log group of a regional stack uses its one logs key and keeps logs a year or more', () => {
      for (const { name, t } of stacks()) {
        const [logsKey, ...others] = keyId(t, 'LogsKey');
        expect({ name, others }).toEqual({ name, others: [] });
        // no other key is usable by CloudWatch Logs (the flow-log and FIS keys are gone)
        const logsPrincipalKeys = resourcesOfType(t, 'AWS::KMS::Key').filter(([, p]) =>
          JSON.stringify(p.KeyPolicy).includes('"logs.'),
        );
        expect(logsPrincipalKeys.map(([id]) => id)).toEqual([logsKey]);
        const groups = resourcesOfType(t, 'AWS::Logs::LogGroup');
        expect(groups.length).toBeGreaterThan(10);
        for (const [id, g] of groups) {
          expect({ id, key: g.KmsKeyId }).toEqual({ id, key: { 'Fn::GetAtt': [logsKey, 'Arn'] } });
          expect(g.RetentionInDays).toBeGreaterThanOrEqual(365);
        }
      }
    });

    test("every function's log group is explicit: functions name one, rotation functions and the canary find theirs", () => {
      for (const { t } of stacks()) {
        const groupIds = new Set(resourcesOfType(t, 'AWS::Logs::LogGroup').map(([id]) => id));
        for (const [id, fn] of resourcesOfType(t, 'AWS::Lambda::Function')) {
          expect({ id, ref: groupIds.has(fn.LoggingConfig?.LogGroup?.Ref) }).toEqual({ id, ref: true });
        }
        const names = resourcesOfType(t, 'AWS::Logs::LogGroup').map(([, g]) => g.LogGroupName);
        for (const [id, app] of resourcesOfType(t, 'AWS::Serverless::Application')) {
          expect({ id, named: names.includes(`/aws/lambda/${app.Parameters.functionName}`) }).toEqual({
            id,
            named: true,
          });
        }
      }
      const dr = synth.json[synth.secondary.stackName];
      const [canaryId] = resourcesOfType(dr, 'AWS::Synthetics::Canary')[0];
      const canaryGroup = resourcesOfType(dr, 'AWS::Logs::LogGroup').find(([, g]) =>
        JSON.stringify(g.LogGroupName ?? '').includes(canaryId),
      );
      expect(canaryGroup?.[1].LogGroupName).toEqual({
        'Fn::Join': [
          '',
          [expect.stringMatching(/^\/aws\/lambda\/cwsyn-[\w-]+-$/), { 'Fn::GetAtt': [canaryId, 'Id'] }],
        ],
      });
      // the canary cannot create a log group of its own
      expect(JSON.stringify(resourcesOfType(dr, 'AWS::IAM::ManagedPolicy'))).not.toContain(
        'logs:CreateLogGroup',
      );
      expect(
        JSON.stringify(resourcesOfType(dr, 'AWS::IAM::Role').filter(([id]) => id.startsWith('PeerCanary'))),
      ).not.toContain('logs:CreateLogGroup');
    });

    test('every secret of the primary is on its secrets key, and only its readers may decrypt with it, only through Secrets Manager', () => {
      const name = synth.primary.stackName;
      const t = synth.json[name];
      const [secretsKey, ...others] = keyId(t, 'SecretsKey');
      expect({ name, others }).toEqual({ name, others: [] });
      const secrets = resourcesOfType(t, 'AWS::SecretsManager::Secret');
      expect(secrets.length).toBe(3);
      for (const [id, s] of secrets) {
        expect({ id, key: s.KmsKeyId }).toEqual({ id, key: { 'Fn::GetAtt': [secretsKey, 'Arn'] } });
      }
      // kms:Decrypt for named roles only, and only through Secrets Manager of this region
      const [[, key]] = resourcesOfType(t, 'AWS::KMS::Key').filter(([id]) => id === secretsKey);
      const decrypt = (key.KeyPolicy.Statement as any[]).filter(
        (st) => st.Action === 'kms:Decrypt' && st.Effect === 'Allow',
      );
      expect(decrypt).toHaveLength(1);
      expect(decrypt[0].Condition).toEqual({
        StringEquals: { 'kms:ViaService': `secretsmanager.${synth.config.primary.region}.amazonaws.com` },
      });
      const readers = [decrypt[0].Principal.AWS]
        .flat()
        .map((p: any) => p['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, ''))
        .sort();
      expect(readers).toEqual([
        'DatabaseAppUserBootstrapFunctionServiceRole',
        'DatabaseClusterProxyIAMRole',
        'FleetInstanceRole',
      ]);
      // rotation functions get the key to re-encrypt what they rotate
      for (const [, app] of resourcesOfType(t, 'AWS::Serverless::Application')) {
        expect(app.Parameters.kmsKeyArn).toEqual({ 'Fn::GetAtt': [secretsKey, 'Arn'] });
      }
      // The DR region's secrets and the primary's replicas there are on the DR keys stack's key,
      // its readers granted in their IAM policies: test/stacks/keys-stack.test.ts.
      expect(keyId(synth.json[synth.secondary.stackName], 'SecretsKey')).toEqual([]);
    });

    test('IAM database authentication is off on both clusters', () => {
      for (const { t } of stacks()) {
        const [[, cluster]] = resourcesOfType(t, 'AWS::RDS::DBCluster');
        expect(cluster.EnableIAMDatabaseAuthentication).toBe(false);
      }
    });

    test('instances may send only HTTPS, and the database and cache ports to their security groups', () => {
      for (const { t } of stacks()) {
        const [sgId, sg] = resourcesOfType(t, 'AWS::EC2::SecurityGroup').find(([id]) =>
          id.startsWith('FleetInstanceSecurityGroup'),
        )!;
        const inline = (sg.SecurityGroupEgress ?? []).map(
          (e: any) => `${e.IpProtocol}:${e.FromPort}-${e.ToPort} ${e.CidrIp ?? '?'}`,
        );
        expect(inline).toEqual(['tcp:443-443 0.0.0.0/0']);
        const separate = resourcesOfType(t, 'AWS::EC2::SecurityGroupEgress')
          .filter(([, e]) => e.GroupId?.['Fn::GetAtt']?.[0] === sgId)
          .map(
            ([, e]) =>
              `${e.FromPort} ${e.DestinationSecurityGroupId['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')}`,
          )
          .sort();
        expect(separate).toEqual(expect.arrayContaining([expect.stringMatching(/^6379 CacheSecurityGroup/)]));
        expect(
          separate.some((e) => /^(5432|\[object Object\]) Database(Proxy|Cluster)SecurityGroup/.test(e)),
        ).toBe(true);
        expect(separate).toHaveLength(2);
      }
    });
  });
});
