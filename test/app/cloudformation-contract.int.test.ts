import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import {
  ANALYTICS_REPORTING_ENABLED_CONTEXT,
  ASSET_RESOURCE_METADATA_ENABLED_CONTEXT,
  PATH_METADATA_ENABLE_CONTEXT,
} from 'aws-cdk-lib/cx-api';
import { addValidationPlugins } from '../../lib/checks/plugins';
import { stackName } from '../../lib/config';
import { synthApp, type SynthesizedApp } from '../helpers/app';
import { testContext } from '../helpers/context';

/**
 * Every template the app can synthesize, read against the CloudFormation resource specification by
 * two readers: aws-cdk-lib's built-in validator (whose warnings `cdk synth` does not print) and
 * cfn-lint, AWS's own linter (Python; not a dependency of this repository: skipped where it is not
 * installed). Both optional stacks are on, so all six are read. Last, that the built-in validator
 * fails synth under cdk.json's flags, and that `--no-validation` turns it off.
 */
const hasCfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
const PLAN_ENABLED = { failover: { regionSwitchPlan: { enabled: true, triggerOnAlarm: true } } };
const DEPLOY_ROLE = { repository: 'octo-org/ha-ref', environments: ['production'], qualifier: 'hnb659fds' };
// The metadata `cdk synth` adds (cfn-lint reads aws:cdk:path to know a template is CDK's, and then
// does not flag the literal AZs that stack.availabilityZones puts in it).
const AS_THE_CLI_SYNTHESIZES = {
  [PATH_METADATA_ENABLE_CONTEXT]: true,
  [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true,
  [ANALYTICS_REPORTING_ENABLED_CONTEXT]: true,
};

/** One parseable cfn-lint finding: `file:line:col:endLine:endCol:RULE:message`. */
interface Finding {
  readonly file: string;
  readonly rule: string;
  readonly message: string;
}

let synth: SynthesizedApp;
beforeAll(() => {
  synth = synthApp({
    overrides: PLAN_ENABLED,
    deployRole: DEPLOY_ROLE,
    builtInValidation: true,
    context: AS_THE_CLI_SYNTHESIZES,
  });
}, 180_000);
afterAll(() => fs.rmSync(synth.app.outdir, { recursive: true, force: true }));

test('GIVEN both optional stacks on THEN six templates are read', () => {
  expect(synth.assembly.stacks.length).toBe(6);
});

test("GIVEN aws-cdk-lib's built-in validator THEN it reports no unacknowledged error or warning", () => {
  const report = JSON.parse(fs.readFileSync(path.join(synth.app.outdir, 'validation-report.json'), 'utf8'));
  const violations = (
    report.pluginReports as { pluginName: string; violations: { ruleName: string; description: string }[] }[]
  )
    .filter((r) => r.pluginName === 'CloudFormation Validate')
    .flatMap((r) => r.violations.map((v) => `${v.ruleName}: ${v.description}`));
  expect(violations).toEqual([]);
});

(hasCfnLint ? describe : describe.skip)('cfn-lint over every template', () => {
  let findings: Finding[];
  beforeAll(() => {
    const run = spawnSync(
      'cfn-lint',
      ['--format', 'parseable', '--', ...synth.assembly.stacks.map((s) => s.templateFullPath)],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    expect(run.stderr).toBe('');
    findings = run.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line) => {
        const [file, , , , , rule, ...message] = line.split(':');
        return { file: path.basename(file), rule, message: message.join(':') };
      });
  }, 120_000);

  test('THEN it finds no error, and no warning but W3005 on a DependsOn that aws-cdk-lib itself adds', () => {
    // W3005 "dependency already enforced": DependsOn that aws-cdk-lib's L2s add themselves (a
    // Function in a VPC on its role, the RDS Proxy target group on its cluster, a custom resource
    // provider on its role) where a GetAtt or Ref already orders them. Harmless; removing them
    // would take an escape hatch on each.
    expect(findings.filter((f) => f.rule !== 'W3005')).toEqual([]);
    for (const f of findings) expect(f.message).toMatch(/dependency already enforced by a '(GetAtt|Ref)'/);
  });

  test('THEN the region-switch plan and the deploy role templates have no finding at all', () => {
    for (const role of ['region-switch', 'deploy-role'] as const) {
      const file = `${stackName(synth.config, role)}.template.json`;
      expect(synth.assembly.stacks.map((s) => path.basename(s.templateFullPath))).toContain(file);
      expect(findings.filter((f) => f.file === file)).toEqual([]);
    }
  });
});

describe("aws-cdk-lib's built-in CloudFormation validation under cdk.json's flags", () => {
  const saved = process.env.CDK_VALIDATION;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  });

  /** An app with the project's feature flags and one resource carrying a property CloudFormation does not have. */
  function synthBadTemplate(): () => void {
    const app = new App({
      outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validation-')),
      context: testContext(),
    });
    const stack = new Stack(app, 'Bad');
    new CfnResource(stack, 'Bucket', { type: 'AWS::S3::Bucket', properties: { BogusName: 'x' } });
    addValidationPlugins(app);
    return () => {
      try {
        app.synth();
      } finally {
        fs.rmSync(app.outdir, { recursive: true, force: true });
      }
    };
  }

  test('GIVEN an invalid property WHEN synthesized THEN synth fails naming it', () => {
    delete process.env.CDK_VALIDATION;
    expect(synthBadTemplate()).toThrow(/ERROR BogusName: Additional properties are not allowed/);
  });

  test('GIVEN CDK_VALIDATION=false (cdk synth --no-validation) THEN the same app synthesizes', () => {
    process.env.CDK_VALIDATION = 'false';
    expect(synthBadTemplate()).not.toThrow();
  });
});
