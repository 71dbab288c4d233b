import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPORT_EXIT, reportExitCode } from '../../lib/report';
import { fleet, network, template } from './fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function run(...args: string[]) {
  return spawnSync(TSX, [path.join(ROOT, 'scripts', 'report.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
}

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A one-stack cloud assembly whose fleet breaks RES-ASG2 (1 instance per AZ). */
function writeAssembly(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));
  made.push(dir);
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        s: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://111111111111/eu-west-1',
          properties: { templateFile: 's.template.json' },
        },
      },
    }),
  );
  const tpl = template(network(['eu-west-1a', 'eu-west-1b']), fleet({ azCount: 2, minSize: 2 }));
  fs.writeFileSync(path.join(dir, 's.template.json'), JSON.stringify(tpl));
  return dir;
}

describe('npm run report (scripts/report.ts)', () => {
  test('GIVEN no cdk.out WHEN run THEN it exits 2 and tells to run npm run synth', () => {
    const r = run('--out', path.join(os.tmpdir(), 'no-such-cdk-out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/npm run synth/);
  });

  test('GIVEN an assembly with a failing invariant WHEN run with --json THEN it prints JSON and exits 1', () => {
    const r = run('--json', '--out', writeAssembly());
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.invariantsPass).toBe(false);
    expect(r.stderr).toMatch(/invariant FAILS/);
  });
});

describe('npm run report exit codes (issue 21: partial assemblies and budgets fail by default)', () => {
  /** A manifest of `artifacts`, with templates written only for `written`. */
  function writePartial(artifacts: Record<string, unknown>, written: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));
    made.push(dir);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ artifacts }));
    const tpl = template(network(['eu-west-1a', 'eu-west-1b']), fleet({ azCount: 2, minSize: 4 }));
    for (const f of written) fs.writeFileSync(path.join(dir, f), JSON.stringify(tpl));
    return dir;
  }
  const stackArtifact = (file: string, dependencies: string[] = []) => ({
    type: 'aws:cloudformation:stack',
    environment: 'aws://111111111111/eu-west-1',
    properties: { templateFile: file },
    dependencies,
  });

  test('GIVEN a manifest naming a template that is not on disk WHEN run THEN it exits 4 and says the assembly is partial', () => {
    const r = run(
      '--out',
      writePartial({ a: stackArtifact('a.json'), b: stackArtifact('b.json') }, ['a.json']),
    );
    expect(r.status).toBe(REPORT_EXIT.partialAssembly);
    expect(r.stderr).toMatch(/Partial cloud assembly.*b\.json/);
  });

  test('GIVEN a stack whose dependency is not in the manifest WHEN run THEN it exits 4 naming the missing stack', () => {
    const r = run('--out', writePartial({ b: stackArtifact('b.json', ['a']) }, ['b.json']));
    expect(r.status).toBe(REPORT_EXIT.partialAssembly);
    expect(r.stderr).toMatch(/stacks missing: a \(a dependency of b\)/);
  });
});

describe('reportExitCode', () => {
  test.each([
    [{ invariantsPass: true, budgetsPass: true }, false, REPORT_EXIT.ok],
    [{ invariantsPass: true, budgetsPass: false }, false, REPORT_EXIT.budgetExceeded],
    [{ invariantsPass: true, budgetsPass: false }, true, REPORT_EXIT.ok],
    [{ invariantsPass: false, budgetsPass: false }, true, REPORT_EXIT.invariantFails],
  ])('GIVEN %o and allowBudgetOverrun %s THEN exit %d', (report, allowBudgetOverrun, code) => {
    expect(reportExitCode(report, { allowBudgetOverrun })).toBe(code);
  });
});
