import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/app';

/**
 * The entry point as the CLI runs it: cdk.json's `app` command, with its entry file swapped where a
 * test needs another one. Each run is a fresh process, as under `cdk synth`.
 */
const appCommand = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { app: string }
).app;

function run(entry: string, context: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'entry-point-'));
  try {
    const [cmd, ...args] = appCommand.replace('bin/app.ts', entry).split(' ');
    const result = spawnSync(cmd, args, {
      cwd: PROJECT_ROOT,
      env: {
        ...withoutAccount(process.env),
        ...env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify(context),
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { ...result, written: fs.readdirSync(outdir) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The environment without the account the CDK CLI sets from credentials (each test says its own). */
function withoutAccount(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CDK_DEFAULT_ACCOUNT: _account, ...rest } = env;
  return rest;
}

test('GIVEN an invalid config WHEN bin/app.ts runs THEN it prints every problem and exits 1, without a stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-config-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ fleet: { minPerAz: 1 } }));
  const r = run('bin/app.ts', { config: configFile });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^Invalid config/);
  expect(r.stderr).toMatch(/fleet\.minPerAz = 1: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.written).toEqual([]);
});

test('GIVEN credentials (CDK_DEFAULT_ACCOUNT) and no config file WHEN bin/app.ts runs THEN it refuses the placeholder zone, names the file to write and writes nothing', () => {
  const r = run('bin/app.ts', {}, { CDK_DEFAULT_ACCOUNT: '222222222222' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(
    /dns\.hostedZoneId = "Z0000000000PLACEHOLDER": is the shipped placeholder, but account 222222222222 \(CDK_DEFAULT_ACCOUNT: .*\) is real/,
  );
  expect(r.stderr).toMatch(
    /copy config\/example\.json to config\/my-account\.json.*-c config=config\/my-account\.json/,
  );
  expect(r.written).toEqual([]);
});

test('GIVEN a construct that throws WHEN run by the runner THEN the stack trace points at its TypeScript line', () => {
  const r = run('test/app/fixtures/throws-in-construct.ts');
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('Broken: thrown at construction');
  expect(r.stderr).toMatch(/at new Broken \(.*test\/app\/fixtures\/throws-in-construct\.ts:7:11\)/);
});
