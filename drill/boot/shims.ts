/**
 * The boot drill's stand-ins for what cannot exist on this machine, run inside the drill's namespaces as
 * `node shims.js <tool> <args...>` (bundled by esbuild; small bash wrappers on PATH call it). Each checks its input
 * with drill/boot/checks.ts, records what it saw in the events file, and fails the way the real tool would:
 *   dnf                          AL2023 package names only; "installs" the stand-ins below
 *   cfn-signal                   stack, resource, region and exit code against the template; records the time
 *   amazon-cloudwatch-agent-ctl  the config against the agent schema facts; its log groups against the role
 *   ec2-metadata                 instance id and AZ
 *   curl                         loopback to the real curl; the RDS CA bundle from the drill's stand-in CA
 *   systemctl                    daemon-reload, enable [--now] [--no-block], start, is-failed, is-active, stop
 *   supervisor                   runs one unit with its systemd semantics (unit-file.ts), detached
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  agentConfigPath,
  checkAgentConfig,
  checkCfnSignal,
  checkDnf,
  ec2MetadataAnswer,
  planCurl,
  type SignalTarget,
} from './checks';
import {
  parseEnvironmentFile,
  parseServiceUnit,
  restartDecision,
  startAllowed,
  type ExecCommand,
  type ServiceUnit,
} from './unit-file';

/** Where the drill mounts its state inside the namespace (a tmpfs-backed dir over /run). */
export const DRILL_RUN_DIR = '/run/ha-boot-drill';
export const CONTEXT_FILE = join(DRILL_RUN_DIR, 'context.json');
export const EVENTS_FILE = join(DRILL_RUN_DIR, 'events.jsonl');

/** What the shims need to know about the instance and the template (written by the drill before the boot). */
export interface ShimContext {
  readonly signal: SignalTarget;
  readonly instanceId: string;
  readonly availabilityZone: string;
  /** Names of the log groups the instance role may write (its logs:PutLogEvents statement, resolved). */
  readonly writableLogGroups: readonly string[];
  readonly rdsCaBundleUrl: string;
  /** The stand-in RDS CA bundle (CA #1) curl serves for rdsCaBundleUrl. */
  readonly rdsCaBundleFile: string;
  readonly realCurl: string;
  readonly realNode: string;
  /** This bundle, for the wrappers dnf installs. */
  readonly shimsJs: string;
  /** Where dnf puts the executables of what it installs (on the boot's PATH). */
  readonly binDir: string;
  /** The system trust store the node stand-in trusts beside its bundled roots (AL2023 path). */
  readonly systemCaBundle: string;
  /** Environment an EC2 instance has without asking: credentials (IMDS) and the AWS endpoints (here: moto). */
  readonly ambient: Readonly<Record<string, string>>;
}

export type DrillEvent = { readonly t: number; readonly tool: string; readonly ok: boolean } & Record<
  string,
  unknown
>;

function context(): ShimContext {
  return JSON.parse(readFileSync(CONTEXT_FILE, 'utf8')) as ShimContext;
}

export function record(event: Omit<DrillEvent, 't'>): void {
  appendFileSync(EVENTS_FILE, `${JSON.stringify({ t: Date.now(), ...event })}\n`);
}

export function readEvents(file = EVENTS_FILE): DrillEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DrillEvent);
}

function fail(tool: string, err: unknown, extra: Record<string, unknown> = {}): number {
  const message = err instanceof Error ? err.message : String(err);
  record({ tool, ok: false, error: message, ...extra });
  process.stderr.write(`${message}\n`);
  return 1;
}

function writeExecutable(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

function shimWrapper(ctx: ShimContext, tool: string): string {
  return `#!/bin/bash\nexec ${ctx.realNode} ${ctx.shimsJs} ${tool} "$@"\n`;
}

/** What each AL2023 package puts on the instance, as stand-ins. */
function install(ctx: ShimContext, pkg: string): void {
  switch (pkg) {
    case 'nodejs20':
    case 'nodejs22':
      // nodejs22 trusts the public roots (Amazon Root CA 1 among them); the drill's public root stands in the
      // system store, so this node trusts that beside its bundled roots.
      writeExecutable(
        join(ctx.binDir, `node-${pkg.slice(-2)}`),
        `#!/bin/bash\nexport NODE_EXTRA_CA_CERTS=${ctx.systemCaBundle}\nexec ${ctx.realNode} "$@"\n`,
      );
      return;
    case 'aws-cfn-bootstrap':
      writeExecutable('/opt/aws/bin/cfn-signal', shimWrapper(ctx, 'cfn-signal'));
      return;
    case 'amazon-cloudwatch-agent':
      mkdirSync('/opt/aws/amazon-cloudwatch-agent/etc', { recursive: true });
      writeExecutable(
        '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl',
        shimWrapper(ctx, 'agent-ctl'),
      );
      return;
    default:
      // Preinstalled on the AL2023 AMI and here (awscli-2, curl-minimal, jq): nothing to add.
      return;
  }
}

function dnf(args: string[]): number {
  const ctx = context();
  try {
    const { packages } = checkDnf(args);
    for (const p of packages) install(ctx, p);
    record({ tool: 'dnf', ok: true, packages });
    return 0;
  } catch (err) {
    return fail('dnf', err, { args });
  }
}

function cfnSignal(args: string[]): number {
  try {
    const signal = checkCfnSignal(args, context().signal);
    record({ tool: 'cfn-signal', ok: true, ...signal });
    return 0;
  } catch (err) {
    return fail('cfn-signal', err, { args });
  }
}

function agentCtl(args: string[]): number {
  const ctx = context();
  try {
    const path = agentConfigPath(args);
    if (!existsSync(path)) throw new Error(`amazon-cloudwatch-agent-ctl: ${path} does not exist`);
    const check = checkAgentConfig(path, readFileSync(path, 'utf8'), ctx.writableLogGroups);
    record({ tool: 'agent-ctl', ok: check.problems.length === 0, ...check, started: args.includes('-s') });
    if (check.problems.length > 0) {
      // The agent's translator refuses the file, and the ctl exits non-zero (the boot's set -e stops there).
      process.stderr.write(
        `Configuration validation first phase failed:\n  ${check.problems.join('\n  ')}\n`,
      );
      return 1;
    }
    // A group the role may not write is no start failure: the agent starts and its PutLogEvents are denied.
    return 0;
  } catch (err) {
    return fail('agent-ctl', err, { args });
  }
}

function ec2Metadata(args: string[]): number {
  const ctx = context();
  try {
    process.stdout.write(
      `${ec2MetadataAnswer(args, { instanceId: ctx.instanceId, availabilityZone: ctx.availabilityZone })}\n`,
    );
    return 0;
  } catch (err) {
    return fail('ec2-metadata', err, { args });
  }
}

function curl(args: string[]): number {
  const ctx = context();
  try {
    const plan = planCurl(args, ctx.rdsCaBundleUrl);
    if (plan.kind === 'local') {
      return spawnSync(ctx.realCurl, args, { stdio: 'inherit' }).status ?? 1;
    }
    copyFileSync(ctx.rdsCaBundleFile, plan.outputFile);
    record({ tool: 'curl', ok: true, url: plan.url, outputFile: plan.outputFile });
    return 0;
  } catch (err) {
    // curl's own exit code for a host it cannot resolve.
    fail('curl', err, { args });
    return 6;
  }
}

// --- systemctl and the unit supervisor ---------------------------------------------------------------------

type UnitState = 'activating' | 'active' | 'auto-restart' | 'failed' | 'inactive';

interface UnitStatus {
  readonly state: UnitState;
  /** The first start attempt's outcome, which `systemctl start` (without --no-block) reports. */
  readonly firstAttempt?: 'active' | 'failed';
  readonly mainPid?: number;
  readonly user?: string;
  readonly starts: number;
  readonly exits: readonly { readonly t: number; readonly code: number | null; readonly phase: string }[];
  readonly ignoredKeys: readonly string[];
  readonly reason?: string;
}

function unitPath(name: string): string {
  return `/etc/systemd/system/${name.endsWith('.service') ? name : `${name}.service`}`;
}

export function statusFile(name: string): string {
  return join(DRILL_RUN_DIR, `unit-${name.replace(/\.service$/, '')}.json`);
}

export function readUnitStatus(name: string): UnitStatus | undefined {
  const f = statusFile(name);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as UnitStatus) : undefined;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function startSupervisor(name: string): void {
  const ctx = context();
  const log = openSync(join(DRILL_RUN_DIR, `supervisor-${name}.log`), 'a');
  const child = spawn(ctx.realNode, [ctx.shimsJs, 'supervisor', name], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
}

function systemctl(args: string[]): number {
  const flags = args.filter((a) => a.startsWith('-'));
  const [verb, ...names] = args.filter((a) => !a.startsWith('-'));
  const quiet = flags.includes('--quiet') || flags.includes('-q');
  const unit = names[0];
  const say = (text: string): void => {
    if (!quiet) process.stdout.write(`${text}\n`);
  };
  switch (verb) {
    case 'daemon-reload':
      record({ tool: 'systemctl', ok: true, verb });
      return 0;
    case 'enable':
    case 'start': {
      if (!unit) return fail('systemctl', new Error(`systemctl ${verb}: no unit named`));
      if (!existsSync(unitPath(unit))) return fail('systemctl', new Error(`Unit ${unit}.service not found.`));
      try {
        parseServiceUnit(readFileSync(unitPath(unit), 'utf8'));
      } catch (err) {
        return fail('systemctl', err, { verb, unit });
      }
      const now = verb === 'start' || flags.includes('--now');
      record({ tool: 'systemctl', ok: true, verb, unit, now, noBlock: flags.includes('--no-block') });
      if (!now) return 0;
      if (!readUnitStatus(unit)) startSupervisor(unit);
      if (flags.includes('--no-block')) return 0;
      // Without --no-block, systemctl waits for the start job: done once ExecStart is forked, failed when the
      // first attempt fails (restarts go on in the background; systemd/systemd#11868, #32017).
      for (;;) {
        const s = readUnitStatus(unit);
        if (s?.firstAttempt === 'active') return 0;
        if (s?.firstAttempt === 'failed') {
          process.stderr.write(
            `Job for ${unit}.service failed because the control process exited with error code.\n`,
          );
          return 1;
        }
        sleepSync(100);
      }
    }
    case 'is-failed': {
      const failed = readUnitStatus(unit)?.state === 'failed';
      say(failed ? 'failed' : (readUnitStatus(unit)?.state ?? 'inactive'));
      return failed ? 0 : 1;
    }
    case 'is-active': {
      const state = readUnitStatus(unit)?.state ?? 'inactive';
      say(state === 'auto-restart' ? 'activating' : state);
      return state === 'active' ? 0 : 3;
    }
    case 'stop': {
      const pid = readUnitStatus(unit)?.mainPid;
      if (pid) process.kill(pid, 'SIGTERM');
      return 0;
    }
    default:
      return fail('systemctl', new Error(`systemctl: the drill does not support '${args.join(' ')}'`));
  }
}

function lookupUser(user: string): { uid: number; gid: number; home: string; shell: string } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[0] === user);
  if (!line) throw new Error(`User=${user}: no such user`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
}

function environmentOf(unit: ServiceUnit, ambient: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
    LANG: 'C.UTF-8',
    ...ambient,
  };
  if (unit.user) {
    const u = lookupUser(unit.user);
    Object.assign(env, { USER: unit.user, LOGNAME: unit.user, HOME: u.home, SHELL: u.shell });
  }
  Object.assign(env, unit.environment);
  for (const f of unit.environmentFiles) {
    if (!existsSync(f.path)) {
      if (f.optional) continue;
      throw new Error(`EnvironmentFile=${f.path}: no such file`);
    }
    Object.assign(env, parseEnvironmentFile(readFileSync(f.path, 'utf8'), f.path));
  }
  return env;
}

function outputFd(path: string | undefined): number | 'ignore' {
  if (!path) return 'ignore';
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, 'a');
}

/** Runs one command of the unit to completion (ExecStartPre) or until it exits (ExecStart). */
function runExec(
  unit: ServiceUnit,
  cmd: ExecCommand,
  env: NodeJS.ProcessEnv,
  onSpawn?: (pid: number) => void,
): Promise<number | null> {
  const asUser = !cmd.privileged && unit.user ? lookupUser(unit.user) : undefined;
  const out = outputFd(unit.standardOutput);
  const err = outputFd(unit.standardError);
  const child = spawn(cmd.argv[0], cmd.argv.slice(1), {
    env,
    cwd: '/',
    uid: asUser?.uid,
    gid: asUser?.gid,
    stdio: ['ignore', out, err],
  });
  if (child.pid !== undefined) onSpawn?.(child.pid);
  return new Promise((resolve) => {
    child.once('error', () => resolve(203)); // systemd's EXIT_EXEC
    child.once('exit', (code) => resolve(code));
  });
}

async function supervise(name: string): Promise<number> {
  const ctx = context();
  const unit = parseServiceUnit(readFileSync(unitPath(name), 'utf8'));
  const starts: number[] = [];
  const exits: { t: number; code: number | null; phase: string }[] = [];
  let firstAttempt: UnitStatus['firstAttempt'];
  let mainPid: number | undefined;
  const write = (state: UnitState, reason?: string): void => {
    const status: UnitStatus = {
      state,
      firstAttempt,
      mainPid,
      user: unit.user,
      starts: starts.length,
      exits,
      ignoredKeys: unit.ignoredKeys,
      reason,
    };
    writeFileSync(`${statusFile(name)}.tmp`, JSON.stringify(status));
    spawnSync('mv', [`${statusFile(name)}.tmp`, statusFile(name)]);
  };
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    if (mainPid) process.kill(mainPid, 'SIGTERM');
  });
  const wait = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));
  for (;;) {
    if (!startAllowed(unit, starts, Date.now() / 1000)) {
      firstAttempt ??= 'failed';
      write('failed', 'start-limit-hit');
      return 0;
    }
    starts.push(Date.now() / 1000);
    mainPid = undefined;
    write('activating');
    let code: number | null = 0;
    let phase = 'ExecStartPre';
    try {
      for (const pre of unit.execStartPre) {
        const c = await runExec(unit, pre, environmentOf(unit, {}));
        if (c !== 0 && !pre.ignoreFailure) {
          code = c;
          break;
        }
      }
      if (code === 0) {
        phase = 'ExecStart';
        const env = environmentOf(unit, ctx.ambient);
        code = await runExec(unit, unit.execStart, env, (pid) => {
          mainPid = pid;
          firstAttempt ??= 'active';
          write('active');
        });
      }
    } catch (err) {
      phase = 'environment';
      code = 1;
      process.stderr.write(`${(err as Error).message}\n`);
    }
    exits.push({ t: Date.now(), code, phase });
    if (stopping) {
      write('inactive');
      return 0;
    }
    // RestartPreventExitStatus= applies to the main process's exit status (systemd.service(5)).
    const decision =
      phase === 'ExecStart' ? restartDecision(unit, code) : unit.restart === 'no' ? 'stay-down' : 'restart';
    firstAttempt ??= 'failed';
    if (decision === 'stay-down') {
      write('failed', `${phase} exited ${code}`);
      return 0;
    }
    write('auto-restart', `${phase} exited ${code}`);
    await wait(unit.restartSec);
  }
}

async function main(): Promise<number> {
  const [tool, ...args] = process.argv.slice(2);
  switch (tool) {
    case 'dnf':
      return dnf(args);
    case 'cfn-signal':
      return cfnSignal(args);
    case 'agent-ctl':
      return agentCtl(args);
    case 'ec2-metadata':
      return ec2Metadata(args);
    case 'curl':
      return curl(args);
    case 'systemctl':
      return systemctl(args);
    case 'supervisor':
      return supervise(args[0]);
    default:
      process.stderr.write(`shims: unknown tool '${tool}'\n`);
      return 64;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`shims: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(70);
    },
  );
}
