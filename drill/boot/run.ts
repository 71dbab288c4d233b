/**
 * npm run drill:boot — executes the synthesized boot path of each regional stack offline.
 *
 * For ha-ref-primary and ha-ref-secondary it takes the launch template's user data from cdk.out (run
 * `npm run synth` first), resolves its intrinsics against the values the drill provides, and runs it as root in
 * its own mount, network and PID namespaces (drill/boot/case.ts) against moto + the real AWS CLI, PostgreSQL with
 * TLS behind an RDS Proxy stand-in (primary) or directly (DR), a Redis Cluster with TLS and AUTH, and checking
 * stand-ins for dnf, cfn-signal, the CloudWatch agent, ec2-metadata, curl (the RDS CA bundle) and systemd.
 * Then it puts findings 1–4 of issue 14 back one at a time and expects each to fail at its named step.
 *
 *   npm run drill:boot            every case, results to drill/results/boot-latest.{md,json}
 *   npm run drill:boot -- --ci    both regions, the late-parameter case (delay 60 → 30 s) and the failed first
 *                                 start (no injected findings: those run in the full drill); results to .drill/
 *   --case <id>                   one case (repeatable); --keep keeps the case directories
 * Needs root (namespaces), unshare, ip, openssl, zip, moto_server, aws, PostgreSQL and redis-server. When one is
 * missing the drill says which and exits 0 with a skip message, or 1 when CI=true or --ci.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { INJECTIONS, readAssetManifest, type CaseResult, type CaseSpec, type Injection } from './case';
import {
  findBinary,
  makeTempDir,
  postgresBinDirs,
  registerTempDir,
  removeTempDirs,
  runDrillMain,
} from '../topology/proc';

const ROOT = resolve(__dirname, '..', '..');
const CDK_OUT = join(ROOT, 'cdk.out');
const STACKS = { primary: 'ha-ref-primary', secondary: 'ha-ref-secondary' } as const;

interface CaseDef {
  readonly id: string;
  readonly title: string;
  readonly stack: keyof typeof STACKS;
  readonly parametersDelaySeconds?: number;
  readonly ssmUnreachableSeconds?: number;
  readonly inject?: Injection;
  /** The step an injected finding must fail at; undefined: the case must pass. */
  readonly expectFailAt?: string;
}

function cases(lateSeconds: number): CaseDef[] {
  return [
    { id: 'primary', title: 'writer region, database through the RDS Proxy stand-in', stack: 'primary' },
    { id: 'secondary', title: 'DR region, database (read-only replica) directly', stack: 'secondary' },
    {
      id: 'late-parameters',
      title: `SSM parameters appear ${lateSeconds}s after the boot starts`,
      stack: 'primary',
      parametersDelaySeconds: lateSeconds,
    },
    {
      id: 'ssm-unreachable-at-first-start',
      title: 'SSM unreachable for the first 20s (the unit’s first ExecStartPre fails)',
      stack: 'secondary',
      ssmUnreachableSeconds: 20,
    },
    {
      id: 'inject-zip-asset',
      title: INJECTIONS['zip-asset'],
      stack: 'primary',
      inject: 'zip-asset',
      expectFailAt: 'boot: parse the bundle with node (node --check)',
    },
    {
      id: 'inject-prometheus-under-logs',
      title: INJECTIONS['prometheus-under-logs'],
      stack: 'primary',
      inject: 'prometheus-under-logs',
      expectFailAt: 'boot: start the CloudWatch agent (amazon-cloudwatch-agent-ctl)',
    },
    {
      id: 'inject-hardcoded-log-group',
      title: INJECTIONS['hardcoded-log-group'],
      stack: 'secondary',
      inject: 'hardcoded-log-group',
      expectFailAt: 'agent log groups writable by the instance role',
    },
    {
      id: 'inject-gives-up-on-missing-config',
      title: INJECTIONS['gives-up-on-missing-config'],
      stack: 'primary',
      inject: 'gives-up-on-missing-config',
      parametersDelaySeconds: lateSeconds,
      expectFailAt: 'boot: wait for /healthz',
    },
    {
      id: 'inject-blocking-start',
      title: INJECTIONS['blocking-start'],
      stack: 'secondary',
      inject: 'blocking-start',
      ssmUnreachableSeconds: 20,
      expectFailAt: 'boot: start ha-service (systemctl)',
    },
    {
      id: 'inject-ca-replaced',
      title: INJECTIONS['ca-replaced'],
      stack: 'primary',
      inject: 'ca-replaced',
      expectFailAt: '/readyz 200',
    },
  ];
}

function log(msg: string): void {
  process.stdout.write(`drill:boot: ${msg}\n`);
}

/** The real executable behind a pyenv shim (the shim needs pyenv's environment, which the boot does not have). */
function realExecutable(name: string): string | undefined {
  const viaPyenv = spawnSync('pyenv', ['which', name], { encoding: 'utf8' });
  if (viaPyenv.status === 0 && viaPyenv.stdout.trim()) return viaPyenv.stdout.trim();
  try {
    return findBinary(name);
  } catch {
    return undefined;
  }
}

function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the drill creates mount, network and PID namespaces)');
  for (const tool of ['unshare', 'ip', 'openssl', 'zip', 'redis-server', 'redis-cli']) {
    try {
      findBinary(tool, ['/usr/sbin', '/sbin']);
    } catch {
      missing.push(tool);
    }
  }
  for (const tool of ['moto_server', 'aws'])
    if (!realExecutable(tool)) missing.push(`${tool} (pip install 'moto[server]' awscli)`);
  try {
    findBinary('initdb', postgresBinDirs());
  } catch {
    missing.push('PostgreSQL (bash .ci/install-servers.sh)');
  }
  return missing;
}

async function bundleShims(dir: string): Promise<string> {
  const outfile = join(dir, 'shims.js');
  await build({
    entryPoints: [join(__dirname, 'shims.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  return outfile;
}

/** PID 1 of each running case's namespace: killing it ends every process in that namespace. */
const running = new Set<number>();
function stopCases(): void {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', stopCases);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopCases();
    removeTempDirs();
    process.exit(130);
  });
}

/** The namespace's PID 1 (unshare --fork's only child), as the host sees it. */
function childOf(pid: number): number | undefined {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return out ? Number(out.split('\n')[0]) : undefined;
}

function runCase(spec: CaseSpec, timeoutSeconds: number): Promise<CaseResult> {
  const specFile = join(spec.caseDir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec));
  const tsx = require.resolve('tsx');
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--net',
      '--pid',
      '--fork',
      '--mount-proc',
      '--',
      process.execPath,
      '--import',
      tsx,
      join(__dirname, 'case.ts'),
      specFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT },
  );
  let out = '';
  let nsInit: number | undefined;
  const track = setInterval(() => {
    if (nsInit === undefined && child.pid !== undefined) {
      nsInit = childOf(child.pid);
      if (nsInit !== undefined) running.add(nsInit);
    }
  }, 200);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolveResult) => {
    const timer = setTimeout(() => {
      if (nsInit !== undefined) process.kill(nsInit, 'SIGKILL');
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.once('exit', () => {
      clearTimeout(timer);
      clearInterval(track);
      if (nsInit !== undefined) running.delete(nsInit);
      writeFileSync(join(spec.caseDir, 'case.log'), out);
      const resultFile = join(spec.caseDir, 'result.json');
      if (existsSync(resultFile))
        return resolveResult(JSON.parse(readFileSync(resultFile, 'utf8')) as CaseResult);
      resolveResult({
        id: spec.id,
        passed: false,
        failedStep: 'drill set-up',
        steps: [{ step: 'drill set-up', ok: false, detail: `no result; output: ${out.slice(-800)}` }],
        wallSeconds: timeoutSeconds,
      });
    });
  });
}

interface Outcome {
  readonly def: CaseDef;
  readonly result: CaseResult;
  /** The case did what it must: passed, or (injected) failed at exactly the expected step. */
  readonly asExpected: boolean;
}

function markdown(outcomes: readonly Outcome[], totalSeconds: number, ci: boolean): string {
  const lines = [
    '# Boot drill (npm run drill:boot)',
    '',
    `Run ${new Date().toISOString()}${ci ? ' with --ci' : ''}; ${totalSeconds.toFixed(0)} s wall time for ${outcomes.length} cases (two at a time, each in its own namespaces).`,
    "The user data is the synthesized launch template's, from cdk.out; a pass case must pass every step, an injected finding must fail at its named step.",
    '',
    '| case | stack | expected | result | first failed step | signal after | wall |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...outcomes.map(({ def, result, asExpected }) =>
      [
        `\`${def.id}\` ${def.title}`,
        STACKS[def.stack],
        def.expectFailAt ? `fails at "${def.expectFailAt}"` : 'passes',
        asExpected ? 'as expected' : '**NOT as expected**',
        result.failedStep ?? '—',
        result.signalAfterSeconds !== undefined ? `${result.signalAfterSeconds.toFixed(1)} s` : '—',
        `${result.wallSeconds.toFixed(0)} s`,
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
    '',
  ];
  for (const { def, result } of outcomes) {
    lines.push(
      `## ${def.id}`,
      '',
      ...result.steps.map(
        (s) => `- ${s.ok ? 'ok' : '**FAIL**'} ${s.step}: ${s.detail.replace(/\n/g, ' ').slice(0, 400)}`,
      ),
      '',
    );
  }
  return lines.join('\n');
}

/**
 * Whether cdk.out holds the stack bundled: the service is a single-file asset there. The CLI writes
 * every stack a command does not act on with unbundled directory placeholders, which the boot
 * cannot run.
 */
function hasBundledService(stack: string): boolean {
  if (!existsSync(join(CDK_OUT, `${stack}.assets.json`))) return false;
  return Object.values(readAssetManifest(CDK_OUT, stack).files).some(
    (f) => f.source.packaging === 'file' && f.source.path.endsWith('.js'),
  );
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const ci = argv.includes('--ci') || process.env.CI === 'true';
  const keep = argv.includes('--keep');
  const only = argv.flatMap((a, i) => (a === '--case' ? [argv[i + 1]] : []));
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    const msg = `missing ${missing.join(', ')}`;
    if (ci) {
      log(`${msg}; failing (CI)`);
      return 1;
    }
    log(`SKIPPED: ${msg}. Nothing was run.`);
    return 0;
  }
  for (const stack of Object.values(STACKS)) {
    if (!existsSync(join(CDK_OUT, `${stack}.template.json`))) {
      log(
        `${CDK_OUT}/${stack}.template.json is missing: run \`npm run synth\` first (the drill executes what synth wrote)`,
      );
      return 1;
    }
    if (!hasBundledService(stack)) {
      log(
        `${CDK_OUT}/${stack} was synthesized without bundling (as cdk ls, cdk destroy or cdk deploy --exclusively of another stack write it): run \`npm run synth\` first`,
      );
      return 1;
    }
  }
  const lateSeconds = argv.includes('--ci') ? 30 : 60;
  const defs = cases(lateSeconds).filter((c) =>
    only.length > 0 ? only.includes(c.id) : !argv.includes('--ci') || c.expectFailAt === undefined,
  );
  const work = registerTempDir(makeTempDir('boot-drill-'));
  chmodSync(work, 0o711);
  const shimsJs = await bundleShims(work);
  const started = Date.now();
  const outcomes: Outcome[] = [];
  const queue = [...defs];
  const worker = async (): Promise<void> => {
    for (let def = queue.shift(); def; def = queue.shift()) {
      const caseDir = join(work, def.id);
      mkdirSync(caseDir, { recursive: true });
      chmodSync(caseDir, 0o711);
      const spec: CaseSpec = {
        id: def.id,
        title: def.title,
        stackName: STACKS[def.stack],
        expectWriter: def.stack === 'primary',
        cdkOut: CDK_OUT,
        caseDir,
        shimsJs,
        realAws: realExecutable('aws')!,
        realNode: process.execPath,
        motoServer: realExecutable('moto_server')!,
        parametersDelaySeconds: def.parametersDelaySeconds ?? 0,
        ssmUnreachableSeconds: def.ssmUnreachableSeconds ?? 0,
        inject: def.inject,
        bootCapSeconds: 150,
      };
      log(`${def.id}: ${def.title} (${spec.stackName})`);
      const result = await runCase(spec, 240);
      const asExpected = def.expectFailAt ? result.failedStep === def.expectFailAt : result.passed;
      outcomes.push({ def, result, asExpected });
      log(
        `${def.id}: ${asExpected ? 'as expected' : 'NOT AS EXPECTED'} — ${result.passed ? 'passed' : `failed at "${result.failedStep}"`} (${result.wallSeconds.toFixed(0)} s)`,
      );
      if (!asExpected)
        for (const s of result.steps)
          log(`    ${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${s.detail.slice(0, 600)}`);
    }
  };
  await Promise.all([worker(), worker()]);
  outcomes.sort((a, b) => defs.indexOf(a.def) - defs.indexOf(b.def));
  const totalSeconds = (Date.now() - started) / 1000;
  const outDir = ci ? join(ROOT, '.drill') : join(ROOT, 'drill', 'results');
  mkdirSync(outDir, { recursive: true });
  const name = ci ? 'boot-ci-latest' : 'boot-latest';
  writeFileSync(join(outDir, `${name}.md`), markdown(outcomes, totalSeconds, ci));
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify({ totalSeconds, outcomes }, null, 2));
  const bad = outcomes.filter((o) => !o.asExpected);
  log(
    `${outcomes.length - bad.length}/${outcomes.length} cases as expected in ${totalSeconds.toFixed(0)} s; results in ${join(outDir, `${name}.md`)}`,
  );
  if (keep) log(`case directories kept in ${work}`);
  else removeTempDirs();
  return bad.length === 0 ? 0 : 1;
}

runDrillMain(main, log);
