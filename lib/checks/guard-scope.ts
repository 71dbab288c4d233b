/**
 * What one Control Tower rule file needs to see of a template, so cfn-guard judges a small document
 * instead of the whole stack. cfn-guard's cost grows with template size times rule files: over this
 * app's two ~300 KB regional templates the bundled controls took ~21 s in one process.
 *
 * Sound for the Control Tower rules because each selects resources by type
 * (`Resources.*[ Type == "AWS::…" ]`) and reaches other resources only through local references
 * (`%doc.Resources[ keys == %ref ]`, from a `Ref` or `Fn::GetAtt` in their properties): the scope keeps
 * every resource of the rule's types and, transitively, every resource they reference, plus the
 * template's other sections.
 */

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly [section: string]: unknown;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: unknown;
  readonly [key: string]: unknown;
}

/** Logical ids a value refers to: `Ref`, `Fn::GetAtt` (array or `A.B` form) and `${A}`/`${A.B}` in `Fn::Sub`. */
export function referencedIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof v === 'string') into.add(v);
      else if (key === 'Fn::GetAtt') {
        const target: unknown = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
        if (typeof target === 'string') into.add(target);
        else referencedIds(v, into);
      } else if (key === 'Fn::Sub') {
        const text: unknown = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string')
          for (const m of text.matchAll(/\$\{([^!}.][^}.]*)[^}]*\}/g)) into.add(m[1]);
        if (Array.isArray(v)) referencedIds(v.slice(1), into);
      } else referencedIds(v, into);
    }
  }
  return into;
}

/**
 * The template cut down to the resources of `types` and everything their properties reference,
 * transitively (other sections kept whole; `DependsOn` is not followed: no rule reads it); undefined
 * when it has no resource of those types, so the rule file would skip it anyway.
 */
export function templateScope(template: CfnTemplate, types: ReadonlySet<string>): CfnTemplate | undefined {
  const resources = template.Resources ?? {};
  let frontier = Object.keys(resources).filter((id) => types.has(resources[id].Type));
  if (frontier.length === 0) return undefined;
  const kept = new Set<string>(frontier);
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const r of referencedIds(resources[id].Properties)) {
        if (r in resources && !kept.has(r)) {
          kept.add(r);
          next.push(r);
        }
      }
    }
    frontier = next;
  }
  return {
    ...template,
    Resources: Object.fromEntries(Object.entries(resources).filter(([id]) => kept.has(id))),
  };
}
