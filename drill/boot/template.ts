/**
 * What the boot drill reads from a synthesized regional template (pure; unit-tested): the launch template's user
 * data, the resources that wait for its signal, what the instance role may do, the runtime parameters, and the
 * values the drill gives each resource an instance can see (endpoints, names, ARNs), so the user data and the
 * parameters resolve exactly as CloudFormation would resolve them with these resources deployed.
 */
import { resolveIntrinsics, type ResolveContext } from './intrinsics';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly CreationPolicy?: {
    readonly ResourceSignal?: { readonly Count?: number | string; readonly Timeout?: string };
  };
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
}

/** The value at `path` inside untyped template JSON (array indexes as numbers), or undefined. */
export function dig(value: unknown, ...path: readonly (string | number)[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly Resource?: unknown;
}

export interface SignalResource {
  readonly logicalId: string;
  readonly count: number;
  readonly timeoutSeconds: number;
}

/** ISO 8601 duration as CloudFormation writes CreationPolicy timeouts (PT15M, PT1H30M, PT90S). */
export function isoDurationSeconds(text: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(text);
  if (!m || text === 'PT') throw new Error(`template: '${text}' is not an ISO 8601 duration (PT#H#M#S)`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function ofType(t: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

/** The one launch template of the fleet (a regional stack has exactly one). */
export function launchTemplate(t: CfnTemplate): { readonly logicalId: string; readonly userData: unknown } {
  const lts = ofType(t, 'AWS::EC2::LaunchTemplate');
  if (lts.length !== 1)
    throw new Error(`template: expected one AWS::EC2::LaunchTemplate, found ${lts.length}`);
  const [logicalId, lt] = lts[0];
  const userData = dig(lt.Properties, 'LaunchTemplateData', 'UserData');
  if (userData === undefined) throw new Error(`template: ${logicalId} has no LaunchTemplateData.UserData`);
  return { logicalId, userData };
}

/** Resources whose creation waits for instance signals (CreationPolicy.ResourceSignal). */
export function signalResources(t: CfnTemplate): SignalResource[] {
  return Object.entries(t.Resources).flatMap(([logicalId, r]) => {
    const signal = r.CreationPolicy?.ResourceSignal;
    if (!signal) return [];
    return [
      {
        logicalId,
        count: Number(signal.Count ?? 1),
        timeoutSeconds: isoDurationSeconds(signal.Timeout ?? 'PT5M'),
      },
    ];
  });
}

/** Statements of the policies attached to `roleId` (AWS::IAM::Policy with Roles: [Ref roleId]). */
export function roleStatements(t: CfnTemplate, roleId: string): Statement[] {
  return ofType(t, 'AWS::IAM::Policy')
    .filter(([, p]) => [dig(p.Properties, 'Roles') ?? []].flat().some((r) => dig(r, 'Ref') === roleId))
    .flatMap(([, p]) => [dig(p.Properties, 'PolicyDocument', 'Statement') ?? []].flat() as Statement[]);
}

/** The role of the launch template's instance profile. */
export function instanceRoleId(t: CfnTemplate, launchTemplateId: string): string {
  const lt = t.Resources[launchTemplateId];
  const profileRef = dig(lt?.Properties, 'LaunchTemplateData', 'IamInstanceProfile', 'Arn', 'Fn::GetAtt', 0);
  const roleRef =
    typeof profileRef === 'string' ? dig(t.Resources[profileRef]?.Properties, 'Roles', 0, 'Ref') : undefined;
  if (typeof roleRef !== 'string') {
    throw new Error(`template: cannot find the instance role of ${launchTemplateId}`);
  }
  return roleRef;
}

function allows(statement: Statement, action: string): boolean {
  if (statement.Effect !== 'Allow') return false;
  return [statement.Action ?? []]
    .flat()
    .some((a) => a === action || a === '*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));
}

/** The resolved Resource entries of every Allow statement of the role that grants `action`. */
export function resourcesAllowed(
  t: CfnTemplate,
  roleId: string,
  action: string,
  ctx: ResolveContext,
): string[] {
  return roleStatements(t, roleId)
    .filter((s) => allows(s, action))
    .flatMap((s) => [resolveIntrinsics(s.Resource, ctx)].flat() as string[]);
}

/** Log group name of a CloudWatch Logs ARN (`arn:…:log-group:<name>` with an optional `:*`). */
export function logGroupOfArn(arn: string): string | undefined {
  return /:log-group:(.+?)(?::\*)?$/.exec(arn)?.[1];
}

/** AWS::SSM::Parameter resources under `path` (the path itself excluded). */
export function parametersUnder(
  t: CfnTemplate,
  path: string,
): { logicalId: string; name: string; value: unknown }[] {
  return ofType(t, 'AWS::SSM::Parameter')
    .map(([logicalId, p]) => ({
      logicalId,
      name: String(dig(p.Properties, 'Name')),
      value: dig(p.Properties, 'Value'),
    }))
    .filter((p) => p.name.startsWith(`${path}/`));
}

/** What the drill serves each resource as: hostnames the namespace's /etc/hosts maps to the local servers. */
export interface DrillEndpoints {
  /** RDS Proxy endpoints (default and read-only): served by the TLS-terminating proxy. */
  readonly proxyHosts: string[];
  /** Aurora cluster endpoints (writer and reader): served by PostgreSQL itself. */
  readonly clusterHosts: string[];
  /** ElastiCache configuration endpoints: served by the Redis Cluster. */
  readonly cacheHosts: string[];
}

const short = (id: string): string =>
  id
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 40);

/**
 * Values for every resource the boot can see, by CloudFormation's rules for each type (Ref of a log group is its
 * name, of a secret its ARN, GetAtt Endpoint of a proxy its host name...). `secretArns` are the ARNs the emulator
 * gave the secrets the drill created, by logical id.
 */
export function drillValues(
  t: CfnTemplate,
  base: Pick<ResolveContext, 'stackName' | 'region' | 'accountId'>,
  secretArns: Readonly<Record<string, string>>,
): { readonly ctx: ResolveContext; readonly endpoints: DrillEndpoints } {
  const refs: Record<string, string> = {};
  const attributes: Record<string, string> = {};
  const endpoints: DrillEndpoints = { proxyHosts: [], clusterHosts: [], cacheHosts: [] };
  const { region, accountId, stackName } = base;
  for (const [id, r] of Object.entries(t.Resources)) {
    switch (r.Type) {
      case 'AWS::Logs::LogGroup': {
        const name = (r.Properties?.LogGroupName as string | undefined) ?? `${stackName}-${id}-drill`;
        refs[id] = name;
        attributes[`${id}.Arn`] = `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`;
        break;
      }
      case 'AWS::RDS::DBProxy': {
        const host = `${short(id)}.proxy-drill.${region}.rds.amazonaws.com`;
        attributes[`${id}.Endpoint`] = host;
        endpoints.proxyHosts.push(host);
        break;
      }
      case 'AWS::RDS::DBProxyEndpoint': {
        const host = `${short(id)}.endpoint.proxy-drill.${region}.rds.amazonaws.com`;
        attributes[`${id}.Endpoint`] = host;
        endpoints.proxyHosts.push(host);
        break;
      }
      case 'AWS::RDS::DBCluster': {
        const writer = `${short(id)}.cluster-drill.${region}.rds.amazonaws.com`;
        const reader = `${short(id)}.cluster-ro-drill.${region}.rds.amazonaws.com`;
        attributes[`${id}.Endpoint.Address`] = writer;
        attributes[`${id}.ReadEndpoint.Address`] = reader;
        attributes[`${id}.Endpoint.Port`] = '5432';
        endpoints.clusterHosts.push(writer, reader);
        break;
      }
      case 'AWS::ElastiCache::ReplicationGroup': {
        const host = `clustercfg.${short(id)}.drill.${region}.cache.amazonaws.com`;
        attributes[`${id}.ConfigurationEndPoint.Address`] = host;
        attributes[`${id}.ConfigurationEndPoint.Port`] = '6379';
        endpoints.cacheHosts.push(host);
        break;
      }
      case 'AWS::SecretsManager::Secret':
        if (secretArns[id]) refs[id] = secretArns[id];
        break;
      default:
        break;
    }
  }
  // A secret attachment's Ref is the secret's ARN.
  for (const [id, r] of ofType(t, 'AWS::SecretsManager::SecretTargetAttachment')) {
    const secret = dig(r.Properties, 'SecretId', 'Ref');
    if (typeof secret === 'string' && refs[secret]) refs[id] = refs[secret];
  }
  return { ctx: { ...base, refs, attributes }, endpoints };
}

/** The user data as the instance receives it: resolved, then decoded from Fn::Base64. */
export function resolvedUserData(userData: unknown, ctx: ResolveContext): string {
  const encoded = resolveIntrinsics(userData, ctx);
  if (typeof encoded !== 'string') throw new Error('template: user data does not resolve to a string');
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The boot's steps, named by the command that starts each (the drill reports the step a failure stops in). */
const BOOT_STEPS: readonly [RegExp, string][] = [
  [/^dnf /, 'install the AL2023 packages (dnf)'],
  [/useradd|^id ha-service/, 'create the unprivileged ha-service user'],
  [/^mkdir|^chown/, 'create the service directories'],
  [/^curl .*truststore\.pki\.rds/, 'download the RDS CA bundle'],
  [/ca-bundle\.crt .*rds-ca\.pem|rds-ca\.pem .*db-ca\.pem/, 'build the database trust bundle'],
  [/^aws s3 cp/, 'download the service bundle from S3'],
  [/--check|node_bin=/, 'parse the bundle with node (node --check)'],
  [/ec2-metadata|static\.env/, 'write the static environment (ec2-metadata)'],
  [/fetch-env|ha-service\.service/, 'write fetch-env and the systemd unit'],
  [/prometheus\.yaml|amazon-cloudwatch-agent/, 'start the CloudWatch agent (amazon-cloudwatch-agent-ctl)'],
  [/^systemctl (daemon-reload|enable|start)/, 'start ha-service (systemctl)'],
  [/healthz|deadline=|did not become healthy|is-failed|^sleep|^done/, 'wait for /healthz'],
];

export function bootStepOf(line: string): string {
  const text = line.trim();
  return BOOT_STEPS.find(([re]) => re.test(text))?.[1] ?? `line: ${text.slice(0, 80)}`;
}

/**
 * The user-data line the boot stopped at, from its bash xtrace (PS4 '+<LINENO>: '): the last top-level command
 * traced before the EXIT trap ran (traced as `exitTrap`, then its first command `exitCode=$?`).
 */
export function failingLine(trace: string, script: string): string | undefined {
  const lines = trace.split('\n');
  const trapAt = lines.findIndex((l) => /^\++\d+: (exitTrap$|exitCode=)/.test(l));
  const before = (trapAt >= 0 ? lines.slice(0, trapAt) : lines).filter((l) => /^\+\d+: /.test(l));
  const last = before[before.length - 1];
  if (!last) return undefined;
  const lineNo = Number(/^\+(\d+): /.exec(last)![1]);
  return script.split('\n')[lineNo - 1];
}

/** IAM's ARN wildcards: `*` any run of characters, `?` exactly one. */
function arnPattern(resource: string): RegExp {
  return new RegExp(
    `^${resource
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/**
 * Whether an Allow statement of the role grants `action` on `arn` (action and resource matching with IAM's
 * wildcards; conditions, denies, boundaries and SCPs are not evaluated: only a real deploy shows those).
 */
export function roleAllows(
  t: CfnTemplate,
  roleId: string,
  action: string,
  arn: string,
  ctx: ResolveContext,
): boolean {
  return resourcesAllowed(t, roleId, action, ctx).some((r) => arnPattern(r).test(arn));
}
