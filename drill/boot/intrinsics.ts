/**
 * Resolves CloudFormation intrinsic functions in a synthesized template fragment against values the drill
 * provides, the way CloudFormation would at deploy time: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
 * `Fn::Select`, `Fn::Split`, `Fn::Base64`, `Fn::ImportValue` and the pseudo parameters. A reference the drill
 * gave no value for is an error naming it (never an empty string), so the drill cannot run a script with a hole.
 */

export interface ResolveContext {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** @default 'amazonaws.com' */
  readonly urlSuffix?: string;
  /** @default arn:<partition>:cloudformation:<region>:<account>:stack/<stackName>/drill */
  readonly stackId?: string;
  /** `Ref` of a resource or parameter, by logical id. */
  readonly refs: Readonly<Record<string, string>>;
  /** `Fn::GetAtt`, keyed `<logicalId>.<attribute>` (e.g. `Cache.ConfigurationEndPoint.Address`). */
  readonly attributes: Readonly<Record<string, string>>;
  /** `Fn::ImportValue`, by export name. @default {} */
  readonly imports?: Readonly<Record<string, string>>;
}

export class UnresolvedReferenceError extends Error {
  constructor(
    readonly reference: string,
    path: string,
  ) {
    super(`intrinsics: no value for ${reference} (at ${path}); give it to the resolver`);
    this.name = 'UnresolvedReferenceError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The pseudo parameters CloudFormation defines (AWS::NoValue is handled by the caller of an Fn::If, not here). */
function pseudo(name: string, ctx: ResolveContext): string | undefined {
  const partition = ctx.partition ?? 'aws';
  switch (name) {
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return partition;
    case 'AWS::URLSuffix':
      return ctx.urlSuffix ?? 'amazonaws.com';
    case 'AWS::StackId':
      return (
        ctx.stackId ??
        `arn:${partition}:cloudformation:${ctx.region}:${ctx.accountId}:stack/${ctx.stackName}/drill`
      );
    default:
      return undefined;
  }
}

function ref(name: string, ctx: ResolveContext, path: string): string {
  const value = pseudo(name, ctx) ?? ctx.refs[name];
  if (value === undefined) throw new UnresolvedReferenceError(`Ref ${name}`, path);
  return value;
}

function getAtt(logicalId: string, attribute: string, ctx: ResolveContext, path: string): string {
  const value = ctx.attributes[`${logicalId}.${attribute}`];
  if (value === undefined) throw new UnresolvedReferenceError(`Fn::GetAtt ${logicalId}.${attribute}`, path);
  return value;
}

function asString(value: unknown, what: string, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`intrinsics: ${what} must resolve to a string, got ${JSON.stringify(value)} (at ${path})`);
}

/** `${Name}` / `${Res.Attr}` / `${!Literal}` substitution of Fn::Sub. */
function sub(template: string, vars: Record<string, unknown>, ctx: ResolveContext, path: string): string {
  return template.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    if (inner in vars) return asString(vars[inner], `Fn::Sub variable ${inner}`, path);
    const dot = inner.indexOf('.');
    if (dot > 0 && !inner.startsWith('AWS::')) {
      return getAtt(inner.slice(0, dot), inner.slice(dot + 1), ctx, path);
    }
    return ref(inner, ctx, path);
  });
}

/**
 * `value` with every intrinsic replaced by its value. Objects with one `Ref`/`Fn::*` key are intrinsics; any
 * other object or array is resolved member by member. Throws on an unknown intrinsic or a missing value.
 */
export function resolveIntrinsics(value: unknown, ctx: ResolveContext, path = '$'): Json {
  if (Array.isArray(value)) return value.map((v, i) => resolveIntrinsics(v, ctx, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value as Json;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const intrinsic =
    keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::')) ? keys[0] : undefined;
  if (!intrinsic) {
    return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(obj[k], ctx, `${path}.${k}`)]));
  }
  const arg = obj[intrinsic];
  const at = `${path}.${intrinsic}`;
  switch (intrinsic) {
    case 'Ref':
      return ref(asString(arg, 'Ref', at), ctx, at);
    case 'Fn::GetAtt': {
      const [id, ...attr] = Array.isArray(arg)
        ? (arg as unknown[]).map((a) => asString(resolveIntrinsics(a, ctx, at), 'Fn::GetAtt', at))
        : asString(arg, 'Fn::GetAtt', at).split('.');
      return getAtt(id, attr.join('.'), ctx, at);
    }
    case 'Fn::Join': {
      const [sep, parts] = arg as [string, unknown];
      const list = resolveIntrinsics(parts, ctx, at);
      if (!Array.isArray(list)) throw new Error(`intrinsics: Fn::Join needs a list (at ${at})`);
      return list.map((p, i) => asString(p, `Fn::Join part ${i}`, at)).join(sep);
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return sub(arg, {}, ctx, at);
      const [template, vars] = arg as [string, Record<string, unknown>];
      const resolvedVars = resolveIntrinsics(vars ?? {}, ctx, at) as Record<string, unknown>;
      return sub(template, resolvedVars, ctx, at);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      const items = resolveIntrinsics(list, ctx, at);
      const i = Number(resolveIntrinsics(index, ctx, at));
      if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new Error(`intrinsics: Fn::Select index ${i} outside the list (at ${at})`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [sep, source] = arg as [string, unknown];
      return asString(resolveIntrinsics(source, ctx, at), 'Fn::Split source', at).split(sep);
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveIntrinsics(arg, ctx, at), 'Fn::Base64', at), 'utf8').toString(
        'base64',
      );
    case 'Fn::ImportValue': {
      const name = asString(resolveIntrinsics(arg, ctx, at), 'Fn::ImportValue', at);
      const v = ctx.imports?.[name];
      if (v === undefined) throw new UnresolvedReferenceError(`Fn::ImportValue ${name}`, at);
      return v;
    }
    default:
      throw new Error(`intrinsics: ${intrinsic} is not supported by the drill's resolver (at ${at})`);
  }
}

/** Every `Ref` and `Fn::GetAtt` a fragment needs (logical id, or id.attribute), pseudo parameters excluded. */
export function referencesIn(value: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    const obj = v as Record<string, unknown>;
    if (typeof obj.Ref === 'string' && !obj.Ref.startsWith('AWS::')) out.add(obj.Ref);
    const att = obj['Fn::GetAtt'];
    if (Array.isArray(att)) out.add(att.join('.'));
    else if (typeof att === 'string') out.add(att);
    Object.values(obj).forEach(walk);
  };
  walk(value);
  return [...out].sort();
}
