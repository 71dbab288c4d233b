import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, type HaApp } from '../../lib/app-builder';
import { keysStackName, loadConfig, secretsKeyAlias, stackName, type AppConfig } from '../../lib/config';
import { deployPlan } from '../../scripts/deploy-plan';
import { readWorkflow } from '../workflows/commands';
import { PROJECT_ROOT, testOutdir } from '../helpers/app';
import { testContext } from '../helpers/context';

type Resources = Record<string, { Type: string; Properties?: any; DeletionPolicy?: string }>;
interface Tpl {
  Resources: Resources;
  Outputs?: Record<string, { Value: unknown }>;
}

/** The app synthesized from a config, with each stack's template, region and account. */
function synthesize(config: AppConfig) {
  const outdir = testOutdir('cdk-keys-');
  // No policy packs and no built-in CloudFormation validator (~2.5 s): this file asserts on the
  // templates; test/app/offline-synth.int.test.ts validates the keys stack as the CLI synthesizes it.
  const built = buildApp({
    config,
    validations: false,
    appProps: { outdir, context: testContext(), builtinCloudFormationValidation: false },
  });
  const assembly = built.app.synth();
  const stacks = built.app.node.children.filter(Stack.isStack);
  const byName = new Map(
    stacks.map((s) => [
      s.stackName,
      { stack: s, template: assembly.getStackByName(s.stackName).template as Tpl },
    ]),
  );
  return { built, assembly, byName };
}
type Synth = ReturnType<typeof synthesize>;

/** The keys stack of `region`, found by the one naming rule. */
function keysOf(s: Synth, config: AppConfig, region: string) {
  const entry = s.byName.get(keysStackName(config, region));
  if (!entry) throw new Error(`no keys stack for ${region}`);
  expect(entry.stack.region).toBe(region);
  const keys = Object.entries(entry.template.Resources).filter(([, r]) => r.Type === 'AWS::KMS::Key');
  expect(keys).toHaveLength(1);
  return { ...entry, keyId: keys[0][0], key: keys[0][1] };
}

/**
 * The logical id of the key a replica's KmsKeyId names: an alias ARN in the replica's region and
 * the primary's account, whose alias the keys stack of that region creates, pointing at its key.
 */
function keyOfAliasArn(s: Synth, config: AppConfig, kmsKeyId: unknown, region: string, account: string) {
  expect(typeof kmsKeyId).toBe('string');
  const m = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/.exec(kmsKeyId as string);
  expect(m).not.toBeNull();
  const [, arnRegion, arnAccount, aliasName] = m!;
  expect({ arnRegion, arnAccount }).toEqual({ arnRegion: region, arnAccount: account });
  const keys = keysOf(s, config, region);
  expect(keys.stack.account).toBe(account);
  const aliases = Object.values(keys.template.Resources).filter(
    (r) => r.Type === 'AWS::KMS::Alias' && r.Properties.AliasName === aliasName,
  );
  expect(aliases).toHaveLength(1);
  return { keys, target: aliases[0].Properties.TargetKeyId };
}

/** A reference from another stack of the region to the keys stack's key ARN (Fn::GetStackOutput or an export). */
function resolvesToKeysKey(s: Synth, config: AppConfig, region: string, ref: any): boolean {
  const keys = keysOf(s, config, region);
  const wanted = { 'Fn::GetAtt': [keys.keyId, 'Arn'] };
  const out = ref?.['Fn::GetStackOutput'];
  if (out) {
    return (
      out.StackName === keys.stack.stackName &&
      out.Region === region &&
      JSON.stringify(keys.template.Outputs?.[out.OutputName]?.Value) === JSON.stringify(wanted)
    );
  }
  const imported = ref?.['Fn::ImportValue'];
  if (typeof imported === 'string') {
    return Object.values(keys.template.Outputs ?? {}).some(
      (o: any) => o.Export?.Name === imported && JSON.stringify(o.Value) === JSON.stringify(wanted),
    );
  }
  return false;
}

const secretsWithReplicas = (s: Synth) =>
  [...s.byName.values()].flatMap(({ stack, template }) =>
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret' && r.Properties?.ReplicaRegions)
      .map(([id, r]) => ({ stack, id, replicas: r.Properties.ReplicaRegions as any[] })),
  );

/** Statements of the IAM policies of a template, with the roles each policy is attached to. */
function policyStatements(t: Tpl): { roles: string[]; statement: any }[] {
  return Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .flatMap((r) =>
      (r.Properties.PolicyDocument.Statement as any[]).map((statement) => ({
        roles: (r.Properties.Roles ?? []).map((x: any) => x.Ref as string),
        statement,
      })),
    );
}
const actionsOf = (st: any): string[] => [st.Action].flat();

const defaultConfig = loadConfig().config;
const forkConfig = loadConfig({ configFile: path.join(PROJECT_ROOT, 'config', 'example.json') }).config;

describe.each([
  ['the default config', defaultConfig],
  ['a fork in other regions (config/example.json)', forkConfig],
])('GIVEN %s', (_label, config) => {
  let s: Synth;
  beforeAll(() => {
    s = synthesize(config);
  }, 120_000);

  test('THEN there is one keys stack, in the DR region, and the primary depends on it', () => {
    const built: HaApp = s.built;
    expect(built.keys.map((k) => [k.stackName, k.region])).toEqual([
      [keysStackName(config, config.dr.region), config.dr.region],
    ]);
    const primary = s.assembly.getStackByName(stackName(config, 'primary'));
    expect(primary.dependencies.map((d) => d.id)).toContain(built.keys[0].artifactId);
    const secondary = s.assembly.getStackByName(stackName(config, 'secondary'));
    expect(secondary.dependencies.map((d) => d.id)).toContain(built.keys[0].artifactId);
  });

  test('THEN every replica entry of every replicated secret names the key of its region’s keys stack', () => {
    const replicated = secretsWithReplicas(s);
    // the master and the app-user secret of the primary
    expect(replicated.map((r) => r.stack.stackName)).toEqual([
      stackName(config, 'primary'),
      stackName(config, 'primary'),
    ]);
    for (const { stack, id, replicas } of replicated) {
      expect(replicas.length).toBeGreaterThan(0);
      for (const replica of replicas) {
        expect({ id, region: replica.Region, hasKey: replica.KmsKeyId !== undefined }).toEqual({
          id,
          region: replica.Region,
          hasKey: true,
        });
        const { keys, target } = keyOfAliasArn(s, config, replica.KmsKeyId, replica.Region, stack.account);
        expect(target).toEqual({ 'Fn::GetAtt': [keys.keyId, 'Arn'] });
      }
    }
  });

  test('THEN the keys stack’s key is rotated, retained, aliased by the one naming rule, and Secrets Manager may use it only in its region', () => {
    const region = config.dr.region;
    const keys = keysOf(s, config, region);
    const t = Template.fromJSON(keys.template);
    t.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
    t.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: secretsKeyAlias(config),
      TargetKeyId: { 'Fn::GetAtt': [keys.keyId, 'Arn'] },
    });
    const statements = keys.key.Properties.KeyPolicy.Statement as any[];
    const root = `arn:aws:iam::${config.dr.account}:root`;
    const allows = statements.filter((st) => st.Effect === 'Allow');
    // the account's IAM delegation, and Secrets Manager of this region for the account's principals
    const [admin, ...others] = allows;
    expect(admin).toEqual({ Action: 'kms:*', Effect: 'Allow', Principal: { AWS: root }, Resource: '*' });
    expect(others).toHaveLength(1);
    expect(others[0]).toMatchObject({
      Principal: { AWS: root },
      Condition: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
          'kms:CallerAccount': config.dr.account,
        },
      },
    });
    expect(Object.keys(others[0].Condition)).toEqual(['StringEquals']);
    expect(actionsOf(others[0])).toEqual(
      expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']),
    );
    // and the Control Tower CreateGrant deny
    expect(statements.filter((st) => st.Effect === 'Deny').map((st) => st.Sid)).toEqual([
      'DenyGrantsNotForAwsServices',
    ]);
  });

  test('THEN the DR stack has no secrets key of its own: its secrets are under the keys stack’s key', () => {
    const dr = s.byName.get(stackName(config, 'secondary'))!.template;
    expect(Object.keys(dr.Resources).filter((id) => id.startsWith('SecretsKey'))).toEqual([]);
    const secrets = Object.entries(dr.Resources).filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const [id, r] of secrets) {
      expect({ id, ok: resolvesToKeysKey(s, config, config.dr.region, r.Properties.KmsKeyId) }).toEqual({
        id,
        ok: true,
      });
    }
  });

  test('THEN every DR role that reads a secret (a replica or its own) may decrypt with exactly that key, only through Secrets Manager there', () => {
    const region = config.dr.region;
    const dr = s.byName.get(stackName(config, 'secondary'))!.template;
    const statements = policyStatements(dr);
    const readers = [
      ...new Set(
        statements
          .filter(({ statement }) => actionsOf(statement).includes('secretsmanager:GetSecretValue'))
          .flatMap(({ roles }) => roles),
      ),
    ].sort();
    // the instances (app-user replica, AUTH token) and the AUTH token's rotation function
    expect(readers.map((r) => r.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'CacheAuthRotationRole',
      'FleetInstanceRole',
    ]);
    const keyGrants = statements.filter(({ statement }) =>
      resolvesToKeysKey(s, config, region, statement.Resource),
    );
    for (const role of readers) {
      const grants = keyGrants.filter(({ roles }) => roles.includes(role)).map(({ statement }) => statement);
      expect({ role, grants: grants.length }).toEqual({ role, grants: 1 });
      expect(actionsOf(grants[0])).toContain('kms:Decrypt');
      expect(grants[0].Effect).toBe('Allow');
      expect(grants[0].Condition).toEqual({
        StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
      });
    }
    // the rotation function also stores new versions
    const rotation = keyGrants.find(({ roles }) => roles.some((r) => r.startsWith('CacheAuthRotationRole')));
    expect(actionsOf(rotation!.statement).sort()).toEqual([
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    ]);
    // nobody else gets the key
    expect([...new Set(keyGrants.flatMap(({ roles }) => roles))].sort()).toEqual(readers);
    // the app-user replica is among what the instances read
    const fleetRole = readers.find((r) => r.startsWith('FleetInstanceRole'))!;
    const fleetSecrets = statements
      .filter(
        ({ roles, statement }) =>
          roles.includes(fleetRole) && actionsOf(statement).includes('secretsmanager:GetSecretValue'),
      )
      .flatMap(({ statement }) => [statement.Resource].flat());
    expect(JSON.stringify(fleetSecrets)).toContain(`secret:${config.appName}/db/app-user-??????`);
  });

  test('THEN the deploy plan names the keys stack, and deploy.yml deploys it before the primary', () => {
    const plan = deployPlan(config, 'hnb659fds');
    expect(plan.keys_stack).toBe(keysStackName(config, config.dr.region));
    const deploySteps = readWorkflow('deploy.yml')
      .workflow.jobs.deploy.steps.filter((st) => st.run !== undefined && /\bcdk deploy\b/.test(st.run))
      .map((st) => /steps\.plan\.outputs\.(\w+)/.exec(String(st.env?.STACK))?.[1]);
    expect(deploySteps.indexOf('keys_stack')).toBeGreaterThanOrEqual(0);
    expect(deploySteps.indexOf('keys_stack')).toBeLessThan(deploySteps.indexOf('primary_stack'));
    // and the plan's order is the assembly's: the keys stack has no dependency of the app's own
    const keysArtifact = s.assembly.getStackByName(plan.keys_stack);
    expect(keysArtifact.dependencies.filter((d) => s.assembly.stacks.some((x) => x.id === d.id))).toEqual([]);
  });
});
