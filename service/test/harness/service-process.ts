/**
 * Builds the service bundle (the same esbuild options the CDK asset uses) and runs it as a real child process,
 * configured only through environment variables, exactly as systemd runs it on the instances.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceBuildOptions } from '../../build-options';
import { freePort } from './ports';
import { spawnTracked, TrackedProcess, waitFor } from './processes';

let bundlePromise: Promise<string> | undefined;
let bundleDir: string | undefined;

/** Deletes the bundle built by {@link buildServiceBundle} (stopAll() calls this). */
export function removeServiceBundle(): void {
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  bundleDir = undefined;
  bundlePromise = undefined;
}

/** Bundles service/src/main.ts once per process into a temp dir; returns the path of index.js. */
export function buildServiceBundle(): Promise<string> {
  bundlePromise ??= (async () => {
    bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-service-bundle-'));
    const outfile = path.join(bundleDir, 'index.js');
    await build({ ...serviceBuildOptions(outfile), logLevel: 'error' });
    return outfile;
  })();
  return bundlePromise;
}

/** A running service process. */
export interface ServiceProcess {
  readonly port: number;
  readonly baseUrl: string;
  readonly process: TrackedProcess;
  /** Resolves with the exit code once the process exits. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts the bundle with `env` (PORT and HOST are set for you: a free port on 127.0.0.1) and waits until
 * /healthz answers. The process is killed at exit if a test forgets it.
 */
export async function startServiceProcess(env: Readonly<Record<string, string>>): Promise<ServiceProcess> {
  const bundle = await buildServiceBundle();
  const port = await freePort();
  const proc = spawnTracked(process.execPath, [bundle], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
  });
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    `service on port ${port}`,
    async () => {
      if (!proc.running) throw new Error(`service exited:\n${proc.recentOutput()}`);
      return (await fetch(`${baseUrl}/healthz`)).ok;
    },
    20000,
  );
  return { port, baseUrl, process: proc, exited };
}
