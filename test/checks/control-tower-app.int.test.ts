import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { ControlTowerChecks, type ControlTowerResult } from '../../lib/checks/control-tower';
import { expectScopedToItsResource } from '../helpers/acknowledgements';
import { PROJECT_ROOT, synthApp } from '../helpers/app';

/** `Construct/Path` (below the stack) + control id: how docs/control-tower.md names an acknowledgement. */
const key = (constructPath: string, controlId: string): string =>
  `${controlId} ${constructPath.split('/').slice(1).join('/')}`;

describe('AWS Control Tower proactive controls over this app (default config)', () => {
  let result: ControlTowerResult;
  let doc: string;
  let outdir: string;

  beforeAll(() => {
    // GIVEN the whole app synthesized once with the default config (validation plugins off: this
    // file runs only the Control Tower pack, directly, to see acknowledged findings too)
    const synth = synthApp();
    outdir = synth.app.outdir;
    const assembly = synth.app.synth(); // the cached assembly of synthApp()
    const stacks = [synth.primary, synth.secondary, synth.globalMonitoring];
    // WHEN the Control Tower controls (cfn-guard, offline) run over every template
    result = new ControlTowerChecks().evaluate({
      appConstruct: synth.app,
      templatePaths: assembly.stacks.map((s) => s.templateFullPath),
      stackTemplates: stacks.map((s: Stack) => ({
        stackConstructPath: s.node.path,
        templatePath: path.join(assembly.directory, s.templateFile),
        accountId: s.account,
        region: s.region,
      })),
    });
    doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'control-tower.md'), 'utf8');
  }, 120_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('THEN no finding is left unacknowledged', () => {
    const findings = result.violations.flatMap((v) =>
      v.violatingResources.map(
        (r) =>
          `${v.ruleName} ${r.constructPath ?? `${path.basename(r.templatePath ?? '?')}/${r.resourceLogicalId}`}: ${v.description}`,
      ),
    );
    expect(findings).toEqual([]);
  });

  test('THEN every acknowledgement is scoped to its resource and carries a real reason', () => {
    expect(result.acknowledged.length).toBeGreaterThan(0);
    for (const a of result.acknowledged) expectScopedToItsResource(a, 60);
  });

  test('THEN docs/control-tower.md lists exactly the acknowledged controls and resources', () => {
    const acknowledged = [
      ...new Set(result.acknowledged.map((a) => key(a.constructPath, a.controlId))),
    ].sort();
    // Table rows: | CT.S3.PR.9 | `Fleet/AccessLogs/Resource` | ... |
    const documented = [...doc.matchAll(/^\| (CT\.[A-Z0-9]+\.PR\.\d+) \| `([^`]+)` \|/gm)]
      .map((m) => `${m[1]} ${m[2]}`)
      .sort();
    expect(documented).toEqual([...new Set(documented)]);
    expect(acknowledged).toEqual(documented);
  });
});
