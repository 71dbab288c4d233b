/*
 * Operator CLI for the Global Database failover runbook (deployed in both regions).
 *
 *   npm run failover -- --planned   [--dry-run] [--target dr|primary] [-c config=<file.json>]
 *   npm run failover -- --unplanned [--dry-run] [--target dr|primary] [-c config=<file.json>]
 *
 * It invokes `${appName}-failover-runbook` in the TARGET region (the region to become the writer, so
 * the failed region's control plane is never on the path; from the same config the app synthesizes
 * from), prints what the runbook found and did, and exits 0 (started, dry run, in progress, fence
 * lifted, nothing to do), 2 (refused: state did not match), 1 (error) or 64 (usage).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ConfigArgError, loadConfig, parseConfigArg } from '../lib/config';
import { failoverRunbookFunctionName } from '../lambda/shared/names';
import type { FailoverReport, FailoverRequest } from '../lambda/failover/index';

export const USAGE = `Usage: npm run failover -- --planned|--unplanned [--dry-run] [--target dr|primary] [-c config=<file.json>]

  --planned      Global Database switchover, no data loss; both regions must be up.
  --unplanned    Global Database failover allowing data loss; for when the primary region is down.
  --dry-run      Report the state and the action that would be taken; change nothing.
  --target       Cluster to promote: dr (default) or primary (fail-back after a failover).
  -c config=     The JSON config file the app was deployed with, as for cdk deploy.

Run with --dry-run first. After the runbook reports "Started", wait until the target is the writer,
then set writerRegion in the config and redeploy so the templates match reality.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliArgs {
  readonly request: FailoverRequest;
  readonly configFile?: string;
}

export function parseArgs(commandLine: readonly string[]): CliArgs | 'help' {
  const { configFile, rest: argv } = configArgsOf(commandLine);
  let mode: FailoverRequest['mode'] | undefined;
  let dryRun = false;
  let target: FailoverRequest['target'] = 'dr';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--planned':
      case '--unplanned': {
        const m = flag === '--planned' ? 'planned' : 'unplanned';
        if (mode && mode !== m)
          throw new UsageError('give exactly one of --planned or --unplanned, not both');
        mode = m;
        break;
      }
      case '--dry-run':
        dryRun = true;
        break;
      case '--target': {
        const t = value();
        if (t !== 'dr' && t !== 'primary')
          throw new UsageError(`--target must be "dr" or "primary", got "${t}"`);
        target = t;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  if (!mode)
    throw new UsageError(
      'say which: --planned (switchover, no data loss) or --unplanned (failover, data loss allowed)',
    );
  return { request: { mode, dryRun, target }, configFile };
}

function configArgsOf(commandLine: readonly string[]): ReturnType<typeof parseConfigArg> {
  try {
    return parseConfigArg(commandLine);
  } catch (e) {
    throw e instanceof ConfigArgError ? new UsageError(e.message) : e;
  }
}

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Lambda client factory (tests pass a mocked one). */
  readonly lambda?: (region: string) => LambdaClient;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`Error: ${e.message}\n\n${USAGE}`);
    return 64;
  }
  if (args === 'help') {
    io.out(USAGE);
    return 0;
  }
  let functionName: string;
  let region: string;
  try {
    const { config } = loadConfig({ configFile: args.configFile, env: io.env });
    functionName = failoverRunbookFunctionName(config.appName);
    // The copy in the region being promoted: it is up by definition, the other may not be.
    region = args.request.target === 'dr' ? config.dr.region : config.primary.region;
  } catch (e) {
    io.err(`Error: cannot load the config: ${(e as Error).message}`);
    return 1;
  }

  io.out(`Invoking ${functionName} in ${region}: ${JSON.stringify(args.request)}`);
  const client = io.lambda?.(region) ?? new LambdaClient({ region });
  let report: FailoverReport;
  try {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(args.request)),
      }),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      const body = safeJson(text) as { errorType?: string; errorMessage?: string } | undefined;
      io.err(`Runbook error (${body?.errorType ?? out.FunctionError}): ${body?.errorMessage ?? text}`);
      return 1;
    }
    report = safeJson(text) as FailoverReport;
    if (!report || typeof report.outcome !== 'string') {
      io.err(`Unexpected runbook response: ${text}`);
      return 1;
    }
  } catch (e) {
    io.err(`Error: could not invoke ${functionName} in ${region}: ${(e as Error).message}`);
    return 1;
  }

  io.out(`Outcome: ${report.outcome}`);
  io.out(report.message);
  if (report.found) {
    io.out(`Found: global cluster ${report.found.globalClusterId} is ${report.found.status ?? 'unknown'}`);
    for (const m of report.found.members) {
      io.out(
        `  ${m.isWriter ? 'writer ' : 'reader '} ${m.clusterArn}${m.synchronizationStatus ? ` (${m.synchronizationStatus})` : ''}`,
      );
    }
    if (report.found.failoverState) io.out(`  in progress: ${JSON.stringify(report.found.failoverState)}`);
  }
  for (const f of report.fences ?? []) {
    io.out(`Fence: ${f.region} health check ${f.healthCheckId}: ${f.before} -> ${f.after}`);
  }
  for (const step of report.scaleUp ?? []) io.out(`Scale-up: ${step}`);
  return report.outcome === 'refused' ? 2 : 0;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    env: process.env,
  }).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
