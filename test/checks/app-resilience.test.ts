import type { EvaluationResult } from '../../lib/checks';
import { evaluateTemplates, RULE_INFO, StackModel } from '../../lib/checks';
import { deployTimeReader } from '../../lib/checks/rules/boot1-deploy-order';
import { runtimeParameterPrefix } from '../../lib/config/derived';
import { defaultApp, type SynthesizedTemplates } from '../helpers/app';
import { only } from '../helpers/invariants';

describe('the resilience pack over this app (default config)', () => {
  let synth: SynthesizedTemplates;
  let result: EvaluationResult;
  let regions: string[];
  let primaryRegion: string;
  let drRegion: string;
  const findings = (): string[] =>
    result.findings.map((f) => `${f.ruleId} ${f.stackName}/${f.logicalId}: ${f.message}`);

  beforeAll(() => {
    // GIVEN the whole app synthesized with the default config (once per run)
    synth = defaultApp();
    primaryRegion = synth.config.primary.region;
    drRegion = synth.config.dr.region;
    regions = [primaryRegion, drRegion].sort();
    // WHEN the pack evaluates every stack together
    result = evaluateTemplates(synth.stacks);
  });

  test('THEN there is no finding (RES-BOOT1, deploy order, included) and no acknowledgement', () => {
    expect(findings()).toEqual([]);
    expect(result.acknowledged).toEqual([]);
  });

  test('THEN RES-BOOT1 sees what each fleet boot reads: the runtime parameters, their value sources and the egress of its subnets', () => {
    for (const stack of synth.stacks.slice(0, 2)) {
      const model = new StackModel({ stackName: stack.stackName, template: stack.template });
      // the fleet's group: the only one in each regional stack
      const [groupId] = only(synth.json[stack.stackName], 'AWS::AutoScaling::AutoScalingGroup');
      const reader = deployTimeReader(model, groupId);
      const reads = (kind: string): string[] =>
        (reader?.reads ?? [])
          .filter((r) => r.kind === kind)
          .map((r) => model.resources[r.logicalId].Type)
          .sort();
      expect(reader?.runs).toBe('waits for instance signals (CreationPolicy)');
      // every parameter the template writes under the runtime path, and nothing else
      expect(
        (reader?.reads ?? [])
          .filter((r) => r.kind === 'SSM parameter')
          .map((r) => model.str(model.prop(r.logicalId, 'Name')))
          .sort(),
      ).toEqual(
        model
          .ofType('AWS::SSM::Parameter')
          .map(([, p]) => model.str(p.Properties?.Name))
          .filter((n) => n?.startsWith(`${runtimeParameterPrefix(synth.config)}/`))
          .sort(),
      );
      // the database endpoint (proxy or cluster), the cache endpoint, the cache's AUTH secret
      expect(reads('value source')).toEqual(
        expect.arrayContaining(['AWS::ElastiCache::ReplicationGroup', 'AWS::SecretsManager::Secret']),
      );
      expect(reads('value source').filter((t) => t.startsWith('AWS::RDS::'))).not.toEqual([]);
      // one association and one NAT route per private subnet (3 AZs)
      expect(reads('egress')).toEqual([
        ...Array(3).fill('AWS::EC2::Route'),
        ...Array(3).fill('AWS::EC2::SubnetRouteTableAssociation'),
      ]);
    }
  });

  test('THEN every rule checked the app: per-region rules in both regions', () => {
    const passedIn = (id: string): string[] =>
      [
        ...new Set(
          result.results.filter((r) => r.ruleId === id && r.status === 'pass').map((r) => r.region ?? '?'),
        ),
      ].sort();
    const checked = Object.fromEntries(RULE_INFO.map((r) => [r.id, passedIn(r.id)]));
    expect(checked).toEqual({
      ...Object.fromEntries(RULE_INFO.map((r) => [r.id, regions])),
      // the global cluster and the snapshot schedule belong to the writer (primary) region
      'RES-GDB1': [primaryRegion],
      'RES-BACKUP1': [primaryRegion],
      // only the DR cluster is a Global Database secondary
      'RES-DB2': [drRegion],
    });
  });
});
