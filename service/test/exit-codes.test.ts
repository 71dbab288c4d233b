/**
 * The real bundle as a child process, configured as systemd starts it: missing required configuration exits 75
 * (EX_TEMPFAIL: systemd restarts it until the SSM parameters exist), present-but-invalid configuration exits 78
 * (EX_CONFIG: RestartPreventExitStatus keeps it down). Every problem is written out before exiting.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildServiceBundle, stopAll } from './harness';

jest.setTimeout(60000);

afterAll(() => stopAll()); // removes the bundle

interface Exit {
  readonly code: number | null;
  readonly stderr: string;
}

async function runBundle(env: Record<string, string>): Promise<Exit> {
  const bundle = await buildServiceBundle();
  const child = spawn(process.execPath, [bundle], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

test('GIVEN the SSM parameters do not exist yet (no DB_WRITER_HOST, no secret id) THEN exit 75 after naming both', async () => {
  const exit = await runBundle({ AWS_REGION: 'eu-west-1', DB_SSL: 'true' });
  expect(exit.stderr).toMatch(/DB_WRITER_HOST is required/);
  expect(exit.stderr).toMatch(/one of DB_SECRET_ID .* or DB_PASSWORD is required/);
  expect(exit.code).toBe(75);
});

test('GIVEN a value present but invalid (and another missing) THEN exit 78 after naming both', async () => {
  const exit = await runBundle({ DB_PORT: 'five', DB_PASSWORD: 'pw' });
  expect(exit.stderr).toMatch(/DB_PORT must be an integer from 1 to 65535, got 'five'/);
  expect(exit.stderr).toMatch(/DB_WRITER_HOST is required/);
  expect(exit.code).toBe(78);
});

test('GIVEN a complete environment whose DB_SSL_CA_FILE does not exist THEN exit 78 naming the file', async () => {
  const missing = path.join(__dirname, 'no-such-ca.pem');
  const exit = await runBundle({
    DB_WRITER_HOST: '127.0.0.1',
    DB_PASSWORD: 'pw',
    DB_SSL: 'true',
    DB_SSL_CA_FILE: missing,
  });
  expect(exit.stderr).toContain(`DB_SSL_CA_FILE '${missing}' is not usable`);
  expect(exit.code).toBe(78);
});
