/**
 * What the boot drill's stand-ins check in their input (pure functions, unit-tested): each stands in for a tool
 * that cannot exist on this machine and refuses what the real tool, or the account behind it, would refuse.
 */
import { agentConfigProblems, agentLogGroups } from './agent-schema';

/**
 * Amazon Linux 2023 packages the drill knows, each with what stands in for it here. nodejs20/22 are AL2023's
 * namespaced Node.js packages (binaries node-20/node-22; AL2023 user guide, "Node.js in AL2023"); the others
 * are names from AL2023's repositories as the boot uses them (not re-checked against the live repositories:
 * only a deploy does that). A name outside this list (`nodejs`, `awscli`) is refused.
 */
export const AL2023_PACKAGES: Readonly<Record<string, string>> = {
  nodejs20: 'node-20 → this machine’s node',
  nodejs22: 'node-22 → this machine’s node (trusting the system roots, as nodejs22 trusts the public roots)',
  'aws-cfn-bootstrap': '/opt/aws/bin/cfn-signal → the drill’s cfn-signal check',
  'amazon-cloudwatch-agent': 'amazon-cloudwatch-agent-ctl → the drill’s agent config check',
  'awscli-2': 'aws → this machine’s AWS CLI (pointed at moto)',
  'curl-minimal': 'curl → this machine’s curl',
  jq: 'jq → this machine’s jq',
};

export interface DnfRequest {
  readonly packages: readonly string[];
}

/** `dnf install -y <pkg>...`: the only form a boot may use (no -y would wait for a prompt that never comes). */
export function checkDnf(args: readonly string[]): DnfRequest {
  const [command, ...rest] = args;
  if (command !== 'install')
    throw new Error(`dnf: the drill supports 'dnf install -y', got 'dnf ${args.join(' ')}'`);
  if (!rest.includes('-y') && !rest.includes('--assumeyes')) {
    throw new Error('dnf: install without -y waits for a confirmation no boot can give');
  }
  const packages = rest.filter((a) => !a.startsWith('-'));
  if (packages.length === 0) throw new Error('dnf: install names no package');
  const unknown = packages.filter((p) => !(p in AL2023_PACKAGES));
  if (unknown.length > 0) {
    throw new Error(
      `dnf: no package ${unknown.map((p) => `'${p}'`).join(', ')} in Amazon Linux 2023 (known here: ${Object.keys(AL2023_PACKAGES).join(', ')})`,
    );
  }
  return { packages };
}

export interface SignalTarget {
  readonly stackName: string;
  readonly region: string;
  /** Logical ids of the resources with a CreationPolicy ResourceSignal. */
  readonly signalResources: readonly string[];
  /** The instance role allows cloudformation:SignalResource on this stack. */
  readonly roleMaySignal: boolean;
}

export interface Signal {
  readonly stack: string;
  readonly resource: string;
  readonly region: string;
  readonly exitCode: number;
}

function option(args: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n) return args[i + 1];
      if (args[i].startsWith(`${n}=`)) return args[i].slice(n.length + 1);
    }
  }
  return undefined;
}

/** cfn-signal's arguments, checked against the template: the stack, a resource that waits for signals, the region. */
export function checkCfnSignal(args: readonly string[], target: SignalTarget): Signal {
  const stack = option(args, ['--stack', '-s']);
  const resource = option(args, ['--resource', '-r']);
  const region = option(args, ['--region']);
  const exit = option(args, ['--exit-code', '-e']);
  const problems: string[] = [];
  if (stack !== target.stackName) problems.push(`--stack is '${stack}', the stack is '${target.stackName}'`);
  if (!resource || !target.signalResources.includes(resource)) {
    problems.push(
      `--resource is '${resource}', resources waiting for signals: ${target.signalResources.join(', ') || 'none'}`,
    );
  }
  if (region !== target.region) problems.push(`--region is '${region}', the stack is in '${target.region}'`);
  if (exit === undefined || !/^\d+$/.test(exit)) problems.push(`-e must be an exit code, got '${exit}'`);
  if (!target.roleMaySignal)
    problems.push('the instance role may not call cloudformation:SignalResource on the stack');
  if (problems.length > 0) throw new Error(`cfn-signal: ${problems.join('; ')}`);
  return { stack: stack!, resource: resource!, region: region!, exitCode: Number(exit) };
}

export interface AgentCheck {
  readonly configPath: string;
  /** Schema problems (empty when valid). */
  readonly problems: readonly string[];
  readonly logGroups: readonly string[];
  /** Log groups the config ships to that the instance role may not write. */
  readonly unwritableLogGroups: readonly string[];
}

/** `amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:<path>`: the file's path from the arguments. */
export function agentConfigPath(args: readonly string[]): string {
  const action = option(args, ['-a']);
  const mode = option(args, ['-m']);
  const source = option(args, ['-c']);
  if (action !== 'fetch-config')
    throw new Error(`amazon-cloudwatch-agent-ctl: -a ${action}: the drill supports fetch-config`);
  if (mode !== 'ec2')
    throw new Error(`amazon-cloudwatch-agent-ctl: -m ${mode}: an EC2 instance runs in mode ec2`);
  if (!source?.startsWith('file:')) {
    throw new Error(
      `amazon-cloudwatch-agent-ctl: -c ${source}: the boot writes the config to a file (file:<path>)`,
    );
  }
  return source.slice('file:'.length);
}

/** The agent config against the schema facts, and its log groups against the ones the role may write. */
export function checkAgentConfig(
  configPath: string,
  configText: string,
  writableLogGroups: readonly string[],
): AgentCheck {
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (err) {
    return {
      configPath,
      problems: [`not JSON: ${(err as Error).message}`],
      logGroups: [],
      unwritableLogGroups: [],
    };
  }
  const logGroups = agentLogGroups(config);
  return {
    configPath,
    problems: agentConfigProblems(config),
    logGroups,
    unwritableLogGroups: logGroups.filter((g) => !writableLogGroups.includes(g)),
  };
}

/** ec2-metadata (amazon-ec2-utils): the answer line for one flag, in the tool's `name: value` form. */
export function ec2MetadataAnswer(
  args: readonly string[],
  instance: { readonly instanceId: string; readonly availabilityZone: string },
): string {
  if (args.length !== 1)
    throw new Error(`ec2-metadata: the drill answers one flag at a time, got '${args.join(' ')}'`);
  switch (args[0]) {
    case '-i':
    case '--instance-id':
      return `instance-id: ${instance.instanceId}`;
    case '-z':
    case '--availability-zone':
      return `placement: ${instance.availabilityZone}`;
    default:
      throw new Error(`ec2-metadata: the drill does not answer '${args[0]}'`);
  }
}

export type CurlPlan =
  | { readonly kind: 'local'; readonly url: string }
  | { readonly kind: 'served'; readonly url: string; readonly outputFile: string };

/**
 * What the curl stand-in does: loopback URLs go to the real curl; the one internet download the boot makes (the
 * RDS CA bundle) is served from the drill's stand-in CA and must write a file and fail on HTTP errors (-f), so a
 * 404 page can never become the trust bundle. Anything else is refused: the drill has no internet.
 */
export function planCurl(args: readonly string[], servedUrl: string): CurlPlan {
  const urls = args.filter((a) => /^https?:\/\//.test(a));
  if (urls.length !== 1) throw new Error(`curl: expected one URL, got ${urls.length} in '${args.join(' ')}'`);
  const url = new URL(urls[0]);
  if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return { kind: 'local', url: urls[0] };
  if (urls[0] !== servedUrl)
    throw new Error(`curl: ${urls[0]} is on the internet, which the drill does not reach`);
  const short = args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join('');
  if (!short.includes('f') && !args.includes('--fail')) {
    throw new Error(
      'curl: downloading a trust bundle without -f would save an HTTP error page as the bundle',
    );
  }
  const out = option(args, ['-o', '--output']);
  if (!out) throw new Error('curl: the RDS CA bundle download names no output file (-o)');
  return { kind: 'served', url: urls[0], outputFile: out };
}
