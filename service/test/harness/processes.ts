/**
 * Registry of the server processes the harness starts, so a failing test (or a crashed run) never leaves
 * PostgreSQL or Redis behind: every child is SIGKILLed when the Node process exits.
 */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllNow();
      process.exit(130);
    });
  }
}

/** Synchronously SIGKILLs every live child (used on process exit). */
export function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Spawns a long-running server process, tracked for cleanup; its output goes to `log` lines kept in memory. */
export function spawnTracked(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): TrackedProcess {
  installExitHook();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  const tracked = new TrackedProcess(command, child);
  child.once('exit', () => live.delete(child));
  return tracked;
}

/** A spawned server with its recent output (for error messages) and a signal-then-wait stop. */
export class TrackedProcess {
  private readonly output: string[] = [];
  private exited = false;

  constructor(
    readonly command: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      this.exited = true;
    });
  }

  get running(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Last lines of stdout+stderr, for diagnostics. */
  recentOutput(): string {
    return this.output.join('').split('\n').slice(-40).join('\n');
  }

  /** Sends `signal`, waits up to `timeoutMs` for exit, then SIGKILLs. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10000): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${out}`);
  return out;
}

/** Thrown from a waitFor() check to stop waiting at once (e.g. the server process died). */
export class WaitAborted extends Error {}

/** Polls `check` until it resolves truthy or `timeoutMs` passes (a WaitAborted error ends it at once). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
