import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  loadConfig,
  regionContext,
  type AppConfig,
  type RegionContext,
  type RegionRole,
} from '../../lib/config';
import { SecretsKey } from '../../lib/constructs/secrets-key';
import { testContext } from '../helpers/context';

/** Stands in for the DR keys stack's secrets key in the secondary fixture stack. */
export const FIXTURE_DR_SECRETS_KEY_ARN = (region: { account: string; region: string }): string =>
  `arn:aws:kms:${region.region}:${region.account}:key/11111111-2222-3333-4444-555555555555`;

/** A stack that answers its AZs from config, so synth never looks them up. */
export class FixtureStack extends Stack {
  public readonly vpc: ec2.Vpc;
  /** Stands in for the fleet's security group: the only client allowed in. */
  public readonly clientSecurityGroup: ec2.SecurityGroup;
  public readonly ctx: RegionContext;

  constructor(scope: Construct, id: string, config: AppConfig, role: RegionRole, props: StackProps = {}) {
    const ctx = regionContext(config, role);
    super(scope, id, { ...props, env: { account: ctx.region.account, region: ctx.region.region } });
    this.ctx = ctx;
    // As in the app: the DR region's secrets key is its keys stack's (here a fixed key ARN).
    if (role === 'secondary') SecretsKey.useShared(this, FIXTURE_DR_SECRETS_KEY_ARN(ctx.region));
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: [...ctx.region.availabilityZones],
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    Validations.of(this.vpc).acknowledge({
      id: 'AwsSolutions-VPC7',
      reason: 'Test fixture VPC; the real network construct has flow logs.',
    });
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason: 'AZs are explicit config by design (offline synth, deterministic placement).',
    });
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'Clients', {
      vpc: this.vpc,
      description: 'fleet',
    });
  }

  public override get availabilityZones(): string[] {
    return [...this.ctx.region.availabilityZones];
  }
}

export interface DataTierFixture<T> {
  readonly config: AppConfig;
  readonly primary: { readonly stack: FixtureStack; readonly built: T; readonly template: Template };
  readonly secondary: { readonly stack: FixtureStack; readonly built: T; readonly template: Template };
  /** cdk-nag AwsSolutions violations, empty when the synth passed validation. */
  readonly nagFailure?: string;
}

/**
 * Builds a primary and a secondary fixture stack, lets `build` add the construct under test to
 * each, runs cdk-nag AwsSolutions as a validation plugin, and synthesizes once.
 */
export function synthDataTier<T>(
  build: (stack: FixtureStack, config: AppConfig) => T,
  options: { readonly overrides?: unknown; readonly builtInValidation?: boolean } = {},
): DataTierFixture<T> {
  const { config } = loadConfig({ overrides: options.overrides });
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-data-tier-')),
    context: testContext(),
    builtinCloudFormationValidation: options.builtInValidation ?? false,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const primaryStack = new FixtureStack(app, 'DataPrimary', config, 'primary');
  const secondaryStack = new FixtureStack(app, 'DataSecondary', config, 'secondary');
  const primaryBuilt = build(primaryStack, config);
  const secondaryBuilt = build(secondaryStack, config);

  const outdir = app.outdir;
  let synthError: string | undefined;
  try {
    app.synth();
  } catch (e) {
    // Violations fail synth after the templates are written: report them, read the templates.
    synthError = (e as Error).message;
  }
  const nagFailure = describeViolations(outdir) ?? synthError;
  const assembly = new CloudAssembly(outdir);
  const template = (stack: Stack) => Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  return {
    config,
    primary: { stack: primaryStack, built: primaryBuilt, template: template(primaryStack) },
    secondary: { stack: secondaryStack, built: secondaryBuilt, template: template(secondaryStack) },
    nagFailure,
  };
}

/** One line per violation (rule and construct path) from the validation report, if any. */
function describeViolations(outdir: string): string | undefined {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return undefined;
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    pluginReports: {
      violations: {
        ruleName: string;
        severity?: string;
        violatingConstructs?: { constructPath: string }[];
      }[];
    }[];
  };
  const lines = report.pluginReports.flatMap((r) =>
    r.violations
      .filter((v) => v.ruleName.startsWith('AwsSolutions') || v.severity === 'error')
      .flatMap((v) => (v.violatingConstructs ?? []).map((c) => `${v.ruleName} at ${c.constructPath}`)),
  );
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** A resource of a synthesized template, as the data-tier tests read it. */
export type Res = { Type: string; Properties?: any; DependsOn?: string[]; DeletionPolicy?: string };

export const resources = (t: Template): Record<string, Res> => t.toJSON().Resources;
export const ofType = (t: Template, type: string) =>
  Object.entries(resources(t)).filter(([, r]) => r.Type === type);
/** The one resource of `type` (the test fails unless there is exactly one). */
export const only = (t: Template, type: string): [string, Res] => {
  const found = ofType(t, type);
  expect(found).toHaveLength(1);
  return found[0];
};
export const refOf = (v: unknown): string => (v as { Ref: string }).Ref;
export const getAttOf = (v: unknown): string => (v as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
