import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/constructs/local-bundling';

/** Whether this machine lets an unprivileged process take a network namespace with no interfaces. */
export const canIsolateNetwork = spawnSync('unshare', ['-rn', 'true']).status === 0;

/**
 * Runs the project's CDK CLI as a user on a fresh machine would: no AWS or CDK variables, a HOME
 * without ~/.aws (so no credentials can be found), and no network where the machine allows it.
 */
export function runOfflineCdk(args: readonly string[]): SpawnSyncReturns<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'no-aws-home-'));
  try {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')),
    );
    const cdk = [process.execPath, path.join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), ...args];
    const [cmd, ...rest] = canIsolateNetwork ? ['unshare', '-rn', ...cdk] : cdk;
    return spawnSync(cmd, rest, {
      cwd: PROJECT_ROOT,
      env: { ...env, HOME: home },
      encoding: 'utf8',
      timeout: 180_000,
    });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
