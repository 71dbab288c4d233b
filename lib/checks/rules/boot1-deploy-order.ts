import { globRegex, resourcesAllowed } from '../iam-model';
import { networkOf } from '../network-model';
import type { ResilienceRule } from '../rule';
import type { StackModel } from '../stack-model';
import { isObject } from '../stack-model';
import { AUTO_SCALING_GROUP } from './asg-common';
import { functionOf } from './lambda-common';

/** Stands in for what only exists at deploy time (a GetAtt in user data, an account in an ARN). */
const UNRESOLVED = '\u0000';

export type BootReadKind = 'SSM parameter' | 'value source' | 'secret' | 'egress';

/** A resource of the template that a boot or deploy-time handler reads. */
export interface BootRead {
  readonly logicalId: string;
  readonly kind: BootReadKind;
  /** Why it is read: the SSM path, the policy, the subnet. */
  readonly why: string;
}

/** A resource that CloudFormation waits on while something runs: instances that signal, or a handler. */
export interface DeployTimeReader {
  /** What runs: "waits for instance signals (CreationPolicy)" or "runs handler X at deploy time". */
  readonly runs: string;
  readonly reads: readonly BootRead[];
}

const KIND_LABEL: Record<BootReadKind, string> = {
  'SSM parameter': 'SSM parameter',
  'value source': 'value source',
  secret: 'secret',
  egress: 'egress resource',
};

const SSM_READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'];

/**
 * What a resource reads while CloudFormation waits on it, or undefined when it is not such a
 * resource: an Auto Scaling group or instance with a CreationPolicy (its user data and instance
 * role), or a custom resource whose handler is a Lambda function of this template.
 */
export function deployTimeReader(stack: StackModel, logicalId: string): DeployTimeReader | undefined {
  const context = readerContext(stack, logicalId);
  if (!context) return undefined;
  const reads = new Map<string, BootRead>();
  const add = (read: BootRead): void => {
    if (read.logicalId !== logicalId && !reads.has(read.logicalId)) reads.set(read.logicalId, read);
  };
  const parameters = parametersRead(stack, context);
  for (const p of parameters) add(p);
  for (const p of parameters) {
    const name = stack.str(stack.prop(p.logicalId, 'Name')) ?? p.logicalId;
    for (const source of stack.referencesIn(stack.prop(p.logicalId, 'Value'))) {
      add({ logicalId: source, kind: 'value source', why: `value of ${name}` });
    }
  }
  for (const s of secretsRead(stack, context.roles)) add(s);
  for (const e of egressOf(stack, context.subnets)) add(e);
  return { runs: context.runs, reads: [...reads.values()] };
}

interface ReaderContext {
  readonly runs: string;
  /** Rendered user data scripts, with UNRESOLVED for deploy-time values. */
  readonly scripts: readonly string[];
  readonly roles: readonly string[];
  readonly subnets: readonly string[];
}

function readerContext(stack: StackModel, logicalId: string): ReaderContext | undefined {
  const resource = stack.resources[logicalId];
  if (!resource) return undefined;
  const props = resource.Properties ?? {};
  if (resource.Type === 'AWS::CloudFormation::CustomResource' || resource.Type.startsWith('Custom::')) {
    const handlers = handlerFunctions(stack, props.ServiceToken);
    if (handlers.length === 0) return undefined; // an SNS topic or another stack's function: not visible here
    return {
      runs: `runs handler ${handlers.join(', ')} at deploy time`,
      scripts: [],
      roles: refs(
        stack,
        handlers.map((fn) => stack.prop(fn, 'Role')),
      ),
      subnets: refs(
        stack,
        handlers.flatMap((fn) => stack.list(propOf(stack.prop(fn, 'VpcConfig'), 'SubnetIds')) ?? []),
      ),
    };
  }
  if (resource.CreationPolicy === undefined) return undefined;
  const launch = launchOf(stack, logicalId, resource.Type, props);
  if (!launch) return undefined;
  const launchData = launch.sources.map((id) => launchDataOf(stack, id));
  const profiles = refs(
    stack,
    launchData.flatMap((d) => {
      const profile = d.IamInstanceProfile;
      // A launch template names its profile by Arn or Name; an instance or launch configuration by Ref.
      return isObject(profile) && !stack.refTarget(profile) ? [profile.Arn, profile.Name] : [profile];
    }),
  );
  return {
    runs: 'waits for instance signals (CreationPolicy)',
    scripts: launchData
      .map((d) => d.UserData)
      .filter((u) => u !== undefined)
      .map((u) => stack.text(u, UNRESOLVED)),
    roles: refs(
      stack,
      profiles.flatMap((p) => stack.list(stack.prop(p, 'Roles')) ?? []),
    ),
    subnets: refs(stack, [
      ...launch.subnets,
      ...launchData.flatMap((d) => (stack.list(d.NetworkInterfaces) ?? []).map((n) => propOf(n, 'SubnetId'))),
    ]),
  };
}

/**
 * Where the instances of a group or instance get their user data and profile (launch templates,
 * a launch configuration, the instance itself) and the subnets they start in.
 */
function launchOf(
  stack: StackModel,
  logicalId: string,
  type: string,
  props: Record<string, unknown>,
): { sources: string[]; subnets: unknown[] } | undefined {
  const templates = (specs: unknown[]): string[] =>
    refs(
      stack,
      specs.flatMap((spec) => [propOf(spec, 'LaunchTemplateId'), propOf(spec, 'LaunchTemplateName')]),
    );
  if (type === AUTO_SCALING_GROUP) {
    const mixed = propOf(props.MixedInstancesPolicy, 'LaunchTemplate');
    const specs = [
      props.LaunchTemplate,
      propOf(mixed, 'LaunchTemplateSpecification'),
      ...(stack.list(propOf(mixed, 'Overrides')) ?? []).map((o) => propOf(o, 'LaunchTemplateSpecification')),
    ];
    return {
      sources: [...templates(specs), ...refs(stack, [props.LaunchConfigurationName])],
      subnets: stack.list(props.VPCZoneIdentifier) ?? [],
    };
  }
  if (type === 'AWS::EC2::Instance') {
    return {
      sources: [logicalId, ...templates([props.LaunchTemplate])],
      subnets: [
        props.SubnetId,
        ...(stack.list(props.NetworkInterfaces) ?? []).map((n) => propOf(n, 'SubnetId')),
      ],
    };
  }
  return undefined; // a wait condition or a fleet: what signals it is not in its properties
}

/** The launch data of a launch template, launch configuration or instance (they name it alike). */
function launchDataOf(stack: StackModel, logicalId: string): Record<string, unknown> {
  const props = stack.resources[logicalId]?.Properties ?? {};
  const data = props.LaunchTemplateData;
  return isObject(data) ? data : props;
}

/** The Lambda functions a custom resource's ServiceToken runs: the function and those it invokes by ARN. */
function handlerFunctions(stack: StackModel, serviceToken: unknown): string[] {
  const fn = functionOf(stack, serviceToken);
  if (!fn) return [];
  // The CDK provider framework passes the user's handlers as environment variables.
  const variables = propOf(stack.prop(fn, 'Environment'), 'Variables');
  const invoked = Object.values(isObject(variables) ? variables : {})
    .map((v) => functionOf(stack, v))
    .filter((id): id is string => id !== undefined);
  return [...new Set([fn, ...invoked])];
}

/** SSM parameters of the template under what the user data reads or the roles may read. */
function parametersRead(stack: StackModel, context: ReaderContext): BootRead[] {
  const matchers: { matches: (name: string, id: string) => boolean; why: string }[] = [];
  for (const script of context.scripts) {
    for (const read of ssmReadsOf(script)) {
      const shown = read.pattern.split(UNRESOLVED).join('*');
      if (read.pattern.split(UNRESOLVED).join('') === '') continue; // a bare reference: already a dependency
      const pattern = globRegex(read.byPath ? `${shown}/*` : shown);
      const depth = shown.split('/').length + 1;
      matchers.push({
        matches: (name) =>
          pattern.test(name) && (!read.byPath || read.recursive || name.split('/').length === depth),
        why: read.byPath ? `under the user data's --path ${shown}` : `named by the user data`,
      });
    }
  }
  for (const role of context.roles) {
    for (const action of SSM_READ_ACTIONS) {
      for (const { resource, policy } of resourcesAllowed(stack, role, action)) {
        const why = `${policy} allows ${action}`;
        const target = stack.refTarget(resource);
        if (target) {
          matchers.push({ matches: (_name, id) => id === target, why });
          continue;
        }
        const arn = stack.text(resource, UNRESOLVED).split(UNRESOLVED).join('*');
        const at = arn.indexOf(':parameter');
        if (arn !== '*' && at === -1) continue;
        // A parameter's ARN ends in `parameter/name`, or `parameter` + the name for paths.
        const pattern = globRegex(arn === '*' ? '*' : arn.slice(at + ':parameter'.length));
        matchers.push({ matches: (name) => pattern.test(name.startsWith('/') ? name : `/${name}`), why });
      }
    }
  }
  const out: BootRead[] = [];
  for (const [id, parameter] of stack.ofType('AWS::SSM::Parameter')) {
    const name = stack.str(parameter.Properties?.Name);
    const match = matchers.find((m) => m.matches(name ?? UNRESOLVED, id));
    if (match) out.push({ logicalId: id, kind: 'SSM parameter', why: `${name ?? id}, ${match.why}` });
  }
  return out;
}

interface SsmRead {
  /** A parameter name or path, UNRESOLVED where the script has a deploy-time value. */
  readonly pattern: string;
  readonly byPath: boolean;
  readonly recursive: boolean;
}

/** `aws ssm get-parameters-by-path --path P [--recursive]`, `get-parameter --name N`, `get-parameters --names N…`. */
export function ssmReadsOf(script: string): SsmRead[] {
  const out: SsmRead[] = [];
  for (const line of script.split('\n')) {
    const words = [...line.matchAll(/'([^']*)'|"([^"]*)"|([^\s'"|;&]+)|([|;&]+)/g)].map((m) => ({
      text: m[1] ?? m[2] ?? m[3] ?? m[4],
      operator: m[4] !== undefined,
    }));
    for (let i = 0; i < words.length - 1; i++) {
      if (words[i].text !== 'ssm') continue;
      const command = words[i + 1].text;
      if (!['get-parameters-by-path', 'get-parameter', 'get-parameters'].includes(command)) continue;
      const end = words.findIndex((w, j) => j > i && w.operator);
      const args = words.slice(i + 2, end === -1 ? undefined : end).map((w) => w.text);
      const values = (option: string): string[] => {
        const at = args.findIndex((a) => a === option || a.startsWith(`${option}=`));
        if (at === -1) return [];
        if (args[at] !== option) return [args[at].slice(option.length + 1)];
        const rest = args.slice(at + 1);
        const stop = rest.findIndex((a) => a.startsWith('--'));
        return rest.slice(0, stop === -1 ? undefined : stop);
      };
      if (command === 'get-parameters-by-path') {
        const recursive = args.includes('--recursive');
        for (const path of values('--path').slice(0, 1)) {
          out.push({ pattern: path.replace(/\/$/, ''), byPath: true, recursive });
        }
      } else {
        for (const name of values(command === 'get-parameter' ? '--name' : '--names')) {
          out.push({ pattern: name, byPath: false, recursive: false });
        }
      }
    }
  }
  return out;
}

/** Secrets the roles may `secretsmanager:GetSecretValue`: referenced ones, and named ones their ARNs match. */
function secretsRead(stack: StackModel, roles: readonly string[]): BootRead[] {
  const out: BootRead[] = [];
  const secrets = stack.ofType('AWS::SecretsManager::Secret');
  for (const role of roles) {
    for (const { resource, policy } of resourcesAllowed(stack, role, 'secretsmanager:GetSecretValue')) {
      const why = `${policy} allows secretsmanager:GetSecretValue`;
      const target = stack.refTarget(resource);
      if (target) {
        out.push({ logicalId: target, kind: 'secret', why });
        continue;
      }
      const arn = stack.text(resource, UNRESOLVED).split(UNRESOLVED).join('*');
      const at = arn.indexOf(':secret:');
      if (arn !== '*' && at === -1) continue;
      // A secret's ARN is `…:secret:<name>-<6 random characters>`.
      const pattern = globRegex(arn === '*' ? '*' : arn.slice(at + ':secret:'.length));
      for (const [id, secret] of secrets) {
        const name = stack.str(secret.Properties?.Name);
        if (arn === '*' || (name !== undefined && pattern.test(`${name}-AbCdEf`))) {
          out.push({ logicalId: id, kind: 'secret', why });
        }
      }
    }
  }
  return out;
}

/** The route table associations and gateway routes that give the subnets egress. */
function egressOf(stack: StackModel, subnets: readonly string[]): BootRead[] {
  const net = networkOf(stack);
  return subnets.flatMap((subnet) => {
    const association = net.associations.get(subnet);
    if (!association) return [];
    return [
      { logicalId: association.association, kind: 'egress', why: `route table association of ${subnet}` },
      ...(net.egressRoutes.get(association.routeTable) ?? []).map((route) => ({
        logicalId: route,
        kind: 'egress' as const,
        why: `egress route of ${subnet}`,
      })),
    ];
  });
}

/** Distinct logical ids of this template that the values point at. */
function refs(stack: StackModel, values: readonly unknown[]): string[] {
  return [...new Set(values.map((v) => stack.refTarget(v)).filter((id): id is string => id !== undefined))];
}

function propOf(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

export const Boot1DeployOrder: ResilienceRule = {
  id: 'RES-BOOT1',
  description:
    'A resource CloudFormation waits on while it runs (CreationPolicy signals, a custom resource handler) depends on the SSM parameters, their value sources, the secrets and the egress routes it reads.',
  invariant: 'INV-BOOT',
  level: 'error',
  evaluate: (app) =>
    app.stacks.flatMap((stack) =>
      Object.keys(stack.resources).flatMap((logicalId) => {
        const reader = deployTimeReader(stack, logicalId);
        if (!reader) return [];
        const before = stack.dependencyClosure(logicalId);
        const missing = reader.reads.filter((r) => !before.has(r.logicalId));
        const counts = (['SSM parameter', 'value source', 'secret', 'egress'] as const)
          .map((kind) => `${reader.reads.filter((r) => r.kind === kind).length} ${KIND_LABEL[kind]}(s)`)
          .join(', ');
        const message =
          missing.length === 0
            ? `${reader.runs}; depends on all it reads: ${counts}`
            : `${reader.runs} but does not depend on what it reads: ` +
              missing
                .map((r) => {
                  const cycle = stack.dependencyClosure(r.logicalId).has(logicalId)
                    ? '; it depends on this resource, so it cannot come first'
                    : '';
                  return `${r.kind} ${r.logicalId} (${r.why}${cycle})`;
                })
                .join('; ');
        return [{ stackName: stack.stackName, logicalId, compliant: missing.length === 0, message }];
      }),
    ),
};
