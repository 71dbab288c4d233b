import type { CfnResourceJson, CfnTemplate, StackInput } from './types';

/** Ref of these resource types returns their name property (lets `{Ref: GlobalCluster}` resolve to its id). */
const REF_NAME_PROPERTY: Record<string, string> = {
  'AWS::RDS::GlobalCluster': 'GlobalClusterIdentifier',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SSM::Parameter': 'Name',
};

/** Prefix of the stand-in AZ name for `Fn::Select [i, Fn::GetAZs]`, which offline templates cannot resolve. */
export const AZ_INDEX_PREFIX = 'az-index-';

/**
 * One synthesized template with the reference resolution the rules need:
 * Ref / Fn::GetAtt to a logical id, pseudo parameters, parameter defaults,
 * Fn::Select (over literal lists and Fn::GetAZs), Fn::Join, Fn::Sub and Fn::Base64.
 */
export class StackModel {
  public readonly stackName: string;
  public readonly region?: string;
  public readonly templatePath?: string;
  public readonly resources: Readonly<Record<string, CfnResourceJson>>;
  private readonly template: CfnTemplate;
  private readonly closures = new Map<string, ReadonlySet<string>>();

  constructor(input: StackInput) {
    this.stackName = input.stackName;
    this.region = input.region;
    this.templatePath = input.templatePath;
    this.template = input.template;
    this.resources = input.template.Resources ?? {};
  }

  /** [logicalId, resource] pairs of one resource type. */
  public ofType(type: string): [string, CfnResourceJson][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  public prop(logicalId: string, name: string): unknown {
    return this.resources[logicalId]?.Properties?.[name];
  }

  /** The logical id a value points at through Ref or Fn::GetAtt, if it is a resource of this template. */
  public refTarget(value: unknown): string | undefined {
    if (!isObject(value)) return undefined;
    let id: unknown;
    if ('Ref' in value) id = value.Ref;
    else if ('Fn::GetAtt' in value) {
      const att = value['Fn::GetAtt'];
      id = Array.isArray(att) ? att[0] : typeof att === 'string' ? att.split('.')[0] : undefined;
    }
    return typeof id === 'string' && id in this.resources ? id : undefined;
  }

  /** Every resource a property value references, anywhere inside it (e.g. a list of subnet refs). */
  public refTargets(value: unknown): string[] {
    const direct = this.refTarget(value);
    if (direct) return [direct];
    if (Array.isArray(value)) return value.flatMap((v) => this.refTargets(v));
    return [];
  }

  /** A list value, resolving Fn::Split of a literal and leaving elements as they are. */
  public list(value: unknown): unknown[] | undefined {
    if (Array.isArray(value)) return value as unknown[];
    if (isObject(value) && 'Fn::Split' in value) {
      const args = value['Fn::Split'];
      if (Array.isArray(args) && typeof args[0] === 'string') {
        const source = this.str(args[1]);
        return source === undefined ? undefined : source.split(args[0]);
      }
    }
    return undefined;
  }

  /** Resolve a value to a literal string, or undefined when it depends on deploy-time facts. */
  public str(value: unknown): string | undefined {
    return this.render(value, () => undefined);
  }

  /**
   * Resolve what can be resolved and put `placeholder` for each part that depends on deploy-time
   * facts (a GetAtt, an import): reads user data and ARNs as patterns.
   */
  public text(value: unknown, placeholder: string): string {
    return this.render(value, () => placeholder) ?? placeholder;
  }

  /** Logical ids a value references (Ref, Fn::GetAtt, Fn::Sub), at any depth: what CloudFormation orders before it. */
  public referencesIn(value: unknown): string[] {
    const found = new Set<string>();
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (!isObject(v)) return;
      const target = this.refTarget(v);
      if (target) found.add(target);
      if ('Fn::Sub' in v) {
        const sub = v['Fn::Sub'];
        const parts: readonly unknown[] = Array.isArray(sub) ? sub : [sub];
        const [body, vars] = [parts[0], parts[1]];
        const local = isObject(vars) ? Object.keys(vars) : [];
        if (typeof body === 'string') {
          for (const m of body.matchAll(/\$\{([^}!][^}.]*)(\.[^}]*)?\}/g)) {
            if (m[1] in this.resources && !local.includes(m[1])) found.add(m[1]);
          }
        }
        visit(vars);
        return;
      }
      Object.values(v).forEach(visit);
    };
    visit(value);
    return [...found];
  }

  /**
   * Every resource CloudFormation creates before `logicalId`: its Properties' references and
   * DependsOn, transitively.
   */
  public dependencyClosure(logicalId: string): ReadonlySet<string> {
    const cached = this.closures.get(logicalId);
    if (cached) return cached;
    const closure = new Set<string>();
    const pending = this.directDependencies(logicalId);
    while (pending.length > 0) {
      const id = pending.pop() as string;
      if (closure.has(id)) continue;
      closure.add(id);
      pending.push(...this.directDependencies(id));
    }
    this.closures.set(logicalId, closure);
    return closure;
  }

  public num(value: unknown): number | undefined {
    const s = this.str(value);
    if (s === undefined || s.trim() === '') return undefined;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }

  /** Literal booleans (CloudFormation also accepts "true"/"false" strings). */
  public bool(value: unknown): boolean | undefined {
    const s = this.str(value);
    if (s === undefined) return undefined;
    if (s.toLowerCase() === 'true') return true;
    if (s.toLowerCase() === 'false') return false;
    return undefined;
  }

  /** A resource's template Metadata entry. */
  public metadata(logicalId: string, key: string): unknown {
    return this.resources[logicalId]?.Metadata?.[key];
  }

  private directDependencies(logicalId: string): string[] {
    const resource = this.resources[logicalId];
    if (!resource) return [];
    const dependsOn = resource.DependsOn;
    const explicit = (Array.isArray(dependsOn) ? dependsOn : [dependsOn]).filter(
      (d): d is string => typeof d === 'string' && d in this.resources,
    );
    return [...this.referencesIn(resource.Properties), ...explicit];
  }

  /** Resolves `value`; `unresolved` answers for each part that depends on deploy-time facts. */
  private render(value: unknown, unresolved: () => string | undefined): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (!isObject(value)) return unresolved();
    if ('Ref' in value && typeof value.Ref === 'string') return this.refString(value.Ref) ?? unresolved();
    if ('Fn::Base64' in value) return this.render(value['Fn::Base64'], unresolved);
    if ('Fn::Join' in value) {
      const args = value['Fn::Join'];
      if (!Array.isArray(args) || typeof args[0] !== 'string') return unresolved();
      const parts = this.list(args[1]);
      if (!parts) return unresolved();
      const resolved = parts.map((p) => this.render(p, unresolved));
      return resolved.every((p): p is string => p !== undefined) ? resolved.join(args[0]) : undefined;
    }
    if ('Fn::Select' in value) {
      const args = value['Fn::Select'];
      if (!Array.isArray(args)) return unresolved();
      const index = Number(this.str(args[0]));
      if (!Number.isInteger(index)) return unresolved();
      // Offline templates cannot know the account's AZ names: use a stable stand-in per index.
      if (isObject(args[1]) && 'Fn::GetAZs' in args[1]) return `${AZ_INDEX_PREFIX}${index}`;
      const items = this.list(args[1]);
      return items && index < items.length ? this.render(items[index], unresolved) : unresolved();
    }
    if ('Fn::Sub' in value) {
      const sub = value['Fn::Sub'];
      const parts: readonly unknown[] = Array.isArray(sub) ? sub : [sub];
      const [body, vars] = [parts[0], parts[1]];
      if (typeof body !== 'string') return unresolved();
      let failed = false;
      const out = body.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
        const r =
          isObject(vars) && name in vars
            ? this.render(vars[name], unresolved)
            : (this.refString(name) ?? unresolved());
        if (r === undefined) failed = true;
        return r ?? '';
      });
      return failed ? undefined : out;
    }
    return unresolved();
  }

  private refString(name: string): string | undefined {
    if (name === 'AWS::Region') return this.region;
    if (name === 'AWS::Partition') return 'aws';
    if (name === 'AWS::URLSuffix') return 'amazonaws.com';
    const param = this.template.Parameters?.[name];
    if (param) return this.str(param.Default);
    const resource = this.resources[name];
    const nameProp = resource ? REF_NAME_PROPERTY[resource.Type] : undefined;
    return nameProp ? this.str(resource?.Properties?.[nameProp]) : undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
