import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { evaluateTemplates } from '../../lib/checks';
import { stackName } from '../../lib/config';
import { defaultApp, resourcesOfType, synthApp, type SynthesizedApp } from '../helpers/app';

type Props = Record<string, any>;
const ENABLED = { failover: { regionSwitchPlan: { enabled: true, triggerOnAlarm: true } } };

let synth: SynthesizedApp;
let template: { Resources: Record<string, { Type: string; Properties?: any }> };
let failingPacks: Props[];

beforeAll(() => {
  // GIVEN the whole app synthesized with the plan enabled (trigger on), with cdk-nag AwsSolutions and the
  // resilience pack registered as `npm run synth` registers them
  synth = synthApp({ overrides: ENABLED, validations: true });
  template = synth.json[stackName(synth.config, 'region-switch')];
  const reportFile = path.join(synth.app.outdir, 'validation-report.json');
  const validation = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : {};
  failingPacks = (validation.pluginReports ?? []).filter(
    (r: Props) => (r.summary?.status ?? r.conclusion) !== 'success',
  );
}, 240_000);

afterAll(() => fs.rmSync(synth.app.outdir, { recursive: true, force: true }));

describe('the region-switch stack (failover.regionSwitchPlan.enabled)', () => {
  test('THEN the policy packs (cdk-nag AwsSolutions, resilience) pass over every stack, the plan stack included', () => {
    expect(template).toBeDefined();
    expect(failingPacks).toEqual([]);
  });

  test('THEN it is in the DR region and deploys after both regional stacks', () => {
    const stack = synth.regionSwitch!;
    expect(stack.region).toBe(synth.config.dr.region);
    expect(stack.dependencies.map((d) => d.stackName).sort()).toEqual(
      [stackName(synth.config, 'primary'), stackName(synth.config, 'secondary')].sort(),
    );
  });

  test("THEN the EC2AutoScaling blocks name each region's group by the ARN its own stack outputs", () => {
    const [[, plan]] = resourcesOfType(template, 'AWS::ARCRegionSwitch::Plan');
    for (const wf of plan.Workflows) {
      const scale = wf.Steps.find((s: Props) => s.ExecutionBlockType === 'EC2AutoScaling');
      const sources = scale.ExecutionBlockConfiguration.Ec2AsgCapacityIncreaseConfig.Asgs.map(
        (a: Props) => a.Arn['Fn::GetStackOutput'],
      );
      expect(sources.map((s: Props) => [s.StackName, s.Region])).toEqual([
        [stackName(synth.config, 'primary'), synth.config.primary.region],
        [stackName(synth.config, 'secondary'), synth.config.dr.region],
      ]);
      // The output each names is the group's AutoScalingGroupARN in that stack.
      for (const s of sources) {
        const output = synth.json[s.StackName] as Props;
        expect(output.Outputs[s.OutputName].Value['Fn::GetAtt'][1]).toBe('AutoScalingGroupARN');
      }
    }
  });

  test('THEN the alarm trigger starts only the DR activation, on the DR probe of the primary', () => {
    const [[, plan]] = resourcesOfType(template, 'AWS::ARCRegionSwitch::Plan');
    expect(plan.Triggers).toHaveLength(1);
    expect(plan.Triggers[0]).toEqual(
      expect.objectContaining({ Action: 'activate', TargetRegion: synth.config.dr.region }),
    );
    const alarm = plan.AssociatedAlarms[plan.Triggers[0].Conditions[0].AssociatedAlarmName];
    const source = alarm.ResourceIdentifier['Fn::GetStackOutput'];
    expect(source.StackName).toBe(stackName(synth.config, 'secondary'));
    const value = (synth.json[source.StackName] as Props).Outputs[source.OutputName].Value['Fn::GetAtt'][0];
    const canaryAlarm = synth.secondary.peerCanary!.alarm.node.defaultChild as CfnResource;
    expect(value).toBe(synth.secondary.resolve(canaryAlarm.logicalId));
  });

  test('THEN plan events go to the DR alarm topic', () => {
    const [[, rule]] = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rule.EventPattern.source).toEqual(['aws.arc-region-switch']);
    const topic = rule.Targets[0].Arn['Fn::GetStackOutput'];
    expect(topic.StackName).toBe(stackName(synth.config, 'secondary'));
  });

  test('THEN enabling it changes no resource of the regional stacks (it only adds the outputs the plan reads)', () => {
    const plain = defaultApp();
    for (const role of ['primary', 'secondary'] as const) {
      const name = stackName(synth.config, role);
      // Every resource with every property, as the default config makes it.
      expect(synth.json[name].Resources).toEqual(plain.json[name].Resources);
      const added = Object.keys((synth.json[name] as Props).Outputs ?? {}).filter(
        (o) => !(o in ((plain.json[name] as Props).Outputs ?? {})),
      );
      expect(added.length).toBeGreaterThan(0);
      expect(added.every((o) => o.startsWith('PublishOutput'))).toBe(true);
    }
  });

  test('THEN the resilience pack over all four stacks has no finding', () => {
    const stacks = [synth.primary, synth.secondary, synth.globalMonitoring, synth.regionSwitch!];
    const result = evaluateTemplates(
      stacks.map((s) => ({ stackName: s.stackName, region: s.region, template: synth.json[s.stackName] })),
    );
    expect(result.findings.map((f) => `${f.ruleId} ${f.stackName}/${f.logicalId}: ${f.message}`)).toEqual([]);
  });
});
